"""Region data: every problem reported at once, naming the region, the column (Chinese) and the value."""
import numpy as np
import pytest
from engine_cases import WORKED_DATA, WORKED_POLICY

from allocator.engine import RegionData, allocate, check_for_policy
from allocator.errors import DataError
from allocator.policy import apply_overrides, policy_from_text


def problems_of(callable_, *args):
    with pytest.raises(DataError) as err:
        callable_(*args)
    assert str(err.value).startswith(f"数据有误（共 {len(err.value.problems)} 处）")
    return err.value.problems


def test_a_negative_count_names_the_region_the_column_and_the_value():
    frame = WORKED_DATA.copy()
    frame.loc[1, "dibao_rural"] = -5
    (problem,) = problems_of(RegionData.from_frame, frame)
    assert problem.message == "地区 510102 乙县 的「农村低保对象(人)」= -5：不能为负数或无穷大"
    assert (problem.region, problem.key, problem.value, problem.row) == ("510102", "dibao_rural", -5, 2)


def test_a_non_numeric_count_names_the_region_the_column_and_the_text():
    frame = WORKED_DATA.astype({"hukou_population": object})
    frame.loc[2, "hukou_population"] = "三十万"
    (problem,) = problems_of(RegionData.from_frame, frame)
    assert problem.message == "地区 510103 丙县 的「户籍人口(人)」= '三十万'：不是数字"
    assert (problem.region, problem.key, problem.value) == ("510103", "hukou_population", "三十万")


def test_a_duplicate_code_names_both_rows():
    frame = WORKED_DATA.copy()
    frame.loc[3, "code"] = "510101"
    (problem,) = problems_of(RegionData.from_frame, frame)
    assert problem.message == "地区代码 510101 重复（第 1 行与第 4 行）"


def test_every_problem_in_a_table_is_listed_at_once():
    frame = WORKED_DATA.astype({"hukou_population": object, "base_central": float})
    frame.loc[0, "dibao_rural"] = -1
    frame.loc[1, "base_central"] = np.inf
    frame.loc[2, "hukou_population"] = "n/a"
    frame.loc[3, "code"] = "510102"
    problems = problems_of(RegionData.from_frame, frame)
    assert len(problems) == 4
    text = "\n".join(p.message for p in problems)
    assert "地区代码 510102 重复" in text
    assert "「农村低保对象(人)」= -1" in text
    assert "「上年分配·central(万元)」= inf" in text
    assert "「户籍人口(人)」= 'n/a'：不是数字" in text


def test_a_blank_count_is_read_as_zero_not_refused():
    frame = WORKED_DATA.copy()
    frame["dibao_rural"] = frame["dibao_rural"].astype(float)
    frame.loc[0, "dibao_rural"] = np.nan
    data = RegionData.from_frame(frame)
    assert data.columns["dibao_rural"][0] == 0


def test_a_factor_column_that_is_all_zero_is_refused_naming_the_factor_and_the_column():
    frame = WORKED_DATA.copy()
    frame["dibao_rural"] = 0
    (problem,) = problems_of(allocate, policy_from_text(WORKED_POLICY), frame)
    assert problem.message == "因素「困难群众人数」使用的列「农村低保对象(人)」全部为零"
    assert problem.key == "dibao_rural"


def test_an_override_for_a_region_not_in_the_data_is_refused():
    policy = apply_overrides(policy_from_text(WORKED_POLICY),
                             {"constraints.overrides.519999": {"floor": {"value": 10, "unit": "万元"}}})
    (problem,) = problems_of(allocate, policy, WORKED_DATA)
    assert problem.message == "约束中指定的地区 519999 不在数据中"
    assert problem.region == "519999"


def test_every_problem_the_policy_finds_in_the_data_is_listed_at_once():
    policy = apply_overrides(policy_from_text(WORKED_POLICY),
                             {"constraints.overrides.519999": {"cap": {"value": 10, "unit": "万元"}}})
    frame = WORKED_DATA.copy()
    frame["dibao_rural"] = 0
    frame.loc[3, "hardship_coef"] = 0
    problems = problems_of(check_for_policy, policy, RegionData.from_frame(frame))
    messages = [p.message for p in problems]
    assert messages == [
        "因素「困难群众人数」使用的列「农村低保对象(人)」全部为零",
        "地区 510104 丁县 的「财政困难程度系数(系数)」为 0，不能作为修正系数「财政困难程度」",
        "约束中指定的地区 519999 不在数据中",
    ]


def test_a_column_the_policy_needs_but_the_data_lacks_is_named_in_chinese():
    problems = problems_of(allocate, policy_from_text(WORKED_POLICY), WORKED_DATA.drop(columns=["hardship_coef"]))
    assert [p.message for p in problems] == ["数据缺少政策所需的列「财政困难程度系数(系数)」（hardship_coef）"]


def test_a_factor_of_weight_zero_may_read_a_column_that_is_all_zero():
    """A scenario that switches a factor off must not be refused for that factor's data."""
    import pandas as pd

    from allocator.dataset.reference import package_data
    from allocator.engine import allocate
    from allocator.policy import apply_overrides, load_policy

    policy = load_policy("example")
    off = apply_overrides(policy, {"factors.need.weight": 95, "factors.effort.weight": 0})
    data = pd.read_csv(package_data() / "examples" / "regions.csv", dtype={"code": str})
    data["local_input"] = 0.0
    data["performance_score"] = 0.0
    result = allocate(off, data)
    assert result.pool_units.sum() == round(policy.budget)
    assert (result.trace["part_effort"] == 0).all()
