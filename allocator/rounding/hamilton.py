"""Largest-remainder (Hamilton) rounding to integers of the rounding unit, exact totals guaranteed."""
from __future__ import annotations

import numpy as np

SNAP = 1e-9  # quotas this close to an integer are that integer (float noise from the solver)


def snap(quotas) -> np.ndarray:
    """Quotas within SNAP of an integer become that integer, so 99.9999999999 is not floored to 99."""
    q = np.asarray(quotas, dtype=float)
    nearest = np.round(q)
    return np.where(np.abs(q - nearest) < SNAP * np.maximum(1.0, np.abs(q)), nearest, q)


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
    order = np.lexsort((keys, -remainder))  # largest remainder first, then smallest code
    result = base.copy()
    result[order[:short]] += 1
    return result
