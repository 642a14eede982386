"""Exact NumPy solvers for the constrained allocation  L ≤ x ≤ U,  Σx = B.

All three objectives reduce to one primitive: the multiplier s with Σ clip(s·t, lo, hi) = B, found by
the water-filling of `allocator.solver.water_fill` (the same kernel a batch of scenarios runs, here
on one row). Should it not settle, the breakpoints are sorted, the function is evaluated at all of
them with cumulative sums and the crossing piece is solved directly — exact, O(n log n).

- least_squares  (default): min Σ (x−t)²/t. KKT gives x = clip(s·t, L, U): the excess or shortfall
  is spread in proportion to the target among the regions no floor or cap holds (water-filling).
- least_absolute: min Σ |x−t|. Its optima form a face; we return the least-squares point of that
  face, so the answer is unique and the same every time.
- minimax_relative: min max |x−t|/t, then the least-squares point among those optima.

Regions with a zero target receive exactly their floor under every objective.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from allocator.policy.model import Objective, SolveMethod
from allocator.solver.water_fill import water_fill


@dataclass(frozen=True)
class Solution:
    x: np.ndarray
    objective: Objective
    objective_value: float
    scale: float  # least-squares multiplier: free regions get scale × target
    method: SolveMethod
    details: dict = field(default_factory=dict)  # LP: status, first-stage objective, shadow prices


def solve_scaled(t, lo, hi, total: float) -> float:
    """The multiplier s with Σ clip(s·t, lo, hi) = total (t ≥ 0, lo ≥ 0 or −inf), for one row: the
    water-filling (`allocator.solver.water_fill`), finished by the breakpoints should it not settle.
    Assumes the total is reachable. Units: whatever t, lo, hi and total share; s is a ratio."""
    fill = water_fill(t[None], lo[None], hi[None], np.array([float(total)]))
    if fill.ok[0]:
        return float(fill.s[0])
    return _by_breakpoints(np.zeros_like(t), t, lo, hi, float(total))


def _by_breakpoints(b, m, lo, hi, total: float) -> float:
    """Exact crossing by sorting every breakpoint of g (the fallback for `solve_scaled`)."""
    moving = (m > 0) & (lo < hi)
    fixed_sum = float(np.clip(b[~moving], lo[~moving], hi[~moving]).sum())
    b, m, lo, hi = b[moving], m[moving], lo[moving], hi[moving]
    if b.size == 0:
        return 0.0
    enter = (lo - b) / m  # below this s the region sits on lo
    leave = (hi - b) / m  # above this s the region sits on hi
    points = np.unique(np.concatenate([enter, leave]))
    points = points[np.isfinite(points)]
    if points.size == 0:
        points = np.array([0.0])
    points = np.concatenate([[points[0] - 1.0], points, [points[-1] + 1.0]])
    values = fixed_sum + _clipped_sum_at(points, b, m, lo, hi, enter, leave)
    k = int(np.searchsorted(values, total, side="right")) - 1
    k = min(max(k, 0), len(points) - 2)
    v0, v1 = values[k], values[k + 1]
    slope = (v1 - v0) / (points[k + 1] - points[k])
    if slope <= 0:
        return float(points[k])
    return float(points[k] + (total - v0) / slope)


def _clipped_sum_at(points, b, m, lo, hi, enter, leave) -> np.ndarray:
    """Σ_i clip(b_i + m_i·s, lo_i, hi_i) at every s in `points`, by sorting and cumulative sums."""
    order_e = np.argsort(enter, kind="stable")
    order_l = np.argsort(leave, kind="stable")
    enter_sorted, leave_sorted = enter[order_e], leave[order_l]
    lo_e = np.where(np.isfinite(lo), lo, 0.0)[order_e]
    hi_l = np.where(np.isfinite(hi), hi, 0.0)[order_l]
    # regions still on lo: enter >= s ; regions already on hi: leave <= s ; the rest are on the line
    n_on_lo_start = np.searchsorted(enter_sorted, points, side="left")
    n_on_hi = np.searchsorted(leave_sorted, points, side="right")
    lo_suffix = np.concatenate([np.cumsum(lo_e[::-1])[::-1], [0.0]])
    hi_prefix = np.concatenate([[0.0], np.cumsum(hi_l)])
    b_e = np.concatenate([[0.0], np.cumsum(b[order_e])])
    m_e = np.concatenate([[0.0], np.cumsum(m[order_e])])
    b_l = np.concatenate([[0.0], np.cumsum(b[order_l])])
    m_l = np.concatenate([[0.0], np.cumsum(m[order_l])])
    line_b = b_e[n_on_lo_start] - b_l[n_on_hi]
    line_m = m_e[n_on_lo_start] - m_l[n_on_hi]
    return lo_suffix[n_on_lo_start] + hi_prefix[n_on_hi] + line_b + line_m * points


def least_squares(t, lo, hi, total: float) -> Solution:
    """min Σ (x−t)²/t  s.t. lo ≤ x ≤ hi, Σx = total.  x = clip(s·t, lo, hi); zero targets get lo."""
    t, lo, hi = (np.asarray(a, dtype=float) for a in (t, lo, hi))
    positive = t > 0
    hi = np.where(positive, hi, lo)  # a zero target is pinned to its floor
    s = solve_scaled(t, lo, hi, total)
    x = np.minimum(np.maximum(s * t, lo), hi)
    value = float(np.sum(np.divide((x - t) ** 2, t, out=np.zeros_like(t), where=positive)))
    return Solution(x, Objective.LEAST_SQUARES, value, s, SolveMethod.FAST)


def least_absolute_face(t, lo, hi, total: float) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of the set of minimisers of Σ|x−t|: move nobody past its target unless it must.

    With y = clip(t, lo, hi): if Σy < total every optimum has y ≤ x ≤ hi (any extra unit costs 1
    wherever it goes); if Σy > total, lo ≤ x ≤ y. Zero-target regions are pinned to lo.
    """
    t, lo, hi = (np.asarray(a, dtype=float) for a in (t, lo, hi))
    y = np.where(t > 0, np.clip(t, lo, hi), lo)
    hi = np.where(t > 0, hi, lo)
    if y.sum() <= total:
        return y, hi
    return lo, y


def least_absolute(t, lo, hi, total: float) -> Solution:
    """min Σ|x−t| s.t. bounds and budget; ties broken by the least-squares point of the optimal face."""
    face_lo, face_hi = least_absolute_face(t, lo, hi, total)
    tie = least_squares(t, face_lo, face_hi, total)
    value = float(np.abs(tie.x - np.asarray(t, dtype=float)).sum())
    return Solution(tie.x, Objective.LEAST_ABSOLUTE, value, tie.scale, SolveMethod.FAST)


def minimax_face(t, lo, hi, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """Bounds of the minimisers of max|x−t|/t once the optimal δ is known."""
    t, lo, hi = (np.asarray(a, dtype=float) for a in (t, lo, hi))
    positive = t > 0
    face_lo = np.where(positive, np.maximum(lo, t * (1 - delta)), lo)
    face_hi = np.where(positive, np.minimum(hi, t * (1 + delta)), lo)
    return face_lo, np.maximum(face_lo, face_hi)


def minimax_delta(t, lo, hi, total: float) -> float:
    """The smallest δ such that some x within bounds, |x−t| ≤ δ·t and Σx = total exists."""
    t, lo, hi = (np.asarray(a, dtype=float) for a in (t, lo, hi))
    positive = t > 0
    tp, lp, hp = t[positive], lo[positive], hi[positive]
    pinned = float(lo[~positive].sum())
    # each region alone needs δ ≥ its distance from target to its bounds
    delta0 = float(np.max(np.concatenate([[0.0], (lp - tp) / tp, (tp - hp) / tp])))
    low0, high0 = minimax_face(tp, lp, hp, delta0)
    remaining = total - pinned
    if low0.sum() <= remaining <= high0.sum():
        return delta0
    if remaining > high0.sum():  # grow the upper band: Σ min(hi, t·s) = remaining with s = 1 + δ
        return solve_scaled(tp, np.full_like(tp, -np.inf), hp, remaining) - 1.0
    # shrink the lower band: Σ max(lo, t·s) = remaining with s = 1 − δ
    return 1.0 - solve_scaled(tp, lp, np.full_like(tp, np.inf), remaining)


def minimax_relative(t, lo, hi, total: float) -> Solution:
    """min max_i |x_i−t_i|/t_i; ties broken by the least-squares point among the optima."""
    delta = minimax_delta(t, lo, hi, total)
    face_lo, face_hi = minimax_face(t, lo, hi, delta)
    tie = least_squares(t, face_lo, face_hi, total)
    return Solution(tie.x, Objective.MINIMAX_RELATIVE, delta, tie.scale, SolveMethod.FAST)


SOLVERS = {
    Objective.LEAST_SQUARES: least_squares,
    Objective.LEAST_ABSOLUTE: least_absolute,
    Objective.MINIMAX_RELATIVE: minimax_relative,
}


def solve_fast(t, lo, hi, total: float, objective: str = Objective.LEAST_SQUARES) -> Solution:
    """Dispatch to the exact NumPy solver for `objective`. Feasibility is checked by the caller."""
    return SOLVERS[Objective(objective)](t, lo, hi, total)
