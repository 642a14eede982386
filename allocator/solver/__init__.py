"""Constrained allocation: exact fast solvers (NumPy) and PuLP/HiGHS models, with explained infeasibility.

One water-filling kernel (`water_fill`) serves a single run (one row) and a batch of scenarios (many
rows); the other objectives reduce to it (`fast`), the LP models check and break ties with it (`lp`).
"""
from __future__ import annotations

from allocator.errors import PolicyError, Problem
from allocator.policy.model import OBJECTIVE_LABELS, SOLVE_METHOD_LABELS, Objective, SolveMethod
from allocator.solver.fast import Solution, solve_fast
from allocator.solver.feasibility import check_feasible, explain_infeasibility, feasible_rows, solver_caps
from allocator.solver.water_fill import NEWTON_STEPS, ActiveSet, Fill, water_fill


def solve(t, lo, hi, total: float, objective: str = Objective.LEAST_SQUARES, method: str = SolveMethod.FAST,
          codes=None, labels=None, unit: float = 1.0) -> Solution:
    """min objective(x; t) s.t. lo ≤ x ≤ hi, Σx = total. Raises InfeasibleError, explained; an unknown
    objective or method is a PolicyError in Chinese, never a silent fall back.

    `labels`: "code name" per region for the explanations, or a function giving them (called only
    when the constraints conflict)."""
    objective, method = as_objective(objective), as_method(method)
    if labels is None:
        labels = [str(v) for v in (codes if codes is not None else range(len(t)))]
    check_feasible(lo, solver_caps(t, lo, hi), total, labels, unit)
    if method == SolveMethod.LP and objective != Objective.LEAST_SQUARES:
        from allocator.solver.lp import solve_lp  # PuLP is imported only when a model is asked for

        return solve_lp(t, lo, hi, total, objective, codes if codes is not None else range(len(t)),
                        labels() if callable(labels) else labels, unit)
    return solve_fast(t, lo, hi, total, objective)


def as_objective(value: str) -> Objective:
    """The Objective named by `value`; PolicyError listing the choices otherwise."""
    try:
        return Objective(value)
    except ValueError:
        choices = "、".join(f"{o.value}（{OBJECTIVE_LABELS[o]}）" for o in Objective)
        raise PolicyError([Problem(f"目标函数「{value}」不存在（可用：{choices}）", key="constraints.objective",
                                   value=value)]) from None


def as_method(value: str) -> SolveMethod:
    """The SolveMethod named by `value`; PolicyError listing the choices otherwise."""
    try:
        return SolveMethod(value)
    except ValueError:
        choices = "、".join(f"{m.value}（{SOLVE_METHOD_LABELS[m]}）" for m in SolveMethod)
        raise PolicyError([Problem(f"求解方法「{value}」不存在（可用：{choices}）", key="method", value=value)]) from None


def solve_lp(*args, **kwargs) -> Solution:
    """`allocator.solver.lp.solve_lp`, imported on first use (PuLP takes a while to import)."""
    from allocator.solver.lp import solve_lp as lp

    return lp(*args, **kwargs)


__all__ = ["NEWTON_STEPS", "ActiveSet", "Fill", "Solution", "as_method", "as_objective", "check_feasible",
           "explain_infeasibility", "feasible_rows", "solve", "solve_fast", "solve_lp", "water_fill"]
