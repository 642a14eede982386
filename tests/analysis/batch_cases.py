"""Helpers shared by the batch-engine tests: the single-run comparison and a wide synthetic pair."""
import numpy as np

from allocator.analysis.batch import evaluate, overrides_for, parameter, prepare, single_run, what_if
from allocator.analysis.synthetic import scaled_up
from allocator.errors import DataError, InfeasibleError
from allocator.usecases import load_inputs


def assert_same_as_single_runs(prepared, frame, data_scale=None):
    """Scenario by scenario: amounts, totals and floors as `apply_overrides` + `allocate` give them,
    and (without data errors) the same totals from `what_if`, the one-scenario path."""
    batch = evaluate(prepared, frame, data_scale=data_scale, pools=True)
    params = [parameter(prepared.policy, c) for c in frame.columns]
    for i in range(len(batch.feasible)):
        row = frame.iloc[i] if len(frame.columns) else {}
        scale_row = {k: v[i] for k, v in data_scale.items()} if data_scale else None
        try:
            single = single_run(prepared, overrides_for(params, row), scale_row)
        except (InfeasibleError, DataError):  # floors, caps and budget cannot all hold; a per-person part too large
            assert not batch.feasible[i]
            continue
        assert batch.feasible[i]
        np.testing.assert_array_equal(batch.amounts[i], single.amounts)
        np.testing.assert_array_equal(batch.totals[i], single.amounts.sum(axis=1))
        at_floor = np.zeros(len(single.codes), dtype=bool)
        for key, codes in single.trace.items():
            if key.endswith("binding"):
                at_floor |= codes == "floor"
        np.testing.assert_array_equal(batch.at_floor[i], at_floor)
        if data_scale is None:
            np.testing.assert_array_equal(what_if(prepared, {k: float(row[k]) for k in frame.columns}),
                                          single.amounts.sum(axis=1))


def wide_pair(n: int = 700, seed: int = 0, floor: float = 85, cap: float = 115):
    """sichuan-2020 grown to n regions (`allocator.analysis.synthetic.scaled_up`) with floors and caps
    tight enough that the base run holds many regions at each: wide enough for the partition and
    column search of the rounding, held enough for the water-filling's warm start."""
    inputs = load_inputs("sichuan-2020")
    policy, data = scaled_up(inputs.policy, inputs.data, n, seed, overrides={
        "constraints.floor_share_of_base": floor, "constraints.cap_share_of_base": cap})
    return prepare(policy, data)


TWO_REGIONS = '''
[policy]
id = "two-regions"
title = "测试：两个地区的手算例"
year = 2020
source = "scenario"

[rounding]
unit = { value = 1, unit = "万元" }

[[pools]]
id = "central"
label = "中央财政补助"
level = "中央"
kind = "一般公共预算"
total = { value = 100, unit = "万元" }
base_column = "base_central"

[[factors]]
id = "need"
label = "困难群众人数"
weight = { value = 100, unit = "%" }
components = [{ column = "dibao_rural" }]
'''
