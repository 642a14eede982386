"""Explain why floors, caps and the budget cannot all hold — never a bare solver status."""
from __future__ import annotations

import numpy as np

from allocator.errors import Infeasibility, InfeasibleError

MAX_LISTED = 10
FEASIBILITY_TOLERANCE = 1e-9  # units: sums this close to the total meet it


def _fmt(amount: float, unit: float) -> str:
    return f"{amount * unit:,.2f}".rstrip("0").rstrip(".") + " 万元"


def _region_list(labels, index, amounts, unit) -> str:
    shown = [f"{labels[i]} {_fmt(amounts[i], unit)}" for i in index[:MAX_LISTED]]
    more = f" 等 {len(index)} 个地区" if len(index) > MAX_LISTED else ""
    return "、".join(shown) + more


def explain_infeasibility(lo, hi, total: float, labels, unit: float = 1.0) -> list[Infeasibility]:
    """All reasons the box lo ≤ x ≤ hi cannot meet Σx = total, with the smallest change that fixes each.

    Amounts are in units of `unit` 万元 (the rounding unit); messages show 万元.
    `labels` are "code name" strings used in the messages.
    """
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    reasons: list[Infeasibility] = []
    crossed = np.flatnonzero(lo > hi)
    if crossed.size:
        gap = lo - hi
        reasons.append(Infeasibility(
            "floor_above_cap",
            f"{crossed.size} 个地区的保底额高于封顶额：" + "；".join(
                f"{labels[i]} 保底 {_fmt(lo[i], unit)} > 封顶 {_fmt(hi[i], unit)}" for i in crossed[:MAX_LISTED]),
            regions=[str(labels[i]).split()[0] for i in crossed],
            amounts={str(labels[i]).split()[0]: float(gap[i] * unit) for i in crossed},
            smallest_fix="将这些地区的封顶额提高到保底额（或降低保底额），差额分别为 " + "、".join(
                _fmt(gap[i], unit) for i in crossed[:MAX_LISTED]),
        ))
    floors = float(lo.sum())
    if floors > total + FEASIBILITY_TOLERANCE:
        top = np.argsort(-lo, kind="stable")
        reasons.append(Infeasibility(
            "floors_exceed_budget",
            f"各地区保底额合计 {_fmt(floors, unit)}，超过预算 {_fmt(total, unit)}（保底额最大的地区："
            f"{_region_list(labels, top, lo, unit)}）",
            regions=[str(labels[i]).split()[0] for i in top[:MAX_LISTED]],
            amounts={"floors": floors * unit, "budget": total * unit},
            smallest_fix=f"将预算增加 {_fmt(floors - total, unit)}，或将保底额合计减少同样数额"
                         f"（例如保底比例整体下调到现值的 {total / floors:.2%}）",
        ))
    caps = float(hi.sum())
    if caps < total - FEASIBILITY_TOLERANCE:
        top = np.argsort(hi, kind="stable")
        reasons.append(Infeasibility(
            "caps_below_budget",
            f"各地区封顶额合计 {_fmt(caps, unit)}，低于预算 {_fmt(total, unit)}，资金无法分完（封顶额最小的地区："
            f"{_region_list(labels, top, hi, unit)}）",
            regions=[str(labels[i]).split()[0] for i in top[:MAX_LISTED]],
            amounts={"caps": caps * unit, "budget": total * unit},
            smallest_fix=f"将封顶额合计提高 {_fmt(total - caps, unit)}，或将预算减少同样数额",
        ))
    return reasons


def solver_caps(t, lo, hi) -> np.ndarray:
    """Caps as the solvers apply them: a region with a zero target is held at its floor (lo ≤ hi kept
    crossed where it is, so that conflict is still reported)."""
    t, lo, hi = (np.asarray(a, dtype=float) for a in (t, lo, hi))
    return np.where(t > 0, hi, np.minimum(lo, hi))


def feasible_rows(t, lo, hi, total, positive: bool | None = None) -> np.ndarray:
    """Rows (scenarios) whose floors, caps and budget can all hold: no floor above its cap, Σ floors ≤
    total ≤ Σ caps. `lo` and `hi` may be one row shared by every scenario; `positive`: every target > 0,
    if the caller knows (then no cap needs lowering to its floor)."""
    if positive is None:
        positive = bool(t.size == 0 or t.min() > 0)
    caps = hi if positive else solver_caps(t, lo, hi)
    floors, crossed, cap_sums = lo.sum(axis=1), (lo > hi).any(axis=1), caps.sum(axis=1)
    if floors.shape != total.shape:  # bounds shared by every scenario
        floors, crossed, cap_sums = (np.broadcast_to(a, total.shape) for a in (floors, crossed, cap_sums))
    return within_bounds(floors, cap_sums, crossed, total)


def within_bounds(floors, caps, crossed, total):
    """The verdict from the sums: no floor above its cap and Σ floors ≤ total ≤ Σ caps (numbers or
    per-scenario arrays)."""
    return ~crossed & (floors <= total + FEASIBILITY_TOLERANCE) & (caps >= total - FEASIBILITY_TOLERANCE)


def check_feasible(lo, hi, total: float, labels, unit: float = 1.0) -> None:
    """Raise InfeasibleError with every reason if the constraints cannot all hold. `labels`: a list
    of "code name" strings, or a function giving it (called only when there is something to explain)."""
    lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
    if feasible_rows(lo[None], lo[None], hi[None], np.array([float(total)]), True)[0]:
        return
    reasons = explain_infeasibility(lo, hi, total, labels() if callable(labels) else labels, unit)
    if reasons:
        raise InfeasibleError(reasons)
