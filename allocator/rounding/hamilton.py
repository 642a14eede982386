"""Largest-remainder (Hamilton) rounding to integers of the rounding unit, exact totals guaranteed,
ties broken by any keys (administrative codes). The rounding itself is the row kernel of
`allocator.rounding.rows`, run on the quotas in key order.
"""
from __future__ import annotations

import numpy as np

from allocator.rounding.rows import SNAP, TIE, round_rows, snap, tie_groups


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
    short = int(total - np.floor(q).sum())
    if not 0 <= short <= len(q):
        raise ValueError(f"取整前合计 {q.sum()} 与目标合计 {total} 相差过大，无法按最大余额法取整")
    order = None if tie_keys is None else np.argsort(np.asarray(tie_keys), kind="stable")
    if order is None:
        return round_rows(q[None], np.array([total]))[0][0]
    out = np.empty(len(q), dtype=np.int64)
    out[order] = round_rows(q[order][None], np.array([total]))[0][0]
    return out


__all__ = ["SNAP", "TIE", "largest_remainder", "snap", "tie_groups"]
