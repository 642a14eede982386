"""Water-filling: x = clip(s·t, lo, hi) with Σx = total, for one row or for every row of a scenarios ×
regions array at once — the least-squares step of the constrained allocation and the primitive the
other objectives reduce to (`allocator.solver.fast`).

Σ clip(s·t, lo, hi) is a continuous, non-decreasing, piecewise-linear function of the multiplier s.
Newton's method on it solves the current linear piece exactly at each step (the classic water-filling
active-set iteration): the regions no bound holds take s·t, the rest their bound, so
s = (total − Σ held) / Σ t_free. A row has settled when the free set at its s is the one that s was
solved from and Σx = total. Newton can cycle on a piecewise-linear sum, so each step stays inside
the bracket the evaluations have found. A row that does not settle within NEWTON_STEPS is reported
(`Fill.ok` False) and its caller finishes it exactly (`fast._by_breakpoints`, or the single run).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from allocator.solver.feasibility import within_bounds

NEWTON_STEPS = 30  # steps of the safeguarded Newton iteration before a row is handed to the exact finish
SETTLED = 1e-9  # relative to the total: a sum this close to it has settled (with an unchanged free set)


@dataclass(frozen=True)
class ActiveSet:
    """A guess of the active set for `water_fill` (a batch takes the base policy's) with what it implies
    under the bounds it was found with (`lo`, `hi`: ⌈floor⌉ and ⌊cap⌋ rows), so scenarios that keep
    those bounds need not recompute it."""

    below: np.ndarray  # (1, m) held at the floor
    above: np.ndarray  # (1, m) held at the cap
    lo: np.ndarray  # (1, m) the bounds these sums belong to (compared by identity)
    hi: np.ndarray
    free: np.ndarray  # (1, m) no bound holds and the bounds leave room
    guess: np.ndarray  # (m,) the same as floats, for a matrix product
    held: float  # Σ floors below + Σ caps above, units
    floors: float  # Σ lo
    caps: float  # Σ hi
    crossed: bool  # some floor above its cap

    @classmethod
    def of(cls, x: np.ndarray, line: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> ActiveSet:
        below, above = x[:1] > line[:1], x[:1] < line[:1]
        free = (lo < hi) & ~below & ~above
        return cls(below, above, lo, hi, free, free[0].astype(float),
                   float(np.where(below, lo, 0.0).sum() + np.where(above, hi, 0.0).sum()), float(lo.sum()),
                   float(hi.sum()), bool((lo > hi).any()))

    def fits(self, lo: np.ndarray, hi: np.ndarray) -> bool:
        """These are the bounds the sums were taken under (every target then > 0)."""
        return lo is self.lo and hi is self.hi

    def feasible(self, total: np.ndarray) -> np.ndarray:
        """`feasible_rows` under these bounds with every target > 0."""
        return within_bounds(self.floors, self.caps, np.bool_(self.crossed), total)


class Fill(NamedTuple):
    """`water_fill`'s result for c scenarios."""

    x: np.ndarray  # (c, m) constrained amounts in units
    s: np.ndarray  # (c,) the multiplier
    line: np.ndarray  # (c, m) s·t
    ok: np.ndarray  # (c,) settled with Σx = total (the rest go to the single-run solver)


def water_fill(t, lo, hi, total, positive: bool | None = None, start: ActiveSet | None = None,
               feasible: np.ndarray | None = None) -> Fill:
    """x = clip(s·t, lo, hi) with Σx = total, every row at once; zero targets pinned to their floor.

    Newton on s: each step solves the linear piece the current s lies on (the regions no bound holds
    take s·t, the rest their bound), s = (total − Σ held) / Σ t_free, so the active set settles in a
    few steps. A row has settled when the free set at its s is the one that s was solved from and
    Σx = total; it keeps that s and drops out of the iteration. The
    first s solves the piece of `start` — a guess of the active set, the base policy's — so a
    scenario near the guess settles in one or two evaluations; without a guess (or where it gives
    no positive s) the first s is the proportional one. Rows known not to be `feasible` (floors, caps
    and budget cannot all hold) are evaluated once and left unsettled.
    `lo` and `hi` may be one row shared by all scenarios. `positive`: every target > 0, if the caller
    knows.
    """
    c = len(t)
    if positive is None:
        positive = bool(t.size == 0 or t.min() > 0)
    if not positive:  # a zero target is pinned to its floor
        hi = np.where(t > 0, hi, lo)
    moving = lo < hi if positive else (t > 0) & (lo < hi)
    everyone_moves = bool(moving.all())
    s, free = _first_step(t, lo, hi, total, moving, start if positive else None)
    if c == 1:
        return _fill_one(t[0], lo[0], hi[0], float(total[0]), moving[0], everyone_moves, float(s[0]), free[0],
                         feasible is None or bool(feasible[0]))
    ok = np.zeros(c, dtype=bool)
    rows = np.arange(c)
    tr, lor, hir, mr, totr = t, lo, hi, moving, total
    low, high, solved = np.zeros(c), np.full(c, np.inf), np.ones(c, dtype=bool)  # bracket; s solved from `free`
    hopeless = None if feasible is None or feasible.all() else ~feasible  # no solution to look for
    # The evaluations write into buffers made once (the first rows of each as rows drop out): the
    # arrays stay in the processor's cache instead of arriving fresh at every step.
    line_buf, x_buf = np.empty(t.shape), np.empty(t.shape)
    free_bufs = (np.empty(t.shape, dtype=bool), np.empty(t.shape, dtype=bool))
    for step_no in range(NEWTON_STEPS):
        sr = s[rows]
        k = len(rows)
        line = np.multiply(tr, sr[:, None], out=line_buf[:k])
        x = np.maximum(line, lor, out=x_buf[:k])
        np.minimum(x, hir, out=x)
        new_free = np.equal(x, line, out=free_bufs[step_no % 2][:k])
        if not everyone_moves:
            new_free &= mr
        gap = totr - x.sum(axis=1)
        # settled: s solves the piece of `free` and that is the piece s lies on — the same free set and
        # Σx = total (a guessed set may hold a region at its cap that s puts at its floor: the free
        # set is the same, the sum is not)
        settled = solved & (new_free == free).all(axis=1) & (np.abs(gap) <= SETTLED * np.maximum(1.0, totr))
        ok[rows[settled]] = True
        dropped = step_no == 0 and hopeless is not None
        if dropped:
            settled = settled | hopeless  # out of the iteration (ok stays False)
        if settled.all():
            if step_no == 0:  # every row at its first s: this evaluation is the answer
                return Fill(x, s, line, ok)
            break
        keep = ~settled
        low = np.where(gap > 0, np.maximum(low, sr), low)  # Σx is monotone in s: the solution lies above
        high = np.where(gap < 0, np.minimum(high, sr), high)
        if dropped or keep.sum() < 0.75 * len(rows):  # gather the unsettled rows once enough have settled
            rows, free, tr, totr, gap, sr = rows[keep], new_free[keep], tr[keep], totr[keep], gap[keep], sr[keep]
            low, high, solved = low[keep], high[keep], solved[keep]
            lor, hir, mr = (_gather(a, keep) for a in (lor, hir, mr))
            step, solved = _safe_step(tr, lor, hir, sr, gap, np.einsum("ij,ij->i", tr, free), low, high)
            s[rows] = step
        else:
            free = new_free
            step, now = _safe_step(tr, lor, hir, sr, gap, np.einsum("ij,ij->i", tr, free), low, high)
            s[rows[keep]] = step[keep]
            solved = np.where(keep, now, solved)
    # Each row's s is the one it settled at (or its last, rows still moving after NEWTON_STEPS, ok
    # False): one evaluation of every row at its own s gives the same bits its settling evaluation
    # gave, without copying rows out at every step.
    line = np.multiply(t, s[:, None], out=line_buf)
    x = np.maximum(line, lo, out=x_buf)
    return Fill(np.minimum(x, hi, out=x), s, line, ok)


def _safe_step(t, lo, hi, s, gap, slope, low, high) -> tuple[np.ndarray, np.ndarray]:
    """The next s for rows not settled, and whether it solves the piece s lay on (Newton's step).

    Newton: s + gap / slope (slope = Σ t over the free regions) solves that piece exactly. Newton can
    cycle on a piecewise-linear sum, so the step is kept inside the bracket (low, high) the
    evaluations so far have put around the solution; a row with no slope (every region held) goes
    to the nearest s at which a held region comes free; a step that leaves the bracket halves it.
    """
    solved = slope > 0
    step = np.where(solved, s + gap / np.where(solved, slope, 1.0), s)
    if not solved.all():
        stuck = np.flatnonzero(~solved)
        step[stuck] = _next_breakpoint(t[stuck], _gather(lo, stuck), _gather(hi, stuck), s[stuck], gap[stuck])
    inside = (step > low) & (step < high)
    if not inside.all():
        halve = np.where(np.isfinite(high), 0.5 * (low + high), 2.0 * np.maximum(s, low))
        step = np.where(inside, step, halve)
        solved &= inside
    return step, solved


def _fill_one(t, lo, hi, total: float, moving, everyone_moves: bool, s: float, free, feasible: bool) -> Fill:
    """`water_fill`'s steps for one scenario (a what-if): the same arithmetic on one row, without the
    bookkeeping of rows that settle at different steps."""
    low, high, solved = 0.0, np.inf, True
    for _ in range(NEWTON_STEPS if feasible else 1):
        line = t * s
        x = _clip(line, lo, hi)
        new_free = x == line
        if not everyone_moves:
            new_free &= moving
        gap = total - x.sum()
        if solved and abs(gap) <= SETTLED * max(1.0, total) and (new_free == free).all():
            return Fill(x[None], np.array([s]), line[None], np.ones(1, dtype=bool))
        free = new_free
        low, high = (max(low, s), high) if gap > 0 else (low, min(high, s) if gap < 0 else high)
        slope = float(np.einsum("i,i->", t, free))
        if slope > 0 and low < s + gap / slope < high:
            s, solved = s + gap / slope, True
        else:
            step, now = _safe_step(t[None], lo[None], hi[None], np.array([s]), np.array([gap]), np.array([slope]),
                                   np.array([low]), np.array([high]))
            s, solved = float(step[0]), bool(now[0])
    line = t * s
    return Fill(_clip(line, lo, hi)[None], np.array([s]), line[None], np.zeros(1, dtype=bool))


def _first_step(t, lo, hi, total, moving, start: ActiveSet | None) -> tuple[np.ndarray, np.ndarray]:
    """The first s of `water_fill` and the free set it was solved from (all False for the proportional s)."""
    use = None
    if start is not None:  # solve the piece of the guessed active set
        if start.fits(lo, hi):
            free = _rows_of(start.free, t.shape)
            slope, held = t @ start.guess, start.held
        else:  # bounds of each scenario's own: (c, m) or one row
            free = _rows_of(moving & ~start.below & ~start.above, t.shape)
            slope = np.einsum("ij,ij->i", t, free)
            held = (np.where(start.below, lo, 0.0) + np.where(start.above, hi, 0.0)).sum(axis=1)
        warm = (total - held) / np.where(slope > 0, slope, 1.0)
        use = (slope > 0) & (warm > 0)
        if use.all():
            return warm, free
    tsum = t.sum(axis=1)
    s = total / np.where(tsum > 0, tsum, 1.0)
    if use is None or not use.any():
        return s, np.zeros(t.shape, dtype=bool)
    return np.where(use, warm, s), free & use[:, None]


def _next_breakpoint(t, lo, hi, s, gap) -> np.ndarray:
    """For rows where every region is held: the nearest s, in the direction the sum must move, at which
    some region's line reaches its bound (and so comes free); s itself where there is none."""
    line = t * s[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        freed_up = np.where((line < lo) & (t > 0), lo / t, np.inf).min(axis=1)  # raising s frees a floor region
        freed_down = np.where(line > hi, hi / t, -np.inf).max(axis=1)  # lowering s frees a capped one
    out = np.where(gap > 0, freed_up, freed_down)
    return np.where(np.isfinite(out), out, s)


def _rows_of(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """`a` (one row or c rows) as c rows, a view (np.broadcast_to costs more than the what-if's arithmetic)."""
    return a if a.shape == shape else np.broadcast_to(a, shape)


def _gather(a: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """The kept rows (a mask or indices) of a per-scenario array; a row shared by every scenario stays as it is."""
    return a[keep] if a.shape[0] > 1 else a


def _clip(line: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """clip(line, lo, hi) as two ufuncs into one new array (np.clip's wrapper costs more than the work
    on a row of a few hundred regions)."""
    out = np.maximum(line, lo)
    return np.minimum(out, hi, out=out)
