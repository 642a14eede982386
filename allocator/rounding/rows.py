"""Largest-remainder rounding of many rows at once (scenarios × regions), ties by position: the row
rounding a single run (one row) and a batch (many) share, with the rule it follows: quotas near an
integer snap to it, remainders within TIE of each other tie and go by position.
`allocator.rounding.hamilton` gives the general form, with any tie keys.
"""
from __future__ import annotations

import numpy as np

SNAP = 1e-9  # quotas this close to an integer are that integer (float noise from the solver)
TIE = 1e-9  # remainders closer than this are equal (1/3 and 7/3 − 2 differ only by float noise)
# relative to the row's largest quota: calls closer than this may come out otherwise where the same
# quotas were computed with floats that differ in the last bits (a batch recomputes such rows)
FRAGILE = 1e-12
SORT_WIDTH = 256  # rows of remainders up to this long are sorted, longer ones partitioned (`_cut_values`)
SMALL = 20_000  # arrays of fewer elements (a what-if, a small chunk) skip passes that only pay on large ones


def snap(quotas) -> np.ndarray:
    """Quotas within SNAP of an integer become that integer, so 99.9999999999 is not floored to 99."""
    q = np.asarray(quotas, dtype=float)
    nearest = np.round(q)
    return np.where(np.abs(q - nearest) < SNAP * np.maximum(1.0, np.abs(q)), nearest, q)


def tie_groups(remainder: np.ndarray) -> np.ndarray:
    """A rank per remainder where remainders equal within TIE share a rank (higher = larger), so that
    ties are decided by code, as promised, and never by float noise."""
    order = np.argsort(-remainder, kind="stable")
    ranked = remainder[order]
    new_group = np.concatenate(([True], (ranked[:-1] - ranked[1:]) > TIE)) if len(ranked) else np.array([], bool)
    rank = np.empty(len(remainder), dtype=np.int64)
    rank[order] = -np.cumsum(new_group)  # first (largest) group gets -1, the next -2 …
    return rank


def round_rows(x, total, dtype: type = np.int64) -> tuple[np.ndarray, np.ndarray]:
    """Largest remainder in every row, ties by position (= ascending code): the quotas `x` (units of
    the rounding unit, c × n) to integers summing to `total` per row.

    Each region gets ⌊q⌋ (q snapped, `snap`); the units left go to the remainders above the
    row's cut value, then to the first regions (by position) exactly at it — the order of a stable sort.
    The cut and its two neighbours come from one sort or partition of the remainders for the whole
    chunk (`_row_cuts`). Where a neighbour of the cut lies within TIE of it (or within the float
    noise of that), the row is rounded by the tie groups of `tie_groups` (remainders
    closer than TIE are equal and go by position) and marked a close call: computed elsewhere with
    floats that differ in the last bits, its answer could differ, so a batch recomputes such rows
    on the single run (a batch of one, whose answer is this one).
    With integer bounds that the quotas respect (as the water-filling's do) the result respects them.
    Returns the units (integers of `dtype`: int32 halves a large batch where totals fit) and the
    mask of close calls (and of rows whose total is out of reach).
    """
    c, n = x.shape
    if c == 1 and n:
        return _round_one(x, float(total[0]))
    rem, base = np.modf(x)  # the quotas are amounts (≥ 0): ⌊x⌋ and x − ⌊x⌋ in one pass, exactly
    size = np.maximum(1.0, x.max(axis=1)) if n else np.ones(c)
    fragile = _snap_in_place(x, base, rem, size)
    short = np.round(total - base.sum(axis=1)).astype(np.int64)
    inner = (short > 0) & (short < n)
    cut = np.where(short > 0, -np.inf, np.inf)  # no unit left: nobody goes up; a unit for everyone: all do
    rows = np.flatnonzero(inner)
    if rows.size:
        k = short[rows]
        before, cut_r, after = _row_cuts(rem, rows, k)
        cut[rows] = cut_r
        close = rows[close_calls(before, cut_r, after, k, size[rows])]
        fragile[close] = True
    up = rem >= cut[:, None]
    n_up = np.count_nonzero(up, axis=1) if up.size > SMALL else up.sum(axis=1)  # the faster at each size
    tie = np.flatnonzero(n_up > short)  # more regions at the cut than units left: the first by code win
    if tie.size:
        above = rem[tie] > cut[tie, None]
        at_cut = rem[tie] == cut[tie, None]
        room = short[tie] - above.sum(axis=1)
        up[tie] = above | (at_cut & (np.cumsum(at_cut, axis=1) <= room[:, None]))
    out = base.astype(dtype)
    out += up
    if rows.size:
        for r in close:  # rare: decided by the tie groups, exactly as `hamilton` orders them
            out[r] = base[r] + tie_group_units(rem[r], int(short[r]))
    return out, fragile | (short < 0) | (short > n)


def _round_one(x, total: float) -> tuple[np.ndarray, np.ndarray]:
    """`round_rows` for one row (a single run, a what-if): the same rule and the same close calls, with
    the cut read off one stable sort of the remainders instead of the bookkeeping of many rows."""
    rem, base = np.modf(x)
    size = max(1.0, float(x.max()))
    fragile = _snap_in_place(x, base, rem, np.array([size]))
    n = x.shape[1]
    short = int(round(total - float(base.sum())))
    out = base.astype(np.int64)
    if not 0 < short < n:
        if short >= n:
            out += 1
        return out, fragile | (short < 0) | (short > n)
    r = rem[0]
    order = np.argsort(-r, kind="stable")  # largest first, ties by position
    cut, after = r[order[short - 1]], r[order[short]]
    before = r[order[short - 2]] if short > 1 else cut
    if close_calls(before, cut, after, short, size):  # decided by the tie groups
        out[0] += tie_group_units(r, short)
        fragile[0] = True
    else:
        out[0, order[:short]] += 1
    return out, fragile


def close_calls(before, cut, after, k, size):
    """Rows whose cut has a neighbour within TIE of it, or within the float noise of TIE (FRAGILE of
    the row's largest quota, `size`): remainders closer than TIE are one tie group decided by
    position, and float noise could move a neighbour into or out of the cut's group. Exact zeros
    (regions held at an integral bound) tie with each other by position and are no close call.
    Numbers (one row) or arrays (rows); `before`/`after` are the (k−1)-th and (k+1)-th remainders."""
    noise = 2 * FRAGILE * size + TIE
    close_after = (cut - after < noise) & ((cut != 0) | (after != 0))
    close_before = (k > 1) & (before - cut < noise) & ((before != 0) | (cut != 0))
    return close_after | close_before


def _row_cuts(rem, rows, k) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`_cut_values` for the given rows, over the columns with a remainder in any of them: a region
    held at its (integral) bound has none, and where many are held — 60 % of the synthetic national
    set — the partition is that much narrower. Rows whose k reaches past those columns (the cut
    is 0) take all of them."""
    sub = rem if len(rows) == len(rem) else rem[rows]
    if sub.size < SMALL or sub.shape[1] <= SORT_WIDTH:  # short rows are sorted whole; not worth a pass
        return _cut_values(sub, k)
    some = np.any(sub != 0, axis=0)
    width = int(np.count_nonzero(some))
    if width > 0.8 * sub.shape[1] or k.max() >= width:
        return _cut_values(sub, k)
    return _cut_values(np.compress(some, sub, axis=1), k)


def _snap_in_place(x, base, rem, size) -> np.ndarray:
    """`snap` on ⌊x⌋ and its remainder (in place); rows with a quota at
    the snap threshold (within the float noise) are returned as fragile.

    A quota snaps when |q − round(q)| < SNAP·max(1, q) ≤ SNAP·size (size: max(1, the largest quota of
    its row, here of the chunk)), so only remainders that close to 0 or to 1 can snap or sit near the
    threshold; those few are decided one by one with the exact rule.
    """
    fragile = np.zeros(len(x), dtype=bool)
    reach = (SNAP + 2 * FRAGILE) * float(size.max())  # one number for the chunk: a few more candidates, each
    near = ((rem < reach) & (rem > 0)) | (rem > 1.0 - reach)  # decided by the exact rule below
    if not near.any():
        return fragile
    r, i = np.divmod(np.flatnonzero(near), near.shape[1])
    q = x[r, i]
    nearest = np.round(q)
    dist = np.abs(q - nearest)
    own = np.maximum(1.0, q)
    snapped = dist < SNAP * own
    base[r[snapped], i[snapped]] = nearest[snapped]
    rem[r[snapped], i[snapped]] = 0.0
    fragile[r[np.abs(dist - SNAP * own) < FRAGILE * own]] = True
    return fragile


def _cut_values(rem: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row, the k-th largest remainder (the cut) and the (k−1)-th (the cut itself where k = 1) and
    the (k+1)-th (1 ≤ k < n).

    Remainders are ≥ 0, so their bit patterns as unsigned integers order as the values do: sorting
    or partitioning those is exact and faster than on floats (no NaN handling). Short rows (up to
    SORT_WIDTH) are sorted — numpy's vectorised sort beats a partition there; longer ones share one
    partition: each row gets (max k − k) pads of 2.0 above every remainder and the rest of its
    padding 0.0 (not above any), so its k-th largest sits at the same column in every row.
    """
    rows, n = rem.shape
    top = int(k.max())
    spread = top - int(k.min())
    if n <= SORT_WIDTH or spread > n:
        asc = np.sort(np.ascontiguousarray(rem).view(np.uint64), axis=1).view(np.float64)
        r = np.arange(rows)
        return asc[r, n - np.maximum(k - 1, 1)], asc[r, n - k], asc[r, n - 1 - k]
    width = n + spread
    if spread:
        padded = np.empty((rows, width))
        padded[:, :n] = rem
        padded[:, n:] = np.where(np.arange(spread)[None, :] < (top - k)[:, None], 2.0, 0.0)
    else:
        padded = np.ascontiguousarray(rem)
    # descending rank d is ascending column width − 1 − d; a row's k-th largest has rank top − 1
    cols = (width - top - 1, width - top, min(width - top + 1, width - 1))
    part = np.partition(padded.view(np.uint64), sorted(set(cols)), axis=1).view(np.float64)
    before = np.where(k > 1, part[:, cols[2]], part[:, cols[1]])  # k = 1: no (k−1)-th, the cut itself
    return before, part[:, cols[1]], part[:, cols[0]]


def tie_group_units(rem: np.ndarray, short: int) -> np.ndarray:
    """One row's extra units (0 or 1 each) by the rule of `hamilton.largest_remainder`: the `short`
    largest remainders, remainders within TIE of each other forming one group decided by position."""
    order = np.lexsort((np.arange(len(rem)), -tie_groups(rem)))
    up = np.zeros(len(rem), dtype=np.int64)
    up[order[:short]] = 1
    return up
