"""Monte Carlo: seeded, within the stated ranges, and degenerate ranges give the base run."""
import numpy as np
import pandas as pd
import pytest

from allocator.analysis.batch import what_if
from allocator.analysis.uncertainty import DataNoise, draw_weights, monte_carlo
from allocator.errors import InputError

RANGES = {"factors.need.weight": (70, 80), "factors.population.weight": (0, 10), "factors.effort.weight": (15, 25)}


def test_drawn_weights_stay_in_their_ranges_and_add_up_to_100(sichuan):
    draws = draw_weights(sichuan, RANGES, 2000, np.random.default_rng(3))
    assert np.allclose(draws.sum(axis=1), 100)
    for path, (low, high) in RANGES.items():
        assert draws[path].between(low - 1e-9, high + 1e-9).all()


def test_the_same_seed_gives_the_same_summary(example):
    a = monte_carlo(example, RANGES, [DataNoise("dibao_rural", 0.1)], draws=200, seed=7)
    b = monte_carlo(example, RANGES, [DataNoise("dibao_rural", 0.1)], draws=200, seed=7)
    assert a.summary.equals(b.summary)
    c = monte_carlo(example, RANGES, [DataNoise("dibao_rural", 0.1)], draws=200, seed=8)
    assert not a.summary.equals(c.summary)


def test_ranges_of_one_point_give_the_base_amounts_at_every_quantile(sichuan):
    fixed = {"factors.need.weight": (75, 75), "factors.population.weight": (5, 5)}
    result = monte_carlo(sichuan, fixed, draws=50, seed=1)
    base = what_if(sichuan, {}) * sichuan.unit
    for col in ("P10(万元)", "P50(万元)", "P90(万元)", "均值(万元)"):
        np.testing.assert_allclose(result.summary[col], base)


def test_quantiles_are_ordered_and_probabilities_are_shares(sichuan):
    result = monte_carlo(sichuan, RANGES, [DataNoise("tekun", 0.05, "normal")], draws=300, seed=2)
    s = result.summary
    assert (s["P10(万元)"] <= s["P50(万元)"]).all() and (s["P50(万元)"] <= s["P90(万元)"]).all()
    assert s["保底概率"].between(0, 1).all() and s["封顶概率"].between(0, 1).all()
    assert (s["封顶概率"] > 0).any()


def test_an_error_on_a_column_the_policy_does_not_use_is_refused(example):
    with pytest.raises(InputError, match="不在政策使用的数据中"):
        monte_carlo(example, errors=[DataNoise("nonsense", 0.05)], draws=10)


def test_ranges_that_cannot_add_up_to_100_are_refused(example):
    impossible = {"factors.need.weight": (10, 20), "factors.population.weight": (0, 5), "factors.effort.weight": (0, 5)}
    with pytest.raises(InputError, match="100%"):
        monte_carlo(example, impossible, draws=10)


def test_quantiles_from_the_counts_equal_numpy_on_every_draw_kept(sichuan):
    from allocator.analysis.batch import evaluate
    from allocator.analysis.uncertainty import DrawnErrors, quantile_label
    errors = [DataNoise("dibao_rural", 0.1)]
    result = monte_carlo(sichuan, RANGES, errors, draws=300, seed=5, quantiles=(0.1, 0.25, 0.5, 0.9))
    full = evaluate(sichuan, result.draws, data_scale=DrawnErrors(tuple(errors), 5, sichuan.n_regions, 300))
    amounts = full.totals[full.feasible] * sichuan.unit
    for q in (0.1, 0.25, 0.5, 0.9):
        np.testing.assert_allclose(result.summary[quantile_label(q)], np.quantile(amounts, q, axis=0), rtol=1e-12)
    np.testing.assert_allclose(result.summary["均值(万元)"], amounts.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(result.summary["封顶概率"], full.at_cap[full.feasible].mean(axis=0))


def test_data_error_draws_do_not_depend_on_the_chunking(sichuan):
    from allocator.analysis.uncertainty import DrawnErrors
    draws = DrawnErrors((DataNoise("tekun", 0.05, "normal"),), 11, sichuan.n_regions, 500)
    whole = draws.rows(slice(0, 500))["tekun"]
    parts = np.concatenate([draws.rows(slice(a, min(500, a + 37)))["tekun"] for a in range(0, 500, 37)])
    np.testing.assert_array_equal(whole, parts)


def test_a_process_pool_gives_the_same_monte_carlo(example):
    from concurrent.futures import ProcessPoolExecutor
    errors = [DataNoise("dibao_rural", 0.1)]
    here = monte_carlo(example, RANGES, errors, draws=400, seed=9)
    with ProcessPoolExecutor(max_workers=2) as pool:
        there = monte_carlo(example, RANGES, errors, draws=400, seed=9, executor=pool)
    pd.testing.assert_frame_equal(here.summary, there.summary)
