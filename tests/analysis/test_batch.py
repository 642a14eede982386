"""The batch engine gives exactly the single-run answer, scenario by scenario, after rounding."""
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd
import pytest
from batch_cases import TWO_REGIONS, assert_same_as_single_runs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator.analysis.batch import (
    chunk_rows,
    evaluate,
    overrides_for,
    parameter,
    prepare,
    single_run,
    what_if,
)
from allocator.engine import allocate
from allocator.errors import DataError, InfeasibleError, PolicyError
from allocator.policy import policy_from_text


def weights(draw_need, draw_pop):
    return {"factors.need.weight": draw_need, "factors.population.weight": draw_pop,
            "factors.effort.weight": 100 - draw_need - draw_pop}


scenario_rows = st.lists(st.fixed_dictionaries({
    "need": st.floats(50, 90), "pop": st.floats(0, 10),
    "floor": st.floats(70, 100), "cap": st.floats(101, 160),
    "total": st.floats(0.95, 1.15), "elasticity": st.floats(0, 1.5),
}), min_size=1, max_size=4)


def frame_for(prepared, rows, pool, special=None):
    base_total = next(p.total for p in prepared.policy.pools if p.id == pool)
    data = []
    for r in rows:
        row = weights(r["need"], r["pop"])
        row.update({"constraints.floor_share_of_base": r["floor"], "constraints.cap_share_of_base": r["cap"],
                    f"pools.{pool}.total": round(base_total * r["total"]),
                    "corrections.hardship.elasticity": r["elasticity"]})
        if special:
            row[f"pools.{special}.factors.poverty.weight"] = r["floor"] - 40
            row[f"pools.{special}.factors.illness.weight"] = 140 - r["floor"]
        data.append(row)
    return pd.DataFrame(data)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario_rows)
def test_batch_equals_single_runs_on_sichuan_2020(sichuan, rows):
    assert_same_as_single_runs(sichuan, frame_for(sichuan, rows, "central_general", special="deep_poverty"))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario_rows)
def test_batch_equals_single_runs_on_the_example(example, rows):
    assert_same_as_single_runs(example, frame_for(example, rows, "central"))


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 2**31), st.floats(0.01, 0.3))
def test_data_errors_give_the_single_run_on_the_perturbed_data(sichuan, seed, spread):
    rng = np.random.default_rng(seed)
    n = sichuan.n_regions
    scale = {"dibao_rural": rng.uniform(1 - spread, 1 + spread, (3, n)),
             "tekun": rng.uniform(1 - spread, 1 + spread, (3, n))}
    batch = evaluate(sichuan, pd.DataFrame(index=range(3)), data_scale=scale)
    for i in range(3):
        single = single_run(sichuan, {}, {k: v[i] for k, v in scale.items()})
        np.testing.assert_array_equal(batch.totals[i], single.amounts.sum(axis=1))


def test_the_base_scenario_is_the_stored_run(sichuan):
    base = allocate(sichuan.policy, sichuan.data)
    np.testing.assert_array_equal(what_if(sichuan, {}), base.amounts.sum(axis=1))
    row = {"factors.need.weight": 75, "factors.population.weight": 5, "factors.effort.weight": 20}
    np.testing.assert_array_equal(what_if(sichuan, row), base.amounts.sum(axis=1))


def test_every_scenario_hands_out_exactly_the_budget(sichuan):
    frame = pd.DataFrame([weights(n, 5) for n in np.linspace(60, 90, 40)])
    batch = evaluate(sichuan, frame)
    budget = sum(round(p.total / sichuan.unit) for p in sichuan.policy.pools)
    assert (batch.totals.sum(axis=1) == budget).all()


def test_chunks_change_nothing(example):
    frame = pd.DataFrame([weights(n, 3) for n in np.linspace(55, 90, 50)])
    whole = evaluate(example, frame)
    small = evaluate(example, frame, chunk_bytes=8 * example.n_regions * 7)
    np.testing.assert_array_equal(whole.totals, small.totals)
    assert chunk_rows(183) == (1 << 21) // (8 * 183)


def test_infeasible_scenarios_are_marked_not_raised(example):
    frame = pd.DataFrame({"constraints.floor_share_of_base": [90, 100], "pools.central.total": [1000, 500]})
    batch = evaluate(example, frame)
    assert batch.feasible.tolist() == [True, False]
    assert (batch.totals[1] == 0).all()
    with pytest.raises(InfeasibleError):
        what_if(example, {"constraints.floor_share_of_base": 100, "pools.central.total": 500})


def test_weights_that_do_not_add_up_are_refused_with_the_row(example):
    batch = evaluate(example, pd.DataFrame([weights(75, 5), {**weights(75, 5), "factors.effort.weight": 30}]))
    assert batch.refused.tolist() == [False, True] and batch.feasible.tolist() == [True, False]
    assert "因素权重之和为 110%" in batch.reasons[1] and batch.reasons[0] == ""
    assert (batch.totals[1] == 0).all()
    with pytest.raises(PolicyError, match="第 1 个情景"):
        what_if(example, {**weights(75, 5), "factors.effort.weight": 30})


def test_an_unknown_parameter_is_refused(example):
    with pytest.raises(PolicyError, match="不支持"):
        evaluate(example, pd.DataFrame({"factors.nonsense.weight": [1.0]}))


def test_a_process_pool_gives_the_in_process_answer(example):
    frame = pd.DataFrame([weights(n, 4) for n in np.linspace(55, 90, 30)])
    here = evaluate(example, frame, chunk_bytes=8 * example.n_regions * 5)
    with ProcessPoolExecutor(max_workers=2) as pool:
        there = evaluate(example, frame, chunk_bytes=8 * example.n_regions * 5, executor=pool)
    np.testing.assert_array_equal(here.totals, there.totals)


def test_a_dask_cluster_gives_the_in_process_answer(example):
    distributed = pytest.importorskip("distributed")
    frame = pd.DataFrame([weights(n, 4) for n in np.linspace(55, 90, 20)])
    here = evaluate(example, frame, chunk_bytes=8 * example.n_regions * 5)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        there = evaluate(example, frame, chunk_bytes=8 * example.n_regions * 5, executor=client.get_executor())
    np.testing.assert_array_equal(here.totals, there.totals)


def test_prepare_refuses_data_the_policy_cannot_use(example):
    from allocator.errors import DataError
    frame = pd.DataFrame({"code": ["1", "2"], "name": ["甲", "乙"]})
    with pytest.raises(DataError):
        prepare(example.policy, frame)


def test_blocks_a_scenario_leaves_alone_give_the_single_run_too(sichuan):
    frame = pd.DataFrame([weights(n, p) for n, p in ((62, 8), (75, 5), (88, 1))])  # shared block only
    batch = evaluate(sichuan, frame, pools=True)
    params = [parameter(sichuan.policy, c) for c in frame.columns]
    for i, row in frame.iterrows():
        np.testing.assert_array_equal(batch.amounts[i], single_run(sichuan, overrides_for(params, row)).amounts)


def test_the_wide_pair_holds_regions_at_floors_and_caps_in_its_base(wide):
    start = wide.blocks[0].start
    assert wide.n_regions == 700 and start is not None
    assert start.below.sum() > 50 and start.above.sum() > 50  # the warm start has a real guess to try


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario_rows)
def test_batch_equals_single_runs_on_a_wide_pair(wide, rows):
    """700 regions: the rounding partitions (rows longer than SORT_WIDTH) over the columns with a
    remainder, and the water-filling starts from the base policy's active set."""
    assert_same_as_single_runs(wide, frame_for(wide, rows, "central_general", special="deep_poverty"))


def test_a_wide_chunk_of_many_scenarios_equals_single_runs(wide):
    """Enough scenarios in one chunk for the column search of the rounding (sampled against single runs)."""
    rng = np.random.default_rng(7)
    need = rng.uniform(60, 85, 60)
    frame = pd.DataFrame(weights(need, rng.uniform(0, 10, 60)))
    batch = evaluate(wide, frame)
    assert batch.rerun <= 2
    params = [parameter(wide.policy, c) for c in frame.columns]
    for i in (0, 17, 59):
        single = single_run(wide, overrides_for(params, frame.iloc[i]))
        np.testing.assert_array_equal(batch.totals[i], single.amounts.sum(axis=1))


def test_weight_on_a_column_with_no_value_is_infeasible_as_the_single_run_refuses_it():
    """A factor at 0 % may read a column that is all zero; a scenario that gives it weight is refused
    by the single-run path (DataError), so the batch marks it infeasible and what_if raises the same."""
    extra = '''
[[factors]]
id = "tekun"
label = "特困人员"
weight = { value = 0, unit = "%" }
components = [{ column = "tekun" }]
'''
    data = pd.DataFrame({"code": ["510101", "510102"], "name": ["甲区", "乙县"], "dibao_rural": [1, 3],
                         "tekun": [0, 0], "base_central": [20, 80]})
    pair = prepare(policy_from_text(TWO_REGIONS + extra), data)
    frame = pd.DataFrame({"factors.need.weight": [100.0, 60.0], "factors.tekun.weight": [0.0, 40.0]})
    batch = evaluate(pair, frame)
    assert batch.feasible.tolist() == [True, False]
    with pytest.raises(DataError, match="全部为零"):
        single_run(pair, overrides_for([parameter(pair.policy, c) for c in frame.columns], frame.iloc[1]))
    with pytest.raises(DataError, match="全部为零"):
        what_if(pair, dict(frame.iloc[1]))


def test_a_region_is_at_floor_if_any_of_its_blocks_holds_it_there_on_both_paths(sichuan, monkeypatch):
    """The deep-poverty counties are in two blocks; a floor in either holds them. The batch ORs the
    blocks' flags, and so must a row recomputed on the single run (it once took the last block's)."""
    import allocator.analysis.batch as batch_module

    frame = pd.DataFrame({"factors.need.weight": [34.0, 90.0], "factors.population.weight": [23.0, 0.0],
                          "factors.effort.weight": [43.0, 10.0], "constraints.floor_share_of_base": [85.0, 85.0],
                          "constraints.cap_share_of_base": [200.88, 120.0]})
    batch = evaluate(sichuan, frame)
    special = next(pb.index for pb in sichuan.blocks if pb.block.id == "deep_poverty")
    assert batch.at_floor[0, special].any()  # held by the shared block's floor, free in their own block
    real = batch_module.round_rows

    def every_row_a_close_call(x, total, dtype=np.int64):
        units, _ = real(x, total, dtype)
        return units, np.ones(len(x), dtype=bool)

    monkeypatch.setattr(batch_module, "round_rows", every_row_a_close_call)
    rerun = evaluate(sichuan, frame)
    assert rerun.rerun == len(frame)
    np.testing.assert_array_equal(rerun.totals, batch.totals)
    np.testing.assert_array_equal(rerun.at_floor, batch.at_floor)
    np.testing.assert_array_equal(rerun.at_cap, batch.at_cap)
