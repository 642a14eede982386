"""Controlled rounding of a region × pool table: every cell to ⌊a⌋ or ⌈a⌉, every row and column total exact.

Used when several pools go to the same regions. Row totals (region totals, already rounded within
their floors and caps) and column totals (pool totals) are integers, so the fractional table is a
point of an integral transportation polytope and an integer rounding always exists. We fill it
greedily by largest fractional part (ties: row then column order), then repair any shortfall by
augmenting paths — a small exact bipartite b-matching.
"""
from __future__ import annotations

from collections import deque

import numpy as np

from allocator.rounding.rows import snap


def controlled_round(table, row_totals, col_totals) -> np.ndarray:
    """Integer table within one unit of `table` cell by cell, with the given integer margins."""
    a = snap(table)
    base = np.floor(a).astype(np.int64)
    frac = a - base
    row_need = np.asarray(row_totals, dtype=np.int64) - base.sum(axis=1)
    col_need = np.asarray(col_totals, dtype=np.int64) - base.sum(axis=0)
    if row_need.sum() != col_need.sum() or (row_need < 0).any() or (col_need < 0).any():
        raise ValueError("行合计与列合计不一致，无法进行受控取整")
    up = _greedy(frac, row_need.copy(), col_need.copy())
    _repair(frac, up, row_need, col_need)
    return base + up


def _greedy(frac, row_need, col_need) -> np.ndarray:
    """Cells by largest fraction (ties: row, then column), each taken while its row and its column
    still need units. A plain loop over Python lists: array passes (a row takes its largest
    fractions until some column fills up) give the same cells but were measured slower at the
    sizes met here (a few hundred regions × a few pools)."""
    up = np.zeros(frac.shape, dtype=np.int64)
    rows, cols = np.nonzero(frac > 0)
    order = np.lexsort((cols, rows, -frac[rows, cols]))
    row_left, col_left = row_need.tolist(), col_need.tolist()  # plain lists: a fast scalar loop
    chosen_rows, chosen_cols = [], []
    wanted = int(row_need.sum())
    for i, j in zip(rows[order].tolist(), cols[order].tolist()):
        if row_left[i] > 0 and col_left[j] > 0:
            chosen_rows.append(i)
            chosen_cols.append(j)
            row_left[i] -= 1
            col_left[j] -= 1
            wanted -= 1
            if not wanted:  # every row has its units: the cells left would all be refused
                break
    up[chosen_rows, chosen_cols] = 1
    return up


def _repair(frac, up, row_need, col_need) -> None:
    """Augment along column → (unused cell) → row → (used cell) → column … until every need is met."""
    row_short = row_need - up.sum(axis=1)
    col_short = col_need - up.sum(axis=0)
    for j0 in np.flatnonzero(col_short > 0):
        while col_short[j0] > 0:
            found = _augmenting_path(frac, up, row_short, int(j0))
            if found is None:
                raise ValueError("受控取整失败：找不到增广路径（表格不满足取整条件）")
            end_row, flips = found
            for i, j, delta in flips:
                up[i, j] += delta
            row_short[end_row] -= 1
            col_short[j0] -= 1


def _augmenting_path(frac, up, row_short, j0: int):
    """BFS from column j0 to a row still short of units, alternating unused and used cells.

    Columns (pools) are few and rows (regions) many, so each column visit is one vectorised step.
    Returns (the row that gains a unit, [(row, column, +1 | -1), …]) or None.
    """
    unused = (frac > 0) & (up == 0)
    used = up == 1
    row_seen = np.zeros(up.shape[0], dtype=bool)
    reached_row_by: dict[int, int] = {}  # row -> column whose unused cell reached it
    reached_col_from = {j0: -1}  # column -> row whose used cell was given up to reach it
    queue = deque([j0])
    while queue:
        j = queue.popleft()
        rows = np.flatnonzero(unused[:, j] & ~row_seen)
        if rows.size == 0:
            continue
        row_seen[rows] = True
        short = rows[row_short[rows] > 0]
        if short.size:
            end_row = int(short[0])
            reached_row_by[end_row] = j
            return end_row, _flips(end_row, reached_row_by, reached_col_from)
        reach = used[rows]
        for j2 in map(int, np.flatnonzero(reach.any(axis=0))):
            if j2 not in reached_col_from:
                parent = int(rows[np.argmax(reach[:, j2])])
                reached_col_from[j2] = parent
                reached_row_by[parent] = j
                queue.append(j2)
    return None


def _flips(end_row: int, reached_row_by, reached_col_from) -> list[tuple[int, int, int]]:
    flips, i = [], end_row
    while True:
        j = reached_row_by[i]
        flips.append((i, j, +1))
        previous = reached_col_from[j]
        if previous == -1:
            return flips
        flips.append((previous, j, -1))
        i = previous
