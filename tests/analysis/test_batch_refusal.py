"""Issue 22 §1: every scenario a batch evaluates passes the validation a single run applies (one
function, `allocator.policy.rules.refuse_rows`); a scenario that fails is reported as refused with its
reason — never as feasible or infeasible figures."""
import numpy as np
import pandas as pd
import pytest

from allocator import usecases
from allocator.analysis.batch import evaluate, evaluate_reduced, what_if
from allocator.errors import PolicyError
from allocator.policy import apply_overrides

WEIGHTS = ("factors.need.weight", "factors.population.weight", "factors.effort.weight")

# the reproducers of issue 22 §1: (overrides, words the reason must hold)
REFUSED = {
    "pool total not a whole unit": ({"pools.central_general.total": 196000.5}, "不是取整单位 1 万元的整数倍"),
    "infinite cap": ({"constraints.cap_share_of_base": np.inf}, "constraints.cap_share_of_base"),
    "negative minimum": ({"constraints.floor_minimum": -5.0}, "constraints.floor_minimum = -5 万元：不能为负"),
    "huge elasticity": ({"corrections.hardship.elasticity": 1e308}, "corrections.hardship.elasticity"),
    "lower above upper": ({"corrections.hardship.lower": 2.0, "corrections.hardship.upper": 0.5},
                          "系数下限 lower = 2 大于上限 upper = 0.5"),
    "weights out of range": (dict(zip(WEIGHTS, (-10.0, 105.0, 5.0))), "factors.need.weight = -10%"),
}


@pytest.fixture(scope="module")
def sichuan(presets):
    return presets("sichuan-2019")


def base_row(prepared, paths) -> dict:
    """The base policy's own values for these paths (a valid scenario; no cap written: 150 %)."""
    return {path: p.neutral if np.isfinite(p.neutral) else 150.0 for path in paths
            for p in [prepared.parameter(path)]}


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_batch_refuses_what_a_single_run_refuses(sichuan, name):
    overrides, words = REFUSED[name]
    valid = base_row(sichuan, overrides)
    frame = pd.DataFrame([valid, overrides])
    batch = evaluate(sichuan, frame, pools=True)
    assert batch.refused.tolist() == [False, True]
    assert batch.feasible.tolist() == [True, False]
    assert words in batch.reasons[1] and batch.reasons[0] == ""
    assert not batch.totals[1].any() and not batch.at_floor[1].any() and not batch.amounts[1].any()
    np.testing.assert_array_equal(batch.totals[0], what_if(sichuan, valid))
    with pytest.raises(PolicyError):  # the single run refuses the same scenario
        apply_overrides(sichuan.policy, overrides)
    with pytest.raises(PolicyError, match="第 1 个情景"):  # and so does a what-if
        what_if(sichuan, overrides)


def test_the_sweep_table_shows_the_reason_and_no_figures():
    inputs = usecases.load_inputs("sichuan-2019")
    report = usecases.sweep(inputs, pd.DataFrame({"pools.central_general.total": [186650.0, 196000.5]}))
    assert report.scenarios["可行"].tolist() == [True, False]
    assert report.scenarios["拒绝原因"].iloc[1].startswith("pools.central_general.total = 196000.5 万元")
    assert report.scenarios["保底地区数"].isna().tolist() == [False, True]
    assert report.amounts["情景2"].isna().all() and report.amounts["情景1"].notna().all()


def test_a_reduced_batch_leaves_refused_rows_out(sichuan):
    frame = pd.DataFrame({"constraints.floor_minimum": [0.0, -5.0, 0.0, np.nan]})

    def count(chunk, rows):
        return int(chunk.feasible.sum())

    assert evaluate_reduced(sichuan, frame, count, lambda acc, part: (acc or 0) + part) == 2


def test_valid_rows_keep_their_figures_beside_refused_ones(sichuan):
    good = dict(zip(WEIGHTS, (70.0, 10.0, 20.0)))
    batch = evaluate(sichuan, pd.DataFrame([good, dict(zip(WEIGHTS, (70.0, 10.0, 30.0))), good]))
    assert batch.refused.tolist() == [False, True, False]
    np.testing.assert_array_equal(batch.totals[0], what_if(sichuan, good))
    np.testing.assert_array_equal(batch.totals[2], batch.totals[0])
