"""The batch engine equals the single-run path on the fidelity and performance-loop features too:
the intensity factor (its sub-weights and its scale's), loop transforms (balance_penalty, rank_linear),
pools with a per-person part (standard), and top-level factors that several blocks follow."""
import numpy as np
import pandas as pd
import pytest
from batch_cases import assert_same_as_single_runs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator.analysis.batch import (
    evaluate,
    formula_blocks,
    parameter,
    weight_path,
    what_if,
)
from allocator.engine import allocate
from allocator.errors import DataError, PolicyError

PRESETS = ["example", "sichuan-2019", "sichuan-2020", "sichuan-2020-loop", "sichuan-selfeval",
           "guangyuan-insurance-2023", "guangyuan-capacity-2023"]
SETTINGS = settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("name", PRESETS)
def test_the_base_scenario_is_the_stored_run_for_every_preset(presets, name):
    prepared = presets(name)
    base = allocate(prepared.policy, prepared.data)
    np.testing.assert_array_equal(what_if(prepared, {}), base.amounts.sum(axis=1))
    assert_same_as_single_runs(prepared, pd.DataFrame(index=[0]))


def weight_rows(prepared, draws):
    """Each block's weights: the first drawn factors take shares of 100 %, the last the rest."""
    row = {}
    for pb in formula_blocks(prepared):
        paths = [weight_path(pb.block, f.id) for f in pb.block.factors]
        if len(paths) < 2:
            continue
        left = 100.0
        for path, share in zip(paths[:-1], draws):
            row[path] = left * share
            left -= row[path]
        row[paths[-1]] = left
    return row


shares = st.lists(st.floats(0.05, 0.9), min_size=4, max_size=4)


@SETTINGS
@given(st.lists(st.fixed_dictionaries({
    "shares": shares, "local": st.floats(0, 100), "score": st.floats(0, 100), "mgmt": st.floats(1, 100),
    "poor": st.floats(0, 200), "elasticity": st.floats(0, 1.5), "floor": st.floats(80, 100),
}), min_size=1, max_size=3))
def test_intensity_sub_weights_and_its_scale_sub_weights(presets, rows):
    prepared = presets("sichuan-2019")
    frame = pd.DataFrame([{
        **weight_rows(prepared, r["shares"]),
        "factors.effort.components.local_input.weight": r["local"],
        "factors.effort.components.performance_score.weight": r["score"],
        "factors.effort.components.management_score.weight": r["mgmt"],
        "factors.need.components.poverty_population.weight": r["poor"],  # the scale of the intensity factor
        "corrections.hardship.elasticity": r["elasticity"],
        "constraints.floor_share_of_base": r["floor"],
    } for r in rows])
    assert_same_as_single_runs(prepared, frame)


@SETTINGS
@given(st.lists(st.fixed_dictionaries({"shares": shares, "floor": st.floats(70, 100), "cap": st.floats(101, 160),
                                       "total": st.floats(0.95, 1.15)}), min_size=1, max_size=3),
       st.integers(0, 2**31))
def test_the_loop_transform_with_data_errors(presets, rows, seed):
    prepared = presets("sichuan-2020-loop")
    assert any(f.transform == "balance_penalty" for f in prepared.policy.factors)
    frame = pd.DataFrame([{**weight_rows(prepared, r["shares"]), "constraints.floor_share_of_base": r["floor"],
                           "constraints.cap_share_of_base": r["cap"],
                           "pools.central_general.total": round(196000 * r["total"])} for r in rows])
    rng = np.random.default_rng(seed)
    n = prepared.n_regions
    scale = {c: rng.uniform(0.8, 1.2, (len(frame), n)) for c in ("dibao_urban", "selfeval_score", "balance_share", "local_input")}
    assert_same_as_single_runs(prepared, frame, scale)


@SETTINGS
@given(st.lists(st.fixed_dictionaries({"shares": shares, "central": st.floats(0.9, 1.3),
                                       "local": st.floats(0.5, 1.5)}), min_size=1, max_size=4),
       st.integers(0, 2**31))
def test_pools_with_a_per_person_part(presets, rows, seed):
    prepared = presets("guangyuan-insurance-2023")
    assert all(pb.block.standard is not None for pb in prepared.blocks)
    frame = pd.DataFrame([{**weight_rows(prepared, r["shares"]),
                           "pools.central.total": round(110750.93 * r["central"], 2),
                           "pools.local.total": round(27299.31 * r["local"], 2)} for r in rows])
    rng = np.random.default_rng(seed)
    scale = {"insured": rng.uniform(0.95, 1.05, (len(frame), prepared.n_regions))}
    assert_same_as_single_runs(prepared, frame)
    assert_same_as_single_runs(prepared, frame, scale)


@SETTINGS
@given(st.lists(st.fixed_dictionaries({"shares": shares}), min_size=1, max_size=4))
def test_rank_linear_and_a_top_level_formula_on_a_pool_of_its_own(presets, rows):
    prepared = presets("guangyuan-capacity-2023")
    frame = pd.DataFrame([weight_rows(prepared, r["shares"]) for r in rows])
    assert "factors.ranking.weight" in frame
    assert_same_as_single_runs(prepared, frame)


def test_a_top_level_weight_acts_on_every_block_that_follows_it(presets):
    prepared = presets("guangyuan-insurance-2023")
    p = parameter(prepared.policy, "factors.assisted.weight")
    assert p.blocks == ("central", "local")
    assert [pb.block.id for pb in formula_blocks(prepared)] == ["central"]


def test_a_per_person_part_larger_than_its_pool_is_infeasible_not_raised(presets):
    prepared = presets("guangyuan-insurance-2023")
    frame = pd.DataFrame({"pools.local.total": [27299.31, 100.0]})
    batch = evaluate(prepared, frame)
    assert batch.feasible.tolist() == [True, False]
    with pytest.raises(DataError):
        what_if(prepared, {"pools.local.total": 100.0})


def test_sub_weights_break_the_loaders_rules_with_the_row(presets):
    prepared = presets("sichuan-2019")
    path = "factors.effort.components.{}.weight"
    frame = pd.DataFrame({path.format("local_input"): [50, 0, -1], path.format("performance_score"): [30, 0, 0],
                          path.format("management_score"): [20, 0, 0]})
    batch = evaluate(prepared, frame)
    assert batch.refused.tolist() == [False, True, True]
    assert "子权重全部为 0" in batch.reasons[1] and "子权重不能为负" in batch.reasons[2]
    with pytest.raises(PolicyError, match="第 1 个情景.*子权重不能为负"):
        what_if(prepared, frame.iloc[2].to_dict())

