"""Policy files: every problem reported at once, in Chinese; scenarios never touch their base."""
import copy

import pytest
from engine_cases import WORKED_DATA, WORKED_POLICY
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.engine import allocate
from allocator.errors import PolicyError
from allocator.policy import apply_overrides, diff, load_policy, policy_from_text, to_toml

FIVE_PROBLEMS = '''
[policy]
id = "bad"
title = "有五处问题的政策"
year = 2020
source = "scenario"
colour = "red"

[rounding]
unit = { value = 1, unit = "万元" }

[[pools]]
id = "central"
label = "中央财政补助"
level = "中央"
kind = "一般公共预算"
total = { value = 0, unit = "万元" }

[[factors]]
id = "need"
label = "困难群众人数"
weight = { value = 70, unit = "%" }
components = [{ column = "dibao_rural" }]

[[factors]]
id = "population"
label = "户籍人口数"
weight = { value = 20 }
components = [{ column = "hukou_population" }]

[constraints]
floor_share_of_base = { value = 120, unit = "%" }
cap_share_of_base = { value = 110, unit = "%" }
'''


def load_text(tmp_path, text):
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return load_policy(path)


def messages_for(tmp_path, text) -> list[str]:
    with pytest.raises(PolicyError) as err:
        load_text(tmp_path, text)
    assert str(err.value).startswith(f"政策文件有误（共 {len(err.value.problems)} 处）")
    return [p.message for p in err.value.problems]


def one(messages, *needles) -> str:
    found = [m for m in messages if all(n in m for n in needles)]
    assert len(found) == 1, (needles, messages)
    return found[0]


def test_every_problem_in_a_policy_file_is_listed_at_once_naming_the_key_and_the_value(tmp_path):
    with pytest.raises(PolicyError) as err:
        load_text(tmp_path, FIVE_PROBLEMS)
    problems = err.value.problems
    messages = [p.message for p in problems]
    assert len(problems) == 5, messages
    # an unknown key, named with the keys that are allowed
    assert "未知的键" in one(messages, "policy.colour")
    # a non-positive budget: key and value
    assert "必须为正数" in one(messages, "pools.central.total", "0")
    # a number without its unit: key and value
    assert "缺少单位" in one(messages, "factors.population.weight = 20")
    # weights that do not add up to 100 %: each factor's weight named
    assert "应为 100%" in one(messages, "因素权重之和为 70%", "困难群众人数 70%")
    # a floor share above the cap share: both values named
    assert "高于" in one(messages, "保底比例 120%", "封顶比例 110%")
    keys = {p.key for p in problems}
    assert {"policy.colour", "pools.central.total", "factors.population.weight",
            "constraints.floor_share_of_base"} <= keys
    assert "政策文件有误（共 5 处）" in str(err.value)


def test_a_bare_number_is_refused_with_an_example_of_how_to_write_its_unit(tmp_path):
    text = WORKED_POLICY.replace('weight = { value = 60, unit = "%" }', "weight = 60")
    message = one(messages_for(tmp_path, text), "factors.need.weight = 60")
    assert "必须写明单位" in message and 'unit = "%"' in message


def test_an_unknown_unit_is_named(tmp_path):
    text = WORKED_POLICY.replace('total = { value = 700, unit = "万元" }', 'total = { value = 700, unit = "千元" }')
    assert "单位「千元」不可用" in one(messages_for(tmp_path, text), "pools.central.total = 700")


def test_a_budget_that_is_not_a_whole_number_of_rounding_units_is_refused(tmp_path):
    text = WORKED_POLICY.replace("value = 700,", "value = 700.5,")
    assert "不是取整单位 1 万元的整数倍" in one(messages_for(tmp_path, text), "pools.central.total = 700.5")


def test_a_missing_file_and_broken_toml_are_explained(tmp_path):
    with pytest.raises(PolicyError, match="找不到政策文件"):
        load_policy(tmp_path / "missing.toml")
    with pytest.raises(PolicyError, match="不是有效的 TOML"):
        load_text(tmp_path, "[policy\nid = 1")


# --- scenarios --------------------------------------------------------------------------------------

@pytest.fixture
def base():
    return policy_from_text(WORKED_POLICY)


def test_applying_overrides_never_mutates_the_base(base):
    raw, toml, amounts = copy.deepcopy(base.raw), to_toml(base), allocate(base, WORKED_DATA).amounts.tolist()
    override = {"cap": {"value": 190, "unit": "万元"}}
    scenario = apply_overrides(base, {"factors.need.weight": 70, "factors.population.weight": 30,
                                      "constraints.floor_share_of_base": 80,
                                      "constraints.overrides.510102": override})
    override["cap"]["value"] = 1  # changing the caller's dict afterwards changes nothing either
    assert scenario.factors[0].weight == pytest.approx(0.7)
    assert scenario.constraints.overrides[0].cap == 190
    assert base.raw == raw and to_toml(base) == toml
    assert base.factors[0].weight == pytest.approx(0.6) and base.constraints.overrides == ()
    assert allocate(base, WORKED_DATA).amounts.tolist() == amounts


def test_a_failed_scenario_leaves_the_base_untouched_too(base):
    raw = copy.deepcopy(base.raw)
    with pytest.raises(PolicyError, match="因素权重之和为 110%"):
        apply_overrides(base, {"factors.need.weight": 70})
    with pytest.raises(PolicyError, match="情景参数 factors.nedd.weight：基础政策中没有「nedd」"):
        apply_overrides(base, {"factors.nedd.weight": 70})
    assert base.raw == raw


def test_diff_lists_the_changed_paths_with_both_values(base):
    scenario = apply_overrides(base, {"factors.need.weight": 70, "factors.population.weight": 30,
                                      "constraints.cap_share_of_base": 115})
    assert diff(base, scenario) == [
        ("factors.need.weight", "60 %", "70 %"),
        ("factors.population.weight", "40 %", "30 %"),
        ("constraints.cap_share_of_base", "110 %", "115 %"),
    ]
    assert diff(base, base) == []


def test_an_override_keeps_the_unit_written_in_the_base_and_marks_its_source(base):
    scenario = apply_overrides(base, {"constraints.cap_share_of_base": 115})
    assert scenario.constraints.cap_share == pytest.approx(1.15)
    (param,) = [p for p in scenario.parameters if p.path == "constraints.cap_share_of_base"]
    assert (param.value, param.unit, param.source) == (115, "%", "scenario")


def test_base_plus_override_then_override_back_is_the_base(base):
    there = apply_overrides(base, {"factors.need.weight": 70, "factors.population.weight": 30})
    back = apply_overrides(there, {"factors.need.weight": 60, "factors.population.weight": 40})
    assert diff(base, back) == []
    assert back == base
    assert allocate(back, WORKED_DATA).amounts.tolist() == allocate(base, WORKED_DATA).amounts.tolist()


@settings(max_examples=60, deadline=None)
@given(need=st.integers(0, 100), floor=st.integers(0, 100), cap=st.integers(100, 200))
def test_any_override_and_its_reverse_give_back_the_base(need, floor, cap):
    base = policy_from_text(WORKED_POLICY)
    there = apply_overrides(base, {"factors.need.weight": need, "factors.population.weight": 100 - need,
                                   "constraints.floor_share_of_base": floor, "constraints.cap_share_of_base": cap})
    back = apply_overrides(there, {"factors.need.weight": 60, "factors.population.weight": 40,
                                   "constraints.floor_share_of_base": 90, "constraints.cap_share_of_base": 110})
    assert diff(base, back) == [] and back == base
    assert {path for path, _, _ in diff(base, there)} <= {
        "factors.need.weight", "factors.population.weight",
        "constraints.floor_share_of_base", "constraints.cap_share_of_base"}


def test_policy_text_that_is_not_toml_is_refused_in_chinese():
    with pytest.raises(PolicyError, match="不是有效的 TOML"):
        policy_from_text("[policy\nid = 1")
