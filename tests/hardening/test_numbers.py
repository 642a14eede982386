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


def test_the_largest_supported_totals_are_allocated_exactly_to_the_cent(tmp_path):
    from allocator import usecases

    path = tmp_path / "big.toml"
    path.write_text('[policy]\nbase = "sichuan-2020"\n\n[rounding]\nunit = { value = 0.01, unit = "万元" }\n\n'
                    '[[pools]]\nid = "central_general"\ntotal = { value = 99999999.99, unit = "万元" }\n'
                    'advance_total = { value = 90000000.01, unit = "万元" }\n\n'
                    '[constraints]\ncap_share_of_base = { value = 1000000, unit = "%" }\n', encoding="utf-8")
    inputs = usecases.load_inputs(str(path))
    result = usecases.run(inputs)
    assert int(result.amounts[:, 0].sum()) == 9_999_999_999
    assert usecases.settle(inputs).advance[:, 0].sum() == 9_000_000_001
    report = usecases.two_tiers(str(path))
    assert round(report.two_tier.county_table()["central_general"].sum() * 100) == 9_999_999_999


def test_a_total_beyond_the_supported_range_is_refused_in_plain_words(tmp_path):
    from allocator.errors import PolicyError
    from allocator.policy import load_policy

    path = tmp_path / "huge.toml"
    path.write_text('[policy]\nbase = "sichuan-2020"\n\n[[pools]]\nid = "central_general"\n'
                    'total = { value = 123456789, unit = "万元" }\n', encoding="utf-8")
    with pytest.raises(PolicyError, match="超出支持的范围（每个资金池不超过 100,000,000 万元，即 1 万亿元）"):
        load_policy(path)
