"""绩效自评, scored: hand-worked marks for each rule, the system as a policy file, template → import → score."""
import textwrap

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from allocator import usecases
from allocator.cli import app
from allocator.errors import DataError, PolicyError
from allocator.funds.selfeval import budget_score, completion, indicator_score, score_selfeval
from allocator.policy import load_policy
from allocator.policy.model import Direction, EvalIndicator, ScoreRule

runner = CliRunner()
YANBIAN = dict(code="510422", name="盐边县", budget_central=465.47, budget_local=496.5, budget_other=0.0,
               spent_central=465.47, spent_local=496.5, spent_other=0.0, insured_assisted=4992.0,
               insured_assisted_target=4900.0, inpatient_cases=5012.0, inpatient_cases_target=5500.0,
               key_inpatient_ratio=70.2, balance_share=5.48, pass_on_days=25.0, satisfaction=98.0)


def indicator(rule, direction="≥", marks=20.0, **kw):
    return EvalIndicator("x", "产出指标", "数量指标", "x", marks, "test", Direction(direction), ScoreRule(rule), **kw)


def test_proportional_marks_follow_completion_inpatient_5012_of_5500_earns_13_67_of_15():
    assert indicator_score(indicator("proportional", marks=15), completion(5012, 5500, Direction.AT_LEAST)) == 13.67


def test_banded_ratio_67_of_70_is_95_7_percent_complete_and_earns_80_percent_of_20():
    ind = indicator("banded", bands=(1.0, 0.95, 0.9), band_marks=(1.0, 0.8, 0.6))
    assert completion(67, 70, Direction.AT_LEAST) == pytest.approx(0.9571, abs=1e-4)
    assert indicator_score(ind, completion(67, 70, Direction.AT_LEAST)) == 16.0
    assert indicator_score(ind, completion(62, 70, Direction.AT_LEAST)) == 0.0  # 88.6 %: below every band


def test_a_balance_of_16_percent_misses_the_at_most_15_target_and_earns_nothing_under_met():
    assert indicator_score(indicator("met", "≤", 15), completion(16, 15, Direction.AT_MOST)) == 0.0
    assert indicator_score(indicator("met", "≤", 15), completion(5.48, 15, Direction.AT_MOST)) == 15.0


def test_an_equal_target_loses_marks_with_the_relative_distance():
    assert completion(95, 100, Direction.EQUAL) == pytest.approx(0.95)
    assert indicator_score(indicator("proportional", "=", 10), completion(95, 100, Direction.EQUAL)) == 9.5


def test_budget_execution_900_of_1000_earns_9_of_10_and_never_more_than_10():
    assert budget_score(10, 0.9) == 9.0
    assert budget_score(10, 1.2) == 10.0


@given(st.sampled_from(["met", "proportional", "banded"]), st.sampled_from(["≥", "≤", "="]),
       st.floats(0, 1e6), st.floats(0, 1e6), st.floats(0, 100))
def test_a_score_is_never_negative_nor_above_the_marks(rule, direction, actual, target, marks):
    ind = indicator(rule, direction, marks, bands=(1.0, 0.9), band_marks=(1.0, 0.5))
    score = indicator_score(ind, completion(actual, target, Direction(direction)))
    assert 0 <= score <= round(marks, 2) + 1e-9


def test_yanbian_scored_under_the_sichuan_system_loses_only_the_inpatient_shortfall():
    [e] = score_selfeval(load_policy("sichuan-selfeval"), pd.DataFrame([YANBIAN]))
    assert e.budget_score == 10.0  # 961.97 of 961.97 万元 executed
    assert list(e.indicators["得分"]) == [20.0, 13.67, 20.0, 15.0, 10.0, 10.0]
    assert e.score == 98.67
    assert e.budget.iloc[0].tolist() == ["年度资金总额", 961.97, 961.97, "100.00%"]
    assert e.indicators.loc[1, "偏差原因"].startswith("未达到年度指标值")
    assert "盐边县2019年医疗救助补助资金961.97万元" in e.goal


def test_execution_above_the_budget_is_refused_naming_the_region():
    with pytest.raises(DataError, match="盐边县 的中央补助全年执行数 500.00 万元大于全年预算数 465.47"):
        score_selfeval(load_policy("sichuan-selfeval"), pd.DataFrame([{**YANBIAN, "spent_central": 500.0}]))


def _system(tmp_path, marks=90, rule="met"):
    path = tmp_path / "p.toml"
    path.write_text(textwrap.dedent(f'''
        [policy]
        base = "example"
        [selfeval]
        source = "test"
        goal = "{{name}}"
        indicators = [{{ name = "满意度", level1 = "满意度指标", level2 = "服务对象满意度指标", column = "satisfaction", target = {{ value = 85, unit = "%" }}, unit = "%", rule = "{rule}", marks = {{ value = {marks}, unit = "分" }} }}]
    '''), encoding="utf-8")
    return path


def test_the_marks_must_add_up_to_100_and_the_rule_must_be_known(tmp_path):
    assert load_policy(_system(tmp_path)).selfeval.total_marks == 100
    with pytest.raises(PolicyError, match="之和为 95 分，应为 100 分"):
        load_policy(_system(tmp_path, marks=85))
    with pytest.raises(PolicyError, match="rule = \"ranked\"：应为 met / proportional / banded"):
        load_policy(_system(tmp_path, rule="ranked"))


def test_template_then_import_then_score_through_the_cli(tmp_path):
    template = tmp_path / "自评模板.xlsx"
    res = runner.invoke(app, ["template", "--kind", "selfeval", "-p", "sichuan-selfeval", "-o", str(template)])
    assert res.exit_code == 0, res.output
    filled = pd.read_excel(template, header=1, dtype={"地区代码": str})
    assert "全年预算数·中央补助(万元)" in filled.columns and "资助参保人数·年度指标值(人)" in filled.columns
    entries = usecases.read_data("sichuan-selfeval-2019").frame.set_index("code")
    headers = dict(zip(usecases.required_columns_for_selfeval("sichuan-selfeval"), filled.columns[2:]))
    for col, header in headers.items():
        filled[header] = filled["地区代码"].map(entries[col])
    path = tmp_path / "自评.csv"
    filled.to_csv(path, index=False, encoding="utf-8-sig")
    store = tmp_path / "s.sqlite"
    res = runner.invoke(app, ["import", str(path), "--kind", "selfeval", "--name", "se-2019", "--store", str(store)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["selfeval", "-d", "db:se-2019@1", "--store", str(store), "--region", "510422",
                              "--save-as", "se-2019-scores"])
    assert res.exit_code == 0, res.output
    assert "盐边县 绩效自评表" in res.output and "自评得分" in res.output
    scores = usecases.read_data("db:se-2019-scores", store).frame
    assert len(scores) == 183 and scores["selfeval_score"].between(0, 100).all()


def test_an_import_with_execution_above_budget_writes_nothing(tmp_path):
    entries = usecases.read_data("sichuan-selfeval-2019").frame
    entries.loc[0, "spent_local"] = entries.loc[0, "budget_local"] + 1
    path = tmp_path / "bad.csv"
    entries.to_csv(path, index=False)
    with pytest.raises(DataError, match="地方资金全年执行数"):
        usecases.import_selfeval(path, "bad", "sichuan-selfeval", store=tmp_path / "s.sqlite")
    assert usecases.list_datasets(store=tmp_path / "s.sqlite") == []


def test_scores_join_next_years_data_with_their_provenance(tmp_path):
    store = tmp_path / "s.sqlite"
    report = usecases.selfeval("sichuan-selfeval", "sichuan-selfeval-2019")
    v = usecases.store_selfeval_results(report, "scores-2019", store)
    joined = usecases.with_selfeval_results("sichuan-2020", f"db:scores-2019@{v.version}", store)
    assert joined.provenance["selfeval_score"].startswith("上年绩效自评结果 db:scores-2019@1（")
    np.testing.assert_array_equal(joined.frame.sort_values("code")["selfeval_score"].to_numpy(),
                                  report.results.sort_values("code")["selfeval_score"].to_numpy())
    missing = report.results.iloc[1:]
    with pytest.raises(DataError, match="1 个地区.*没有上年绩效自评结果"):
        usecases.with_selfeval_results("sichuan-2020", missing, store)
