"""PuLP models of the constrained allocation, solved by HiGHS (named explicitly: PuLP 4 bundles no CBC).

The models read like the maths; every constraint is named after what it protects (`floor_510104`,
`cap_510104`, `budget`), so slacks and shadow prices say which floor or cap binds and what it costs.
`least_absolute` and `minimax_relative` have many optimal solutions; a second stage returns the
least-squares point of the optimal face (the same tie-break as the fast solver), and the answer is
re-checked against every constraint and against the first stage's optimal objective.
"""
from __future__ import annotations

import numpy as np
import pulp

from allocator.errors import InfeasibleError
from allocator.policy.model import Objective, SolveMethod
from allocator.solver.fast import Solution, least_absolute_face, least_squares, minimax_face
from allocator.solver.feasibility import explain_infeasibility, solver_caps

LP_OBJECTIVES = (Objective.LEAST_ABSOLUTE, Objective.MINIMAX_RELATIVE)


def _solver() -> pulp.LpSolver:
    return pulp.HiGHS(msg=False)


def build_model(t, lo, hi, total: float, objective: str, codes) -> tuple[pulp.LpProblem, list]:
    """The LP for `objective` over regions `codes`; returns the problem and the x variables."""
    prob = pulp.LpProblem(f"allocation_{objective}", pulp.LpMinimize)
    x = [pulp.LpVariable(f"x_{c}") for c in codes]
    if objective == "least_absolute":
        dev = [pulp.LpVariable(f"dev_{c}", lowBound=0) for c in codes]
        prob += pulp.lpSum(dev)
        for c, xi, di, ti in zip(codes, x, dev, t):
            if ti > 0:
                prob += xi - float(ti) <= di, f"over_{c}"
                prob += float(ti) - xi <= di, f"under_{c}"
    elif objective == "minimax_relative":
        delta = pulp.LpVariable("max_relative_deviation", lowBound=0)
        prob += delta
        for c, xi, ti in zip(codes, x, t):
            if ti > 0:
                prob += xi - float(ti) <= float(ti) * delta, f"over_{c}"
                prob += float(ti) - xi <= float(ti) * delta, f"under_{c}"
    else:
        raise ValueError(f"目标函数 {objective} 没有线性规划模型（可用：{'、'.join(LP_OBJECTIVES)}）")
    for c, xi, ti, low, high in zip(codes, x, t, lo, hi):
        if ti > 0:
            prob += xi >= float(low), f"floor_{c}"
            if np.isfinite(high):
                prob += xi <= float(high), f"cap_{c}"
        else:  # a region with no formula amount receives exactly its floor
            prob += xi == float(low), f"no_target_{c}"
            if np.isfinite(high):
                prob += xi <= float(high), f"cap_{c}"
    prob += pulp.lpSum(x) == float(total), "budget"
    return prob, x


def solve_lp(t, lo, hi, total: float, objective: str, codes, labels=None, unit: float = 1.0) -> Solution:
    """Solve with PuLP/HiGHS, check the status, then break ties and re-check the answer."""
    t, lo, hi = (np.asarray(a, dtype=float) for a in (t, lo, hi))
    # the solver sees the problem scaled to targets of about 1 (its tolerances are absolute); both
    # objectives keep their minimisers under scaling, and Σ|x − t| scales back linearly
    size = float(np.abs(t).mean()) if len(t) and np.abs(t).mean() > 0 else 1.0
    prob, x = build_model(t / size, lo / size, hi / size, total / size, objective, codes)
    status = pulp.LpStatus[prob.solve(_solver())]
    if status != "Optimal":
        reasons = explain_infeasibility(lo, solver_caps(t, lo, hi), total,
                                        labels if labels is not None else list(codes), unit)
        if reasons:
            raise InfeasibleError(reasons)
        raise RuntimeError(f"求解器未得到最优解（状态：{status}），且未发现保底、封顶与预算之间的矛盾")
    first = np.array([v.value() for v in x], dtype=float) * size
    optimum = float(pulp.value(prob.objective)) * (size if objective == "least_absolute" else 1.0)
    _recheck(first, t, lo, hi, total, "第一阶段")
    face_lo, face_hi = (least_absolute_face(t, lo, hi, total) if objective == "least_absolute"
                        else minimax_face(t, lo, hi, optimum))
    tie = least_squares(t, face_lo, face_hi, total)
    _recheck(tie.x, t, lo, hi, total, "第二阶段")
    achieved = _objective_value(tie.x, t, objective)
    # Σ|x−t| is in units of money, so its tolerance scales with the budget; the relative deviation is unitless
    scale = max(1.0, abs(total)) if objective == "least_absolute" else max(1.0, abs(optimum))
    if achieved - optimum > 1e-7 * scale:  # the tie-break may only match or improve on the solver's value
        raise RuntimeError(f"第二阶段结果偏离最优目标值：{achieved} ≠ {optimum}")
    duals = {name: con.pi for name, con in prob.constraints.items()
             if con.pi not in (None, 0) and (name.startswith(("floor_", "cap_")) or name == "budget")}
    # regions with no target sit at their floor outside the model; Σ|x−t| counts them, as the fast solver does
    # the value reported is the returned point's, never the solver's number for another point
    value = float(np.abs(tie.x - t).sum()) if objective == "least_absolute" else achieved
    return Solution(tie.x, Objective(objective), value, tie.scale, SolveMethod.LP,
                    {"status": status, "first_stage_x": first, "first_stage_objective": optimum,
                     "shadow_prices": duals})


def _objective_value(x, t, objective: str) -> float:
    positive = t > 0  # the model's objective: regions with a target only
    if objective == "least_absolute":
        return float(np.abs(x[positive] - t[positive]).sum())
    if not positive.any():
        return 0.0
    return float(np.max(np.abs(x[positive] - t[positive]) / t[positive]))


def _recheck(x, t, lo, hi, total: float, stage: str) -> None:
    """Verify an answer against every constraint; a solver's word is not taken on trust."""
    tol = 1e-6 * max(1.0, abs(total))
    if np.any(x < lo - tol) or np.any(x > hi + tol) or abs(x.sum() - total) > tol:
        raise RuntimeError(f"{stage}结果未满足约束（合计 {x.sum()}，预算 {total}）")
