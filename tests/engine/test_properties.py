"""Invariants on random instances (hypothesis): exact totals, bounds, order, scale, zero weights,
fast solver = LP model, and infeasibility always explained."""
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from engine_cases import policy_from_document, simple_document
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from allocator.columns import plausible_max
from allocator.engine import allocate
from allocator.errors import InfeasibleError
from allocator.solver import solve, solve_fast, solve_lp

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
UNITS = (1, 0.01)
TOLERANCE = 1e-9


@dataclass
class Case:
    """A random province: need, population and last year's base per region; pools; the rules."""

    frame: pd.DataFrame
    w_need: int  # %; population gets the rest
    floor_pct: int | None
    cap_pct: int | None
    unit: float
    pool_units: list[int]

    def document(self, **changes) -> dict:
        pools = tuple((f"p{j}", units / 100 if self.unit == 0.01 else units)
                      for j, units in enumerate(self.pool_units))
        args = dict(pools=pools, weights=(("need", self.w_need), ("population", 100 - self.w_need)),
                    unit=self.unit, floor_pct=self.floor_pct, cap_pct=self.cap_pct)
        return simple_document(**{**args, **changes})

    def policy(self, **changes):
        return policy_from_document(self.document(**changes))

    def bounds_in_units(self) -> tuple[np.ndarray, np.ndarray]:
        """Floors ⌈·⌉ and caps ⌊·⌋ in units, computed here from the rules; a region with no target is
        held at its floor."""
        base = self.frame["base_p0"].to_numpy(dtype=float)
        floor = np.zeros(len(base)) if self.floor_pct is None else self.floor_pct / 100 * base
        cap = np.full(len(base), np.inf) if self.cap_pct is None else np.where(base > 0, self.cap_pct / 100 * base, np.inf)
        lo = np.ceil(floor / self.unit - TOLERANCE)
        hi = np.where(np.isfinite(cap), np.floor(cap / self.unit + TOLERANCE), np.inf)
        no_target = (self.w_need == 100) & (self.frame["dibao_rural"].to_numpy() == 0)
        return lo, np.where(no_target, np.minimum(lo, hi), hi)

    def feasible(self) -> bool:
        lo, hi = self.bounds_in_units()
        return bool(np.all(lo <= hi) and lo.sum() <= sum(self.pool_units) <= hi.sum())


@st.composite
def cases(draw, unit=None, n_max=8):
    n = draw(st.integers(2, n_max))
    counts = lambda lo, hi: st.lists(st.integers(lo, hi), min_size=n, max_size=n)  # noqa: E731
    need = draw(counts(0, 5000).filter(any))
    population = draw(counts(1, 1_000_000))
    base = draw(counts(0, 3000))
    floor_pct = draw(st.none() | st.integers(50, 100))
    cap_pct = draw(st.none() | st.integers(100, 150))
    unit = unit if unit is not None else draw(st.sampled_from(UNITS))
    n_pools = draw(st.integers(1, 3))
    total = max(n_pools, int(round(sum(base) * draw(st.floats(0.6, 1.4)) / unit)))
    weights = np.array(draw(st.lists(st.integers(1, 10), min_size=n_pools, max_size=n_pools)))
    pool_units = np.maximum(1, np.floor(total * weights / weights.sum())).astype(int)
    pool_units[0] += total - pool_units.sum()
    assume(pool_units[0] >= 1)
    frame = pd.DataFrame({
        "code": [f"51{i + 101:04d}" for i in range(n)],
        "name": [f"地区{i + 1}" for i in range(n)],
        "dibao_rural": need, "hukou_population": population, "local_input": draw(counts(1, 900)),
        **{f"base_p{j}": base if j == 0 else [0] * n for j in range(n_pools)},
    })
    return Case(frame, draw(st.integers(0, 100)), floor_pct, cap_pct, unit, pool_units.tolist())


def allocate_or_explain(case: Case, policy=None, frame=None):
    """The allocation when the case is feasible; otherwise check that the error explains it."""
    policy = policy or case.policy()
    frame = case.frame if frame is None else frame
    if case.feasible():
        return allocate(policy, frame)
    with pytest.raises(InfeasibleError) as err:
        allocate(policy, frame)
    assert err.value.reasons and "约束无法同时满足" in str(err.value)
    return None


@SETTINGS
@given(cases())
def test_pool_totals_are_exact_and_every_row_adds_up(case):
    result = allocate_or_explain(case)
    if result is None:
        return
    assert result.pool_units.tolist() == case.pool_units
    assert result.amounts.sum() == sum(case.pool_units)
    table = result.table()
    pools = [f"p{j}" for j in range(len(case.pool_units))]
    assert np.allclose(table[pools].sum(axis=1), table["total"])


@pytest.mark.parametrize("unit", UNITS)
@SETTINGS
@given(data=st.data())
def test_floors_and_caps_hold_after_rounding_whenever_they_can(unit, data):
    case = data.draw(cases(unit=unit))
    result = allocate_or_explain(case)
    if result is None:
        return
    lo, hi = case.bounds_in_units()
    assert np.all(result.region_units >= lo)
    assert np.all(result.region_units <= hi)
    # and the trace says the same, in 万元
    assert np.all(result.region_units * unit >= result.trace["floor"] - 1e-9)
    assert np.all(result.region_units * unit <= result.trace["cap"] + 1e-9)


@SETTINGS
@given(cases())
def test_no_amount_is_negative(case):
    result = allocate_or_explain(case)
    if result is not None:
        assert (result.amounts >= 0).all()


@SETTINGS
@given(cases(), st.data())
def test_raising_one_regions_need_never_lowers_its_formula_amount(case, data):
    assume(case.feasible())
    i = data.draw(st.integers(0, len(case.frame) - 1))
    more = case.frame.copy()
    more.loc[i, "dibao_rural"] += data.draw(st.integers(1, 5000))
    policy = case.policy()
    before = allocate(policy, case.frame).trace["formula"][i]
    try:
        after = allocate(policy, more).trace["formula"][i]
    except InfeasibleError:  # the bounds do not change, but a zero target may have become positive
        return
    assert after >= before - 1e-9 * sum(case.pool_units)


@SETTINGS
@given(cases(), st.sampled_from(["dibao_rural", "hukou_population"]), st.sampled_from([2, 3, 10, 0.5, 0.37, 1e4]))
def test_scaling_a_factor_column_by_a_constant_changes_nothing(case, column, constant):
    assume(case.feasible())
    scaled = case.frame.copy()
    scaled[column] = scaled[column] * constant
    assume((scaled[column] <= plausible_max(column)[0]).all())  # beyond it the data are refused as implausible
    policy = case.policy()
    assert allocate(policy, scaled).amounts.tolist() == allocate(policy, case.frame).amounts.tolist()


@SETTINGS
@given(cases(), st.randoms(use_true_random=False))
def test_row_order_changes_nothing(case, random):
    assume(case.feasible())
    order = list(range(len(case.frame)))
    random.shuffle(order)
    shuffled = case.frame.iloc[order].reset_index(drop=True)
    policy = case.policy()
    a, b = allocate(policy, case.frame), allocate(policy, shuffled)
    by_code = lambda r: dict(zip(r.codes, r.amounts.tolist()))  # noqa: E731
    assert by_code(a) == by_code(b)
    assert a.fingerprint == b.fingerprint


@SETTINGS
@given(cases())
def test_a_zero_weight_contributes_nothing(case):
    assume(case.feasible())
    weights = (("need", case.w_need), ("population", 100 - case.w_need))
    without = allocate(case.policy(weights=weights), case.frame)
    with_zero = allocate(case.policy(weights=weights + (("effort", 0),)), case.frame)
    assert with_zero.amounts.tolist() == without.amounts.tolist()
    assert np.array_equal(with_zero.trace["formula"], without.trace["formula"])
    assert (with_zero.trace["part_effort"] == 0).all()


# --- solver level: the fast exact solvers against the PuLP/HiGHS models ------------------------------

@st.composite
def solver_instances(draw, feasible=True):
    """Targets t (some zero), floors and caps around a 'last year', a budget between Σfloors and Σcaps."""
    n = draw(st.integers(1, 25))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    t = rng.lognormal(4, 1.2, n) * (rng.random(n) > draw(st.sampled_from([0.0, 0.15])))
    base = t * rng.uniform(0.5, 1.5, n) + rng.uniform(0, 20, n)
    lo = np.ceil(draw(st.sampled_from([0.0, 0.8, 0.9, 1.0])) * base)
    hi = np.where(rng.random(n) < 0.2, np.inf, np.floor(draw(st.sampled_from([1.05, 1.2, 2.0])) * base))
    hi = np.maximum(hi, lo)
    reachable = np.where(t > 0, hi, lo).sum()
    top = min(reachable, lo.sum() + 3 * t.sum() + 10)
    total = float(np.floor(lo.sum() + draw(st.floats(0, 1)) * (top - lo.sum())))
    if not feasible:
        how = draw(st.sampled_from(["floors", "caps", "crossed"]))
        if how == "floors":  # budgets are positive (the policy loader refuses others)
            assume(lo.sum() >= 1)
            total = float(max(0.0, lo.sum() - draw(st.integers(1, 100))))
        elif how == "caps":
            assume(np.isfinite(reachable))
            total = float(reachable + draw(st.integers(1, 100)))
        else:
            i = draw(st.integers(0, n - 1))
            hi[i] = hi[i] if np.isfinite(hi[i]) else lo[i]
            lo[i] = hi[i] + draw(st.integers(1, 50))  # a floor above its cap
    return t, lo, hi, total


@pytest.mark.parametrize("objective", ["least_absolute", "minimax_relative"])
@settings(max_examples=100, deadline=None)
@given(instance=solver_instances())
def test_the_fast_solver_agrees_with_the_lp_model(objective, instance):
    t, lo, hi, total = instance
    codes = [f"r{i}" for i in range(len(t))]
    fast = solve(t, lo, hi, total, objective, "fast", codes=codes)
    lp = solve(t, lo, hi, total, objective, "lp", codes=codes)
    scale = max(1.0, total)
    assert np.abs(fast.x - lp.x).max() <= 1e-6 * scale
    assert abs(fast.x.sum() - total) <= 1e-6 * scale
    assert np.all(fast.x >= lo - 1e-6 * scale) and np.all(fast.x <= hi + 1e-6 * scale)
    tolerance = 1e-6 * (scale if objective == "least_absolute" else 1.0)
    assert abs(fast.objective_value - lp.objective_value) <= tolerance


@settings(max_examples=100, deadline=None)
@given(instance=solver_instances())
def test_least_squares_is_feasible_and_scales_every_free_region_alike(instance):
    t, lo, hi, total = instance
    sol = solve_fast(t, lo, hi, total)
    scale = max(1.0, total)
    assert abs(sol.x.sum() - total) <= 1e-9 * scale
    assert np.all(sol.x >= lo - 1e-9 * scale) and np.all(sol.x <= hi + 1e-9 * scale)
    free = (t > 0) & (sol.x > lo + 1e-7 * scale) & (sol.x < hi - 1e-7 * scale)
    assert np.allclose(sol.x[free], sol.scale * t[free], rtol=1e-9, atol=1e-9 * scale)


@settings(max_examples=100, deadline=None)
@given(instance=solver_instances(feasible=False), method=st.sampled_from(["fast", "lp"]),
       objective=st.sampled_from(["least_squares", "least_absolute", "minimax_relative"]))
def test_infeasible_instances_always_raise_an_explained_error(instance, method, objective):
    t, lo, hi, total = instance
    codes = [f"51{i:04d}" for i in range(len(t))]
    with pytest.raises(InfeasibleError) as err:
        solve(t, lo, hi, total, objective, method, codes=codes)
    assert err.value.reasons
    assert all(r.message and r.smallest_fix for r in err.value.reasons)
    if objective != "least_squares":
        with pytest.raises(InfeasibleError):
            solve_lp(t, lo, hi, total, objective, codes)
