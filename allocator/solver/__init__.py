"""Constrained allocation: exact fast solvers (NumPy) and PuLP/HiGHS models, with explained infeasibility."""
from __future__ import annotations

from allocator.solver.fast import OBJECTIVES, Solution, solve_fast
from allocator.solver.feasibility import check_feasible, explain_infeasibility, solver_caps
from allocator.solver.lp import solve_lp


def solve(t, lo, hi, total: float, objective: str = "least_squares", method: str = "fast",
          codes=None, labels=None, unit: float = 1.0) -> Solution:
    """min objective(x; t) s.t. lo ≤ x ≤ hi, Σx = total. Raises InfeasibleError, explained."""
    labels = labels if labels is not None else (codes if codes is not None else range(len(t)))
    check_feasible(lo, solver_caps(t, lo, hi), total, [str(v) for v in labels], unit)
    if method == "lp" and objective != "least_squares":
        return solve_lp(t, lo, hi, total, objective, codes if codes is not None else range(len(t)),
                        labels, unit)
    return solve_fast(t, lo, hi, total, objective)


__all__ = ["OBJECTIVES", "Solution", "check_feasible", "explain_infeasibility", "solve", "solve_fast",
           "solve_lp"]
