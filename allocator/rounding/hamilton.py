"""Largest-remainder (Hamilton) rounding to integers of the rounding unit, exact totals guaranteed."""
from __future__ import annotations

import numpy as np

SNAP = 1e-9  # quotas this close to an integer are that integer (float noise from the solver)


def snap(quotas) -> np.ndarray:
    """Quotas within SNAP of an integer become that integer, so 99.9999999999 is not floored to 99."""
    q = np.asarray(quotas, dtype=float)
    nearest = np.round(q)
    return np.where(np.abs(q - nearest) < SNAP * np.maximum(1.0, np.abs(q)), nearest, q)


TIE = 1e-9  # remainders closer than this are equal (1/3 and 7/3 − 2 differ only by float noise)


def tie_groups(remainder: np.ndarray) -> np.ndarray:
    """A rank per remainder where remainders equal within TIE share a rank (higher = larger), so that
    ties are decided by code, as promised, and never by float noise."""
    order = np.argsort(-remainder, kind="stable")
    ranked = remainder[order]
    new_group = np.concatenate(([True], (ranked[:-1] - ranked[1:]) > TIE)) if len(ranked) else np.array([], bool)
    rank = np.empty(len(remainder), dtype=np.int64)
    rank[order] = -np.cumsum(new_group)  # first (largest) group gets -1, the next -2 …
    return rank


def largest_remainder(quotas, total: int, tie_keys=None, lo=None, hi=None) -> np.ndarray:
    """Round `quotas` (units of the rounding unit) to integers summing exactly to `total`.

    Each region gets ⌊q⌋; the remaining units go one each to the largest fractional parts, ties
    broken by `tie_keys` ascending (administrative codes). With integer bounds `lo`/`hi` that the
    quotas already respect, the result respects them too (⌊q⌋ ≥ lo and ⌈q⌉ ≤ hi). Returns int64.
    """
    q = snap(quotas)
    if lo is not None:
        q = np.maximum(q, lo)
    if hi is not None:
        q = np.minimum(q, hi)
    base = np.floor(q).astype(np.int64)
    remainder = q - base
    short = int(total - base.sum())
    n = len(q)
    if not 0 <= short <= n:
        raise ValueError(f"取整前合计 {q.sum()} 与目标合计 {total} 相差过大，无法按最大余额法取整")
    keys = np.arange(n) if tie_keys is None else np.asarray(tie_keys)
    order = np.lexsort((keys, -tie_groups(remainder)))  # largest remainder first, then smallest code
    result = base.copy()
    result[order[:short]] += 1
    return result
