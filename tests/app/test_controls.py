"""The design page's wiring: widget values → a scenario's overrides → the same widget values."""
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import app.controls as c  # noqa: E402
from allocator import usecases as u  # noqa: E402
from allocator.errors import InfeasibleError  # noqa: E402


@pytest.fixture(scope="module")
def base():
    return u.resolve_policy("sichuan-2020")


@pytest.fixture(scope="module")
def start(base):
    return c.values_from(base)


HC = c.correction_keys("hardship")
CASES = {
    "a weight": {"w_need": 70.0, "w_effort": 25.0},
    "a need sub-weight": {"sw_need_dibao_urban": 50.0},
    "effort sub-weights": {"sw_effort_local_input": 70.0, "sw_effort_performance_score": 30.0},
    "correction off": {HC["on"]: False},
    "correction on the result": {HC["apply"]: "result"},
    "correction on need only": {HC["factors"]: ["need"]},
    "correction bounds": {HC["el"]: 1.0, HC["hi"]: 2.0},
    "no cap": {"cap_pct": 0.0},
    # the minimum must stay under every cap (120 % of last year): 西区 510403's cap is 50 万元, see below
    "a minimum": {"floor_min": 40.0},
    "cents": {"unit": 0.01},
    "a pool total": {"pool_central_general": 230000.0},
    "another objective": {"objective": "least_absolute"},
}


def test_unchanged_controls_give_no_overrides(base, start):
    values, regions = start
    assert c.overrides_from(base, values, regions) == {}


@pytest.mark.parametrize("name", list(CASES))
def test_controls_run_and_come_back_from_the_scenario(base, start, name):
    values, regions = start
    changed = CASES[name]
    overrides = c.overrides_from(base, {**values, **changed}, regions)
    assert overrides
    assert all(not isinstance(v, dict) or set(v) == {"value", "unit"} for v in overrides.values())  # paths only
    u.run(u.scenario_inputs(base, None, overrides))  # the scenario runs
    back, _ = c.values_from(u.scenario_policy(base, overrides))
    for key, value in changed.items():
        if key == HC["factors"] and back[HC["apply"]] == "result":
            continue
        assert back[key] == pytest.approx(value) if isinstance(value, float) else back[key] == value


def _bounds(result, code: str) -> tuple[float, float]:
    """A region's formula total and its cap in the shared block (万元), read from the library's result."""
    k = list(result.codes.astype(str)).index(code)
    return float(result.table().set_index("code").loc[code, "total"]), float(result.trace["cap"][k])


def test_the_minimum_case_stays_under_every_cap(base):
    result = u.run(u.load_inputs(base))
    assert float(result.trace["cap"].min()) == 50.0  # 西区 510403: 120 % of its base
    assert CASES["a minimum"]["floor_min"] < 50.0


def test_a_region_override_from_the_table(base, start):
    values, _ = start
    total, cap = _bounds(u.run(u.load_inputs(base)), "510104")  # 123 and 141 万元 on the 2020 demo data
    floor = float((total + cap) // 2)  # above what the formula gives, under the general cap (120 % of base)
    table = pd.DataFrame([{"地区代码": "510104", "保底额(万元)": floor, "封顶额(万元)": None, "理由": "试点"}])
    overrides = c.overrides_from(base, values, table)
    policy = u.scenario_policy(base, overrides)
    assert [(o.region, o.floor, o.cap, o.reason) for o in policy.constraints.overrides] == [("510104", floor, None, "试点")]
    result = u.run(u.load_inputs(policy))
    assert result.table().set_index("code").loc["510104", "total"] == floor  # held exactly at its floor
    assert result.trace["binding"][list(result.codes.astype(str)).index("510104")] == "floor"


def test_a_region_floor_above_the_general_cap_is_explained(base, start):
    values, _ = start
    _, cap = _bounds(u.run(u.load_inputs(base)), "510104")
    table = pd.DataFrame([{"地区代码": "510104", "保底额(万元)": 400.0, "封顶额(万元)": None, "理由": ""}])
    overrides = c.overrides_from(base, values, table)
    with pytest.raises(InfeasibleError, match=f"510104 锦江区 保底 400 万元 > 封顶 {cap:g} 万元"):
        u.run(u.scenario_inputs(base, None, overrides))


def test_effort_sub_weights_off_100_are_flagged(base, start):
    # the 2020 effort index: 财政努力程度 50 %, 资金使用绩效 30 %, 管理工作水平 20 % (sichuan-2019.toml)
    assert c.share_sums(base, start[0]) == {}
    values = {**start[0], "sw_effort_local_input": 70.0}
    assert c.share_sums(base, values) == {"自身努力程度": 70.0 + 30.0 + 20.0}


def test_effort_sub_weights_are_the_intensity_components(base):
    effort = {k.key: k for k in c.controls(base) if k.section == "subweights" and k.key.startswith("sw_effort_")}
    assert {k: (v.label, v.default) for k, v in effort.items()} == {
        "sw_effort_local_input": ("自身努力程度·财政努力程度", 50),
        "sw_effort_performance_score": ("自身努力程度·资金使用绩效", 30),
        "sw_effort_management_score": ("自身努力程度·管理工作水平", 20),
    }


def test_sub_weights_off_100_act_as_shares_of_the_effort_index(base, start):
    """The index divides by the sum of sub-weights, so 100/60/40 allocates as 50/30/20 does."""
    values = {**start[0], "sw_effort_local_input": 100.0, "sw_effort_performance_score": 60.0,
              "sw_effort_management_score": 40.0}
    assert c.share_sums(base, values) == {"自身努力程度": 200.0}
    overrides = c.overrides_from(base, values, start[1])
    assert set(overrides) == {f"factors.effort.components.{col}.weight" for col in
                              ("local_input", "performance_score", "management_score")}
    doubled = u.run(u.scenario_inputs(base, None, overrides)).table()["total"].tolist()
    assert doubled == u.run(u.load_inputs(base)).table()["total"].tolist()


@pytest.mark.parametrize("name", list(u.builtin_presets()))
def test_every_preset_gives_controls_that_come_back_unchanged(name):
    policy = u.resolve_policy(name)
    values, regions = c.values_from(policy)
    assert c.overrides_from(policy, values, regions) == {}
    assert c.share_sums(policy, values) == {}  # every shipped preset's shares add up to 100 %


def test_every_correction_has_its_controls_and_is_turned_off_its_own_way():
    """Two corrections (a capacity ratio and a data column): each has its own controls; off is
    elasticity 0 for the first and coefficients clipped to 1 for the second."""
    from allocator.policy import load_policy
    from allocator.policy.derive import derived

    def add_column_correction(keyed):
        keyed["corrections"]["score_adj"] = {
            "id": "score_adj", "label": "绩效调整", "apply": "result", "method": "column",
            "column": "performance_score", "source": "scenario",
            "lower": {"value": 0.9, "unit": "ratio"}, "upper": {"value": 1.1, "unit": "ratio"}}
    policy = derived(load_policy("sichuan-2020"), add_column_correction)
    keys = {ctrl.key for ctrl in c.controls(policy) if ctrl.section == "hardship"}
    second = c.correction_keys("score_adj")
    assert {second["lo"], second["hi"], second["apply"], HC["el"]} <= keys and second["el"] not in keys
    values, regions = c.values_from(policy)
    assert values[second["on"]] and values[HC["on"]]
    overrides = c.overrides_from(policy, {**values, second["on"]: False, HC["on"]: False}, regions)
    assert overrides == {"corrections.score_adj.lower": 1.0, "corrections.score_adj.upper": 1.0,
                         "corrections.hardship.elasticity": 0.0}
    back, _ = c.values_from(u.scenario_policy(policy, overrides))
    assert not back[second["on"]] and not back[HC["on"]]
