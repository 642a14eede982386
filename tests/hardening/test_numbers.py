"""Exactness at the edges: ties decided by code, LP values from the returned point, the supported range."""
from __future__ import annotations

import numpy as np
import pytest

from allocator.rounding import largest_remainder
from allocator.solver import solve_fast, solve_lp


def test_equal_quotas_that_differ_only_by_float_noise_are_decided_by_code():
    quotas = np.array([1 / 3, 1 / 3, 7 / 3])  # all three remainders are a third
    assert largest_remainder(quotas, 3, tie_keys=np.array(["510103", "510102", "510101"])).tolist() == [0, 0, 3]
    assert largest_remainder(quotas, 3, tie_keys=np.array(["510101", "510102", "510103"])).tolist() == [1, 0, 2]


@pytest.mark.parametrize("scale", [1e-3, 1.0, 1e6, 1e9])
def test_the_lp_minimax_value_is_the_returned_points_on_badly_scaled_instances(scale):
    rng = np.random.default_rng(7)
    t = rng.uniform(1, 100, 40) * scale
    lo, hi = 0.9 * t * rng.uniform(0.9, 1.05, 40), 1.2 * t
    total = float(t.sum())
    lp = solve_lp(t, lo, hi, total, "minimax_relative", [str(i) for i in range(40)])
    fast = solve_fast(t, lo, hi, total, "minimax_relative")
    point_value = float(np.max(np.abs(lp.x - t) / t))
    assert lp.objective_value == pytest.approx(point_value, rel=1e-12)
    assert point_value == pytest.approx(fast.objective_value, rel=1e-6, abs=1e-9)
