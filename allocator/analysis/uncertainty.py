"""Uncertainty: Monte Carlo over weight ranges and data error, seeded, through the batch engine.

Weights: each factor given a range [low, high] (percent) is drawn uniformly in it; one factor of the
block (the first without a range, else the last) takes 100 % minus the others, and a draw that would
put it outside its own range (or below 0 %) is drawn again — so every scenario keeps the loader's
rule (weights add up to 100 %) and every stated range holds exactly.
Data error: a column given a relative error x gets, per region and draw, a multiplier 1 + ε with
ε ~ Uniform(−x, x) ("uniform") or Normal(0, x) clipped at −99 % ("normal"). The same seed gives the
same draws on every machine (numpy's PCG64).
Results per region: base amount, mean, the chosen quantiles (P10/P50/P90 by default) in 万元, and
the probability that a floor or a cap holds the region. Draws run chunk by chunk through the batch
engine (any executor) and each chunk is reduced to counts of amounts where it ran, so memory stays
bounded however many draws; the quantiles from the counts are exact.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator.analysis.batch import Prepared, evaluate_reduced, formula_blocks, parameter, weight_path, what_if
from allocator.errors import InputError, Problem

DISTRIBUTIONS = ("uniform", "normal")
QUANTILES = (0.1, 0.5, 0.9)
MAX_REDRAWS = 200


@dataclass(frozen=True)
class DataNoise:
    """Relative error on one data column: ±`spread` (uniform) or standard deviation `spread` (normal)."""

    column: str
    spread: float  # share of 1, e.g. 0.05 for ±5 %
    distribution: str = "uniform"


def _check(prepared: Prepared, ranges: Mapping[str, tuple[float, float]], errors: list[DataNoise]) -> None:
    problems = []
    for path, (low, high) in ranges.items():
        p = parameter(prepared.policy, path)
        if not low <= high:
            problems.append(Problem(f"参数 {path} 的范围 {low:g}–{high:g} 下限高于上限", key=path))
        if p.kind == "weight" and not (0 <= low and high <= 100):
            problems.append(Problem(f"权重 {path} 的范围 {low:g}–{high:g} 应在 0–100 之间", key=path))
    columns = {c for pb in prepared.blocks for c in pb.columns}
    base_columns = {c for pb in prepared.blocks for c in pb.block.base_columns}
    for e in errors:
        if e.column not in columns:
            problems.append(Problem(f"数据误差所指的列「{e.column}」不在政策使用的数据中", key=e.column))
        elif e.column in base_columns:
            problems.append(Problem(f"数据误差不能作用于上年基数列「{e.column}」", key=e.column))
        if e.distribution not in DISTRIBUTIONS:
            problems.append(Problem(f"分布「{e.distribution}」不可用，应为 {' / '.join(DISTRIBUTIONS)} 之一", key=e.column))
        if not 0 <= e.spread < 1:
            problems.append(Problem(f"列「{e.column}」的误差 {e.spread:g} 应在 0 到 1 之间（如 0.05 表示 ±5%）", key=e.column))
    if problems:
        raise InputError(problems)


def draw_weights(prepared: Prepared, ranges: Mapping[str, tuple[float, float]], draws: int,
                 rng: np.random.Generator) -> pd.DataFrame:
    """`draws` rows of weights (%) within the ranges, each block's weights adding up to 100 %."""
    out: dict[str, np.ndarray] = {}
    params = {path: parameter(prepared.policy, path) for path in ranges}
    for path, p in params.items():
        if p.kind != "weight":
            low, high = ranges[path]
            out[path] = rng.uniform(low, high, draws)
    for pb in formula_blocks(prepared):
        paths = {f.id: next((q for q, p in params.items() if p.kind == "weight" and p.acts_on(pb.block.id)
                             and p.key == f.id), None) for f in pb.block.factors}
        if not any(paths.values()):
            continue
        out.update(_block_weights(pb, paths, ranges, draws, rng))
    return pd.DataFrame(out)


def _block_weights(pb, paths, ranges, draws: int, rng) -> dict[str, np.ndarray]:
    factors = pb.block.factors
    free = [f for f in factors if paths[f.id] is None]
    balance = free[0] if free else factors[-1]
    drawn = [f for f in factors if f is not balance and paths[f.id] is not None]
    fixed = sum(f.weight * 100 for f in factors if f is not balance and paths[f.id] is None)
    low_b, high_b = ranges.get(paths[balance.id] or "", (0.0, 100.0))
    values = {f.id: np.empty(draws) for f in drawn}
    rest = np.empty(draws)
    todo = np.arange(draws)
    for _ in range(MAX_REDRAWS):
        trial = {f.id: rng.uniform(*ranges[paths[f.id]], len(todo)) for f in drawn}
        left = 100 - fixed - sum(trial.values(), np.zeros(len(todo)))
        ok = (left >= low_b - 1e-12) & (left <= high_b + 1e-12)
        for f in drawn:
            values[f.id][todo[ok]] = trial[f.id][ok]
        rest[todo[ok]] = left[ok]
        todo = todo[~ok]
        if todo.size == 0:
            break
    else:
        raise InputError([Problem(f"权重范围无法同时满足（资金块「{pb.block.pools[0].label}」：各因素权重之和"
                                  f"不能为 100%）", key="ranges")])
    out = {paths[f.id]: values[f.id] for f in drawn}
    out[weight_path(pb.block, balance.id)] = rest
    return out


DRAW_BLOCK = 64  # data-error draws are generated in blocks of this many rows, each seeded on its own


@dataclass(frozen=True)
class DrawnErrors:
    """Data-error multipliers for any rows, drawn where they are used (memory stays bounded).

    Row r comes from block r // DRAW_BLOCK, whose generator is seeded by (seed, block): the same seed
    gives the same multipliers whatever the chunking or the executor.
    """

    errors: tuple[DataNoise, ...]
    seed: int
    n_regions: int
    draws: int

    def __len__(self) -> int:
        return self.draws

    def _block(self, b: int) -> dict[str, np.ndarray]:
        rng = np.random.default_rng([self.seed, 1, b])
        out = {}
        for e in self.errors:
            if e.distribution == "normal":
                eps = np.maximum(rng.normal(0.0, e.spread, (DRAW_BLOCK, self.n_regions)), -0.99)
            else:
                eps = rng.uniform(-e.spread, e.spread, (DRAW_BLOCK, self.n_regions))
            out[e.column] = 1.0 + eps
        return out

    def rows(self, sl: slice) -> dict[str, np.ndarray]:
        first, last = sl.start // DRAW_BLOCK, (sl.stop - 1) // DRAW_BLOCK
        blocks = [self._block(b) for b in range(first, last + 1)]
        cut = slice(sl.start - first * DRAW_BLOCK, sl.stop - first * DRAW_BLOCK)
        return {e.column: np.concatenate([b[e.column] for b in blocks])[cut] for e in self.errors}


@dataclass
class Tally:
    """Per region over the feasible draws: counts of each amount (units), the sum, floor and cap counts.

    The counts are one flat array of per-region bands: region i's band starts at `start[i]`, covers
    the amounts low[i] … low[i] + width[i] − 1 and holds how many draws gave each. Amounts are whole
    units in a narrow band per region, so the bands stay small and chunks fold in by array addition.
    """

    feasible: int
    sums: np.ndarray  # (n,) int64 units
    floor: np.ndarray  # (n,) int64
    cap: np.ndarray  # (n,) int64
    low: np.ndarray  # (n,) int64
    width: np.ndarray  # (n,) int64
    counts: np.ndarray  # (Σ width,) int64

    @property
    def start(self) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(self.width)[:-1]])

    def cells(self) -> tuple[np.ndarray, np.ndarray]:
        """(region, amount) of every cell of the flat band array."""
        region = np.repeat(np.arange(len(self.width)), self.width)
        return region, self.low[region] + np.arange(len(region)) - np.repeat(self.start, self.width)


def _bands(n: int, low: np.ndarray, width: np.ndarray, region: np.ndarray, amount: np.ndarray,
           weight: np.ndarray | None = None) -> np.ndarray:
    """Counts of (region, amount) pairs laid out in the bands (low, width)."""
    start = np.concatenate([[0], np.cumsum(width)[:-1]])
    cell = start[region] + amount - low[region]
    out = np.bincount(cell, weights=weight, minlength=int(width.sum()))
    return out.astype(np.int64) if weight is not None else out


def tally(chunk, sl: slice | None = None) -> Tally:
    """A chunk reduced to counts (picklable: runs where the chunk was computed)."""
    ok = chunk.feasible
    units = chunk.totals[ok]
    n = units.shape[1]
    zeros = np.zeros(n, dtype=np.int64)
    if not len(units):
        return Tally(0, zeros, zeros, zeros, zeros, zeros, np.zeros(0, dtype=np.int64))
    low = units.min(axis=0)
    width = units.max(axis=0) - low + 1
    region = np.broadcast_to(np.arange(n), units.shape).ravel()
    counts = _bands(n, low, width, region, units.ravel())
    return Tally(int(ok.sum()), units.sum(axis=0), chunk.at_floor[ok].sum(axis=0).astype(np.int64),
                 chunk.at_cap[ok].sum(axis=0).astype(np.int64), low, width, counts)


def merge(acc: Tally | None, part: Tally) -> Tally:
    """Fold a partial tally in; the bands widen (with room to spare) when a part falls outside them."""
    if acc is None or acc.feasible == 0:
        return part if acc is None or part.feasible else acc
    if part.feasible == 0:
        return acc
    n = len(acc.low)
    low, high = np.minimum(acc.low, part.low), np.maximum(acc.low + acc.width, part.low + part.width)
    if (low < acc.low).any() or (high > acc.low + acc.width).any():
        margin = (high - low) // 2 + 8
        new_low = np.maximum(low - margin, 0)
        new_width = high + margin - new_low
        region, amount = acc.cells()
        acc.counts = _bands(n, new_low, new_width, region, amount, acc.counts)
        acc.low, acc.width = new_low, new_width
    region, amount = part.cells()
    cell = acc.start[region] + amount - acc.low[region]
    acc.counts[cell] += part.counts  # one part never names a cell twice
    acc.feasible += part.feasible
    acc.sums = acc.sums + part.sums
    acc.floor = acc.floor + part.floor
    acc.cap = acc.cap + part.cap
    return acc


def tally_quantiles(acc: Tally, quantiles) -> np.ndarray:
    """Exact quantiles per region (units) from the counts, with numpy's default linear interpolation
    between order statistics: h = (N − 1)·q, x⌊h⌋ + (h − ⌊h⌋)(x⌊h⌋+1 − x⌊h⌋). Shape (len(q), n)."""
    cum = np.cumsum(acc.counts)
    start = acc.start
    before = np.where(start > 0, cum[np.maximum(start - 1, 0)], 0)

    def order_statistic(k: int) -> np.ndarray:  # the (k+1)-th smallest amount of every region
        return acc.low + np.searchsorted(cum, before + k, side="right") - start

    out = np.empty((len(quantiles), len(acc.low)))
    for j, q in enumerate(quantiles):
        h = (acc.feasible - 1) * q
        k = int(np.floor(h))
        a, b = order_statistic(k).astype(float), order_statistic(min(k + 1, acc.feasible - 1)).astype(float)
        out[j] = a + (h - k) * (b - a)
    return out


@dataclass(frozen=True)
class Uncertainty:
    """Monte Carlo summary per region (万元) and the weights drawn."""

    summary: pd.DataFrame  # 地区代码, 地区名称, 基准(万元), 均值(万元), P10.., 保底概率, 封顶概率
    draws: pd.DataFrame  # the scenario parameters drawn (weights etc.), one row per draw
    seed: int
    infeasible: int  # draws where floors, caps and budget could not all hold (left out of the summary)

    def fan(self) -> pd.DataFrame:
        """Regions sorted by base amount with their quantile columns: what a fan chart draws."""
        return self.summary.sort_values("基准(万元)").reset_index(drop=True)


def quantile_label(q: float) -> str:
    return f"P{q * 100:g}(万元)"


def monte_carlo(prepared: Prepared, ranges: Mapping[str, tuple[float, float]] | None = None,
                errors: list[DataNoise] | None = None, draws: int = 1000, seed: int = 0,
                quantiles: tuple[float, ...] = QUANTILES, executor=None,
                progress: Callable[[int, int], None] | None = None) -> Uncertainty:
    """Draw `draws` scenarios (weights within `ranges`, data within `errors`) and summarise per region.

    Each chunk of draws is reduced to histograms of amounts where it is computed, so a million draws
    over 2,850 counties need no more memory than a few chunks and one histogram per county; the
    quantiles read from the histograms are exact.
    """
    ranges, errors = dict(ranges or {}), list(errors or [])
    _check(prepared, ranges, errors)
    rng = np.random.default_rng(seed)
    params = draw_weights(prepared, ranges, draws, rng)
    scale = DrawnErrors(tuple(errors), seed, prepared.n_regions, draws) if errors else None
    frame = params if not params.empty else pd.DataFrame(index=range(draws))
    acc = evaluate_reduced(prepared, frame, tally, merge, data_scale=scale, size=draws, executor=executor,
                           progress=progress)
    unit = prepared.unit
    summary = pd.DataFrame({"地区代码": prepared.data.codes, "地区名称": prepared.data.names,
                            "基准(万元)": what_if(prepared, {}) * unit})
    if acc is not None and acc.feasible:
        summary["均值(万元)"] = acc.sums / acc.feasible * unit
        for q, values in zip(quantiles, tally_quantiles(acc, quantiles)):
            summary[quantile_label(q)] = values * unit
        summary["保底概率"] = acc.floor / acc.feasible
        summary["封顶概率"] = acc.cap / acc.feasible
    else:
        for col in ["均值(万元)", *map(quantile_label, quantiles), "保底概率", "封顶概率"]:
            summary[col] = np.nan
    return Uncertainty(summary, params, seed, draws - (acc.feasible if acc is not None else 0))
