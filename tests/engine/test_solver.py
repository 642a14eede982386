"""The constrained solvers, worked by hand, checked against KKT and SciPy, and their infeasibility errors."""
import numpy as np
import pytest
from scipy.optimize import minimize

from allocator.errors import InfeasibleError
from allocator.solver import solve, solve_fast, solve_lp

INF = np.inf
T = np.array([100.0, 200.0, 300.0, 400.0])
CODES = ["510101", "510102", "510103", "510104"]
LABELS = ["510101 甲区", "510102 乙县", "510103 丙县", "510104 丁县"]


# --- least squares: water-filling ------------------------------------------------------------

def test_a_binding_floor_is_paid_for_by_the_free_regions_in_proportion_to_their_targets():
    # 甲区 must get 280 (its target is 100). The other three share 1000 − 280 = 720 in proportion to
    # 200 : 300 : 400 (Σ 900), i.e. each gets 720/900 = 0.8 of its target: 160, 240, 320.
    sol = solve_fast(T, [280, 0, 0, 0], [INF] * 4, 1000)
    assert sol.x == pytest.approx([280, 160, 240, 320])
    assert sol.scale == pytest.approx(0.8)


def test_a_floor_and_a_cap_bind_together_and_the_rest_is_shared_proportionally():
    # 甲区 floor 280, 丁县 cap 300. The free regions 乙县 and 丙县 share 1000 − 280 − 300 = 420 in
    # proportion to 200 : 300 (Σ 500): scale 0.84 → 168 and 252. Check: 0.84 × 100 = 84 < 280 (floor
    # binds), 0.84 × 400 = 336 > 300 (cap binds).
    sol = solve_fast(T, [280, 0, 0, 0], [INF, INF, INF, 300], 1000)
    assert sol.x == pytest.approx([280, 168, 252, 300])
    assert sol.scale == pytest.approx(0.84)
    assert sol.x[1] / sol.x[2] == pytest.approx(200 / 300)


def test_a_floor_that_binds_only_after_another_floor_takes_its_share_binds_too():
    # With 甲区 at 280 alone the scale would be 0.8 and 乙县 would get 160 < its floor 170.
    # So both floors bind: 1000 − 280 − 170 = 550 over 300 + 400 (Σ 700) → scale 11/14:
    # 丙县 300 × 11/14 = 235.714…, 丁县 400 × 11/14 = 314.285…
    sol = solve_fast(T, [280, 170, 0, 0], [INF] * 4, 1000)
    assert sol.x == pytest.approx([280, 170, 300 * 11 / 14, 400 * 11 / 14])
    assert sol.scale == pytest.approx(11 / 14)


def test_a_surplus_is_spread_in_proportion_to_the_targets_of_the_uncapped_regions():
    # Budget 1200 over targets Σ 1000; 丁县 capped at its target 400. The other three share 800 over
    # 100 + 200 + 300 = 600: scale 4/3 → 133.33, 266.67, 400.
    sol = solve_fast(T, [0] * 4, [INF, INF, INF, 400], 1200)
    assert sol.x == pytest.approx([400 / 3, 800 / 3, 400, 400])


def test_a_region_with_no_target_receives_exactly_its_floor():
    # target 0 → held at its floor 50; the others share 850 − 50 = 800 over 100 + 300: scale 2
    sol = solve_fast([0, 100, 300], [50, 0, 0], [500, INF, INF], 850)
    assert sol.x == pytest.approx([50, 200, 600])


# --- least absolute and minimax relative: worked examples and the tie-break -----------------------

def test_least_absolute_returns_the_proportional_point_among_its_many_optima():
    # Σ|x − t| cannot be below 360: 甲区 is 180 over its target (floor 280) so the others must be 180
    # under in total. Both (280, 160, 240, 320) and (280, 200, 200, 320) cost 180 + 180 = 360; the
    # solver returns the least-squares point of that optimal face, the proportional one.
    lo = [280, 0, 0, 0]
    other_optimum = np.array([280, 200, 200, 320])
    assert np.abs(other_optimum - T).sum() == 360
    sol = solve_fast(T, lo, [INF] * 4, 1000, "least_absolute")
    assert sol.x == pytest.approx([280, 160, 240, 320])
    assert sol.objective_value == pytest.approx(360)
    lp = solve_lp(T, lo, [INF] * 4, 1000, "least_absolute", CODES)
    assert lp.objective_value == pytest.approx(360)
    assert lp.x == pytest.approx(sol.x)


def test_minimax_relative_returns_the_proportional_point_among_its_many_optima():
    # 丁县 capped at 300 is 25 % under its target 400, so max |x − t|/t ≥ 0.25 — and 0.25 suffices.
    # (125, 250, 325, 300) is optimal too (deviations 25 %, 25 %, 8.3 %, 25 %); the solver returns
    # the least-squares point: 1000 − 300 = 700 over 100 : 200 : 300 → 116.67, 233.33, 350.
    hi = [INF, INF, INF, 300]
    other_optimum = np.array([125, 250, 325, 300])
    assert other_optimum.sum() == 1000 and np.max(np.abs(other_optimum - T) / T) == 0.25
    sol = solve_fast(T, [0] * 4, hi, 1000, "minimax_relative")
    assert sol.objective_value == pytest.approx(0.25)
    assert sol.x == pytest.approx([700 / 6, 1400 / 6, 350, 300])
    lp = solve_lp(T, [0] * 4, hi, 1000, "minimax_relative", CODES)
    assert lp.objective_value == pytest.approx(0.25)
    assert lp.x == pytest.approx(sol.x)


def test_minimax_relative_spreads_a_budget_gap_as_one_common_relative_deviation():
    # Budget 1100 over targets Σ 1000, no bounds: every region 10 % above its target.
    sol = solve_fast(T, [0] * 4, [INF] * 4, 1100, "minimax_relative")
    assert sol.objective_value == pytest.approx(0.1)
    assert sol.x == pytest.approx(1.1 * T)


@pytest.mark.parametrize("objective", ["least_squares", "least_absolute", "minimax_relative"])
def test_every_objective_gives_the_same_answer_on_every_run_and_by_either_method(objective):
    rng = np.random.default_rng(3)
    t = rng.lognormal(4, 1, 40)
    base = t * rng.uniform(0.7, 1.3, 40)
    lo, hi, total = np.ceil(0.9 * base), np.floor(1.15 * base), float(np.round(t.sum()))
    codes = [f"51{i:04d}" for i in range(40)]
    runs = [solve(t, lo, hi, total, objective, "fast", codes=codes).x for _ in range(5)]
    assert all(np.array_equal(runs[0], r) for r in runs)
    by_lp = [solve(t, lo, hi, total, objective, "lp", codes=codes).x for _ in range(2)]
    assert np.abs(by_lp[0] - runs[0]).max() <= 1e-6 * total
    assert np.array_equal(by_lp[0], by_lp[1])


def test_the_lp_first_stage_may_pick_any_optimum_but_the_answer_is_the_tie_broken_one():
    lo = [280, 0, 0, 0]
    lp = solve_lp(T, lo, [INF] * 4, 1000, "least_absolute", CODES)
    first = lp.details["first_stage_x"]
    assert first.sum() == pytest.approx(1000)
    assert np.abs(first - T).sum() == pytest.approx(360)  # an optimum, perhaps another vertex
    assert lp.x == pytest.approx([280, 160, 240, 320])
    assert lp.details["status"] == "Optimal"


def test_the_lp_reports_shadow_prices_of_binding_floors_and_caps_by_region():
    lp = solve_lp(T, [280, 0, 0, 0], [INF] * 4, 1000, "least_absolute", CODES)
    assert "floor_510101" in lp.details["shadow_prices"]


# --- the least-squares answer is the true optimum (KKT, SciPy) -----------------------------------

def random_instance(rng, n):
    t = rng.lognormal(3, 1, n)
    base = t * rng.uniform(0.6, 1.4, n)
    lo = np.floor(0.9 * base)
    hi = np.where(rng.random(n) < 0.2, INF, np.ceil(1.1 * base))
    total = float(np.round(t.sum() * rng.uniform(0.9, 1.1)))
    if lo.sum() > total or hi.sum() < total:
        total = float(np.clip(total, lo.sum(), hi.sum()))
    return t, lo, hi, total


def assert_kkt(x, t, lo, hi, total):
    """Stationarity of Σ(x−t)²/t with one budget multiplier λ: the gradient 2(x−t)/t equals λ where no
    bound holds, is ≥ λ at a floor and ≤ λ at a cap; plus feasibility."""
    tol = 1e-9 * total
    assert abs(x.sum() - total) <= tol
    assert np.all(x >= lo - tol) and np.all(x <= hi + tol)
    grad = 2 * (x - t) / t
    at_lo, at_hi = x <= lo + tol, x >= hi - tol
    free = ~at_lo & ~at_hi
    lam = grad[free].mean() if free.any() else None
    if lam is not None:
        assert np.allclose(grad[free], lam, atol=1e-9)
        assert np.all(grad[at_lo & ~at_hi] >= lam - 1e-9)
        assert np.all(grad[at_hi & ~at_lo] <= lam + 1e-9)


def scipy_least_squares(t, lo, hi, total):
    """The same QP by SLSQP, scaled to shares of the budget."""
    ts, los, his = t / total, lo / total, np.where(np.isfinite(hi), hi / total, None)
    x0 = np.clip(ts / ts.sum(), los, np.where(np.isfinite(hi), hi / total, INF))
    res = minimize(lambda x: np.sum((x - ts) ** 2 / ts), x0, jac=lambda x: 2 * (x - ts) / ts,
                   bounds=list(zip(los, his)), method="SLSQP",
                   constraints=[{"type": "eq", "fun": lambda x: x.sum() - 1.0, "jac": lambda x: np.ones_like(x)}],
                   options={"ftol": 1e-15, "maxiter": 1000})
    assert res.success, res.message
    return res.x * total


@pytest.mark.parametrize("seed", range(6))
def test_the_least_squares_answer_satisfies_kkt_and_matches_scipy(seed):
    rng = np.random.default_rng(seed)
    t, lo, hi, total = random_instance(rng, int(rng.integers(5, 25)))
    sol = solve(t, lo, hi, total)
    assert_kkt(sol.x, t, lo, hi, total)
    assert np.abs(sol.x - scipy_least_squares(t, lo, hi, total)).max() <= 1e-6 * total


# --- infeasible constraints: explained, in Chinese, never a bare solver status ---------------------

@pytest.mark.parametrize("method", ["fast", "lp"])
def test_floors_above_the_budget_name_the_regions_the_amounts_and_the_smallest_fix(method):
    with pytest.raises(InfeasibleError) as err:
        solve(T[:3], [400, 300, 200], [INF] * 3, 800, "least_absolute", method, codes=CODES[:3], labels=LABELS[:3])
    (reason,) = err.value.reasons
    assert reason.reason == "floors_exceed_budget"
    message = str(err.value)
    assert "约束无法同时满足" in message
    assert "各地区保底额合计 900 万元，超过预算 800 万元" in message
    assert "510101 甲区 400 万元、510102 乙县 300 万元、510103 丙县 200 万元" in message
    assert "将预算增加 100 万元" in message  # 900 − 800
    assert reason.amounts == {"floors": 900, "budget": 800}
    assert reason.regions == CODES[:3]


@pytest.mark.parametrize("method", ["fast", "lp"])
def test_caps_below_the_budget_name_the_shortfall(method):
    with pytest.raises(InfeasibleError) as err:
        solve(T[:3], [0] * 3, [100, 150, 200], 500, "minimax_relative", method, codes=CODES[:3], labels=LABELS[:3])
    (reason,) = err.value.reasons
    assert reason.reason == "caps_below_budget"
    assert "各地区封顶额合计 450 万元，低于预算 500 万元" in str(err.value)
    assert "封顶额最小的地区：510101 甲区 100 万元、510102 乙县 150 万元、510103 丙县 200 万元" in str(err.value)
    assert "将封顶额合计提高 50 万元" in str(err.value)
    assert reason.amounts == {"caps": 450, "budget": 500}


def test_a_floor_above_its_cap_names_the_region_and_the_gap():
    with pytest.raises(InfeasibleError) as err:
        solve(T[:3], [0, 300, 0], [INF, 250, INF], 600, codes=CODES[:3], labels=LABELS[:3])
    (reason,) = err.value.reasons
    assert reason.reason == "floor_above_cap"
    assert "510102 乙县 保底 300 万元 > 封顶 250 万元" in str(err.value)
    assert "差额分别为 50 万元" in str(err.value)
    assert reason.regions == ["510102"] and reason.amounts == {"510102": 50}


def test_every_reason_is_listed_at_once():
    with pytest.raises(InfeasibleError) as err:
        solve(T[:3], [500, 300, 0], [INF, 250, 10], 700, codes=CODES[:3], labels=LABELS[:3])
    assert [r.reason for r in err.value.reasons] == ["floor_above_cap", "floors_exceed_budget"]


def test_amounts_in_units_of_a_hundredth_are_shown_in_wan_yuan():
    # floors 40,000 + 30,001 units of 0.01 万元 = 700.01 万元 against a budget of 700 万元
    with pytest.raises(InfeasibleError) as err:
        solve([1, 1], [40000, 30001], [INF, INF], 70000, codes=CODES[:2], labels=LABELS[:2], unit=0.01)
    assert "各地区保底额合计 700.01 万元，超过预算 700 万元" in str(err.value)
    assert "将预算增加 0.01 万元" in str(err.value)


@pytest.mark.parametrize("objective", ["least_absolute", "minimax_relative"])
def test_the_lp_model_called_directly_explains_infeasibility_too(objective):
    with pytest.raises(InfeasibleError, match="保底额合计"):
        solve_lp(T[:3], [400, 300, 200], [INF] * 3, 800, objective, CODES[:3], LABELS[:3])
    with pytest.raises(InfeasibleError, match="保底 300 万元 > 封顶 250 万元"):
        solve_lp(T[:3], [0, 300, 0], [INF, 250, INF], 600, objective, CODES[:3], LABELS[:3])


@pytest.mark.parametrize("method", ["fast", "lp"])
def test_a_region_with_no_target_cannot_absorb_money_so_its_cap_does_not_count(method):
    # 甲区 has no target and is held at its floor 0: only 150 + 150 = 300 can be placed, not 400.
    # (Before the fix the fast solver silently returned a total of 300.)
    with pytest.raises(InfeasibleError) as err:
        solve([0, 100, 100], [0, 0, 0], [500, 150, 150], 400, "least_absolute", method,
              codes=CODES[:3], labels=LABELS[:3])
    assert "各地区封顶额合计 300 万元，低于预算 400 万元" in str(err.value)


def test_a_region_with_no_target_and_a_floor_above_its_cap_is_reported_by_the_lp_model():
    with pytest.raises(InfeasibleError, match="510101 甲区 保底 50 万元 > 封顶 40 万元"):
        solve_lp([0, 100, 100], [50, 0, 0], [40, INF, INF], 300, "least_absolute", CODES[:3], LABELS[:3])


@pytest.mark.parametrize("objective", ["least_absolute", "minimax_relative"])
def test_a_region_with_no_target_held_at_its_floor_does_not_upset_the_lp_model(objective):
    # 甲区 has no target and a floor of 10: it gets 10, the others share 240 → 120 each.
    # Σ|x − t| counts 甲区's 10 in both methods: 10 + 20 + 20 = 50. (Before the fix the LP re-check
    # compared the model's 40 with 50 and raised a RuntimeError.)
    fast = solve_fast([0, 100, 100], [10, 0, 0], [INF] * 3, 250, objective)
    lp = solve_lp([0, 100, 100], [10, 0, 0], [INF] * 3, 250, objective, CODES[:3])
    assert lp.x == pytest.approx([10, 120, 120]) and fast.x == pytest.approx([10, 120, 120])
    assert lp.objective_value == pytest.approx(fast.objective_value)
    assert fast.objective_value == pytest.approx(50 if objective == "least_absolute" else 0.2)


def test_an_unknown_method_or_objective_is_refused_in_chinese_never_a_silent_fall_back():
    from allocator.errors import PolicyError

    with pytest.raises(PolicyError, match="求解方法「nonsense」不存在"):
        solve(T, [0] * 4, [INF] * 4, 1000, method="nonsense")
    with pytest.raises(PolicyError, match="目标函数「fastest」不存在"):
        solve(T, [0] * 4, [INF] * 4, 1000, objective="fastest")
