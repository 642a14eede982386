"""The engine's array kernels (one row for a single run, many for a batch) against independent
references: the cut of the largest-remainder rounding (sort and partition), the rounding itself (the
textbook Hamilton rule with tie groups, written out here), and the water-filling with and without a
guessed active set."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.rounding.rows import SORT_WIDTH, _cut_values, round_rows, snap, tie_groups
from allocator.solver import ActiveSet, water_fill


def hamilton_reference(quotas: np.ndarray, total: int) -> np.ndarray:
    """The rule written plainly: ⌊snapped q⌋, then one unit each to the largest remainders, remainders
    within TIE of each other one group decided by position."""
    q = snap(quotas)
    base = np.floor(q)
    order = np.lexsort((np.arange(len(q)), -tie_groups(q - base)))
    out = base.astype(np.int64)
    out[order[:int(total - base.sum())]] += 1
    return out

widths = st.sampled_from([2, 7, 183, SORT_WIDTH, SORT_WIDTH + 1, 700])


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12), widths, st.integers(0, 2**31), st.floats(0, 0.9), st.booleans())
def test_cut_values_are_the_sorted_remainders_at_k(rows, n, seed, zeros, ties):
    """Whatever the mix of k, zeros (regions held at an integral bound) and exact ties."""
    rng = np.random.default_rng(seed)
    rem = rng.random((rows, n))
    if ties:
        rem = np.round(rem * 8) / 9  # few distinct values
    rem[rng.random((rows, n)) < zeros] = 0.0
    k = rng.integers(1, n, rows) if n > 1 else np.ones(rows, dtype=np.int64)
    if n == 1:
        return
    before, cut, after = _cut_values(rem, k)
    desc = -np.sort(-rem, axis=1)
    r = np.arange(rows)
    np.testing.assert_array_equal(cut, desc[r, k - 1])
    np.testing.assert_array_equal(after, desc[r, k])
    np.testing.assert_array_equal(before, desc[r, np.maximum(k - 2, 0)])


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 40), widths, st.integers(0, 2**31), st.floats(0, 0.8))
def test_round_rows_is_the_hamilton_rule_on_every_row_close_calls_included(rows, n, seed, held):
    """Every row is the Hamilton rule with ties by position, within the integral bounds, summing to the
    total — also the rows it marks as close calls (which a batch recomputes on the single run)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 50, (rows, n))
    lo, hi = np.floor(x * 0.8), np.ceil(x * 1.3)
    pinned = rng.random((rows, n)) < held
    x[pinned] = np.where(rng.random(pinned.sum()) < 0.5, lo[pinned], hi[pinned])  # held: integral amounts
    total = np.round(x.sum(axis=1))
    if rows > 1:  # near-ties: remainders within float noise of each other
        x[1, : n // 2] = np.floor(x[1, : n // 2]) + 0.5
        x[1, n // 2:] = np.floor(x[1, n // 2:]) + 0.5 + 1e-12
        lo[1], hi[1] = np.floor(x[1]), np.ceil(x[1])
    total = np.round(x.sum(axis=1))
    units, _ = round_rows(x, total)
    assert (units.sum(axis=1) == total).all()
    for r in range(rows):
        np.testing.assert_array_equal(units[r], hamilton_reference(x[r], int(total[r])))
        assert (units[r] >= lo[r]).all() and (units[r] <= hi[r]).all()


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 30), st.sampled_from([5, 183, 700]), st.integers(0, 2**31), st.floats(0.5, 0.98),
       st.floats(1.02, 1.6))
def test_water_fill_from_any_guess_gives_the_same_point(rows, n, seed, floor, cap):
    """The warm start changes where Newton starts, never where it ends: x = clip(s·t, lo, hi), Σx = total."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(10, 100, n)
    lo = np.ceil(floor * base)[None, :]
    hi = np.maximum(np.floor(cap * base)[None, :], lo)  # never crossed: those are infeasible before this step
    t = base * rng.lognormal(0, 0.4, (rows, n))
    total = np.round(base.sum() * rng.uniform(0.98, 1.05, rows))
    plain = water_fill(t, lo, hi, total)
    guess = rng.random((1, n))
    start = ActiveSet.of(np.where(guess < 0.3, lo, np.where(guess > 0.8, hi, 0.5 * (lo + hi))),
                     0.5 * (lo + hi), lo, hi)  # a third held low, a fifth held high, at random
    warm = water_fill(t, lo, hi, total, start=start)
    np.testing.assert_array_equal(warm.ok, plain.ok)
    ok = plain.ok
    np.testing.assert_allclose(warm.x[ok], plain.x[ok], rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(warm.x[ok].sum(axis=1), total[ok], rtol=1e-12)
    assert (warm.x[ok] >= lo - 1e-9).all() and (warm.x[ok] <= hi + 1e-9).all()
    np.testing.assert_allclose(warm.x[ok], np.clip(warm.s[ok, None] * t[ok], lo, hi), rtol=1e-12, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 30), widths, st.integers(0, 2**31), st.floats(0, 0.8), st.booleans())
def test_one_row_rounds_as_it_does_among_many(rows, n, seed, held, ties):
    """A single run rounds one row; a batch rounds many: the same units and the same close calls."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 50, (rows, n))
    if ties:
        x = np.floor(x) + np.round(rng.random((rows, n)) * 4) / 4
    pinned = rng.random((rows, n)) < held
    x[pinned] = np.floor(x[pinned])  # held at an integral bound
    total = np.round(x.sum(axis=1))
    units, close = round_rows(x, total)
    for r in range(rows):
        one, one_close = round_rows(x[r:r + 1].copy(), total[r:r + 1])
        np.testing.assert_array_equal(one[0], units[r])
        assert one_close[0] == close[r]


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 20), st.sampled_from([5, 183, 700]), st.integers(0, 2**31))
def test_one_row_fills_as_it_does_among_many(rows, n, seed):
    """A single run solves one row, a batch many: the same active set and the same point (to the float
    noise a batch's close calls are rerun for)."""
    rng = np.random.default_rng(seed)
    base = rng.uniform(10, 100, n)
    lo, hi = np.ceil(0.9 * base)[None, :], np.floor(1.2 * base)[None, :]
    t = base * rng.lognormal(0, 0.4, (rows, n))
    total = np.round(base.sum() * rng.uniform(0.98, 1.05, rows))
    many = water_fill(t, lo, hi, total)
    for r in range(rows):
        one = water_fill(t[r:r + 1], lo, hi, total[r:r + 1])
        assert one.ok[0] == many.ok[r]
        if one.ok[0]:
            np.testing.assert_allclose(one.x[0], many.x[r], rtol=1e-12, atol=1e-9)
            np.testing.assert_array_equal(one.line[0] < lo[0], many.line[r] < lo[0])
