"""The design page's wiring: widget values → a scenario's overrides → the same widget values."""
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import app.controls as c  # noqa: E402
from allocator import usecases as u  # noqa: E402


@pytest.fixture(scope="module")
def base():
    return u.resolve_policy("sichuan-2020")


@pytest.fixture(scope="module")
def start(base):
    return c.values_from(base)


CASES = {
    "a weight": ({"w_need": 70.0, "w_effort": 25.0}, True, None),
    "a need sub-weight": ({"sw_need_dibao_urban": 50.0}, True, None),
    "effort sub-weights": ({"sw_effort_local_input": 70.0, "sw_effort_performance_score": 30.0}, True, None),
    "correction off": ({}, False, None),
    "correction on the result": ({"hc_apply": "result"}, True, None),
    "correction on need only": ({}, True, ["need"]),
    "correction bounds": ({"hc_el": 1.0, "hc_hi": 2.0}, True, None),
    "no cap": ({"cap_pct": 0.0}, True, None),
    "a minimum": ({"floor_min": 100.0}, True, None),
    "cents": ({"unit": 0.01}, True, None),
    "a pool total": ({"pool_central_general": 230000.0}, True, None),
    "another objective": ({"objective": "least_absolute"}, True, None),
}


def test_unchanged_controls_give_no_overrides(base, start):
    values, on, factors, regions = start
    assert c.overrides_from(base, values, on, factors, regions) == {}


@pytest.mark.parametrize("name", list(CASES))
def test_controls_run_and_come_back_from_the_scenario(base, start, name):
    values, _, factors, regions = start
    changed, on, chosen = CASES[name]
    overrides = c.overrides_from(base, {**values, **changed}, on, chosen or factors, regions)
    assert overrides
    u.run(u.scenario_inputs(base, None, overrides))  # the scenario runs
    back, back_on, back_factors, _ = c.values_from(u.scenario_policy(base, overrides))
    assert back_on == on
    assert sorted(back_factors) == sorted(chosen or factors) or changed.get("hc_apply") == "result"
    for key, value in changed.items():
        assert back[key] == pytest.approx(value) if isinstance(value, float) else back[key] == value


def test_a_region_override_from_the_table(base, start):
    values, on, factors, _ = start
    table = pd.DataFrame([{"地区代码": "510104", "保底额(万元)": 400.0, "封顶额(万元)": None, "理由": "试点"}])
    overrides = c.overrides_from(base, values, on, factors, table)
    policy = u.scenario_policy(base, overrides)
    assert [(o.region, o.floor, o.cap, o.reason) for o in policy.constraints.overrides] == [("510104", 400.0, None, "试点")]
    result = u.run(u.load_inputs(policy))
    assert result.table().set_index("code").loc["510104", "total"] >= 400


def test_effort_sub_weights_off_100_are_flagged(base, start):
    values = {**start[0], "sw_effort_local_input": 70.0}
    assert c.share_sums(base, values) == {"自身努力程度": 120.0}
