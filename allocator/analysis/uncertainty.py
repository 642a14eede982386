"""Uncertainty: Monte Carlo over weight ranges and data error, seeded, through the batch engine.

Weights: each factor given a range [low, high] (percent) is drawn uniformly in it; one factor of the
block (the first without a range, else the last) takes 100 % minus the others, and a draw that would
put it outside its own range (or below 0 %) is drawn again — so every scenario keeps the loader's
rule (weights add up to 100 %) and every stated range holds exactly.
Data error: a column given a relative error x gets, per region and draw, a multiplier 1 + ε with
ε ~ Uniform(−x, x) ("uniform") or Normal(0, x) clipped at −99 % ("normal"). The same seed gives the
same draws on every machine (numpy's PCG64).
Results per region: base amount, mean, the chosen quantiles (P10/P50/P90 by default) in 万元, and
the probability that a floor or a cap holds the region.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator.analysis.batch import BatchResult, Prepared, evaluate, parameter, weight_path, what_if
from allocator.errors import InputError, Problem

DISTRIBUTIONS = ("uniform", "normal")
QUANTILES = (0.1, 0.5, 0.9)
MAX_REDRAWS = 200


@dataclass(frozen=True)
class DataError:
    """Relative error on one data column: ±`spread` (uniform) or standard deviation `spread` (normal)."""

    column: str
    spread: float  # share of 1, e.g. 0.05 for ±5 %
    distribution: str = "uniform"


def _check(prepared: Prepared, ranges: Mapping[str, tuple[float, float]], errors: list[DataError]) -> None:
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
    for pb in prepared.blocks:
        paths = {f.id: next((q for q, p in params.items() if p.kind == "weight" and p.block == pb.block.id
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
    out[weight_path(pb.block.id, balance.id)] = rest
    return out


def draw_errors(prepared: Prepared, errors: list[DataError], draws: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Multipliers (draws × regions) per column with an error."""
    n = prepared.n_regions
    out = {}
    for e in errors:
        if e.distribution == "normal":
            eps = np.maximum(rng.normal(0.0, e.spread, (draws, n)), -0.99)
        else:
            eps = rng.uniform(-e.spread, e.spread, (draws, n))
        out[e.column] = 1.0 + eps
    return out


@dataclass(frozen=True)
class Uncertainty:
    """Monte Carlo summary per region (万元), the draws and the batch run."""

    summary: pd.DataFrame  # 地区代码, 地区名称, 基准(万元), 均值(万元), P10.., 保底概率, 封顶概率
    draws: pd.DataFrame  # the scenario parameters drawn (weights etc.), one row per draw
    batch: BatchResult
    seed: int

    def fan(self) -> pd.DataFrame:
        """Regions sorted by base amount with their quantile columns: what a fan chart draws."""
        return self.summary.sort_values("基准(万元)").reset_index(drop=True)


def quantile_label(q: float) -> str:
    return f"P{q * 100:g}(万元)"


def monte_carlo(prepared: Prepared, ranges: Mapping[str, tuple[float, float]] | None = None,
                errors: list[DataError] | None = None, draws: int = 1000, seed: int = 0,
                quantiles: tuple[float, ...] = QUANTILES, executor=None,
                progress: Callable[[int, int], None] | None = None) -> Uncertainty:
    """Draw `draws` scenarios (weights within `ranges`, data within `errors`) and summarise per region."""
    ranges, errors = dict(ranges or {}), list(errors or [])
    _check(prepared, ranges, errors)
    rng = np.random.default_rng(seed)
    params = draw_weights(prepared, ranges, draws, rng)
    scale = draw_errors(prepared, errors, draws, rng)
    frame = params if not params.empty else pd.DataFrame(index=range(draws))
    batch = evaluate(prepared, frame, data_scale=scale or None, executor=executor, progress=progress)
    ok = batch.feasible
    amounts = batch.totals[ok] * prepared.unit
    summary = pd.DataFrame({"地区代码": prepared.data.codes, "地区名称": prepared.data.names,
                            "基准(万元)": what_if(prepared, {}) * prepared.unit,
                            "均值(万元)": amounts.mean(axis=0) if len(amounts) else np.nan})
    for q in quantiles:
        summary[quantile_label(q)] = np.quantile(amounts, q, axis=0) if len(amounts) else np.nan
    summary["保底概率"] = batch.at_floor[ok].mean(axis=0) if ok.any() else np.nan
    summary["封顶概率"] = batch.at_cap[ok].mean(axis=0) if ok.any() else np.nan
    summary.attrs["infeasible_draws"] = int((~ok).sum())
    return Uncertainty(summary, params, batch, seed)
