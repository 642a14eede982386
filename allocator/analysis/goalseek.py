"""Goal-seeking: the factor weights, within allowed ranges, that best meet a stated goal.

Goals (each a score to minimise over complete runs — floors, caps and rounding included):

- `losers`: fewest regions losing more than X % against last year (基数); ties broken by the total
  loss beyond X %, so among equal counts the gentler allocation wins.
- `alignment`: per-head aid most closely aligned with need — the share of the money that would have
  to move for every region's amount to be proportional to its need (½ Σ |a_i/A − n_i/N|, in %; need =
  the raw value of the block's first factor, e.g. 困难群众人数).
- `deep_poverty_minimum`: every deep-poverty county at least M 万元 (fewest below, then the smallest
  total shortfall); with no M, the largest possible minimum among them.

Method — a documented search over the batch engine, not an LP: the allocation is piecewise linear
in the weights (water-filling, then rounding), so each candidate is evaluated exactly. Every
weight with a range but one (the block's balancing factor, which takes 100 % minus the others) runs
over a grid of `step` points; the best candidates are refined on grids of step/5 and step/25 around
them. The test checks the result against an exhaustive grid at the finest step on a small case.
The report says which goal is met, by how much against the policy as written, and which range
bound stops the search doing better (relaxing it by one step improves the score) — or, if none
does, that floors and caps (or the data) limit it.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from allocator.analysis.batch import BatchResult, Prepared, evaluate, formula_blocks, parameter, weight_path
from allocator.analysis.limits import check_scenarios, check_search_points, grid_points
from allocator.errors import InputError, Problem

GOALS = {
    "losers": "降幅超过阈值的地区最少",
    "alignment": "人均补助与需求最一致",
    "deep_poverty_minimum": "深度贫困县不低于最低额",
}
REFINE = (5, 25)  # refinement divisors of the step
KEEP = 5  # candidates refined at each stage


@dataclass(frozen=True)
class Goal:
    kind: str  # one of GOALS
    threshold: float = 5.0  # losers: loss beyond this many % of last year's amount counts
    minimum: float | None = None  # deep_poverty_minimum: 万元 per county; None = as high as possible
    regions: tuple[str, ...] | None = None  # deep_poverty_minimum: counties (default: the data's flag)

    def describe(self) -> str:
        if self.kind == "losers":
            return f"较上年降幅超过 {self.threshold:g}% 的地区最少"
        if self.kind == "alignment":
            return "人均补助与需求最一致（需调整的资金占比最小）"
        if self.minimum is None:
            return "深度贫困县的最低分配额尽可能高"
        return f"每个深度贫困县不低于 {self.minimum:g} 万元"


# ---------------------------------------------------------------- goal scores over a batch

def last_year(prepared: Prepared) -> np.ndarray:
    """Last year's amount per region over all blocks (万元)."""
    base = np.zeros(prepared.n_regions)
    for pb in prepared.blocks:
        base[pb.index] += pb.base
    return base


def need_values(prepared: Prepared) -> np.ndarray:
    """The first factor's raw value per region (e.g. 困难群众人数), summed over components."""
    f = prepared.blocks[0].block.factors[0]
    need = np.zeros(prepared.n_regions)
    for c in f.components:
        need = need + c.weight * prepared.data.columns[c.column]
    return need


def deep_poverty_regions(prepared: Prepared, goal: Goal) -> np.ndarray:
    """Mask of the deep-poverty counties: listed in the goal, else the data's deep_poverty_county flag,
    else the regions of an earmarked pool with a list of eligible regions."""
    codes = prepared.data.codes
    if goal.regions is not None:
        return np.isin(codes, list(goal.regions))
    if "deep_poverty_county" in prepared.data.columns:
        return prepared.data.columns["deep_poverty_county"] != 0
    for pb in prepared.blocks:
        if pb.block.eligible_regions is not None:
            mask = np.zeros(len(codes), dtype=bool)
            mask[pb.index] = True
            return mask
    raise InputError([Problem("无法确定深度贫困县：数据没有 deep_poverty_county 列，政策也没有限定地区的资金池，"
                              "请列出县代码", key="regions")])


def scores(prepared: Prepared, goal: Goal, batch: BatchResult) -> tuple[np.ndarray, np.ndarray]:
    """(score to minimise, headline figure) per scenario; infeasible scenarios score +inf."""
    amounts = batch.totals * prepared.unit
    if goal.kind == "losers":
        base = last_year(prepared)
        if not base.any():
            raise InputError([Problem("政策没有上年基数列，无法计算较上年的降幅", key="goal")])
        limit = base * (1 - goal.threshold / 100)
        losing = (amounts < limit - 1e-9) & (base > 0)
        beyond = np.where(losing, limit - amounts, 0.0).sum(axis=1)
        figure = losing.sum(axis=1).astype(float)
        score = figure + beyond / (base.sum() + 1.0)
    elif goal.kind == "alignment":
        need = need_values(prepared)
        share = amounts / amounts.sum(axis=1, keepdims=True)
        figure = 50.0 * np.abs(share - need / need.sum()).sum(axis=1)  # % of the money
        score = figure
    elif goal.kind == "deep_poverty_minimum":
        mask = deep_poverty_regions(prepared, goal)
        low = amounts[:, mask].min(axis=1)
        if goal.minimum is None:
            figure, score = low, -low
        else:
            gap = np.maximum(goal.minimum - amounts[:, mask], 0.0)
            figure = (gap > 0).sum(axis=1).astype(float)
            score = figure + gap.sum(axis=1) / (goal.minimum * mask.sum() + 1.0)
    else:
        raise InputError([Problem(f"目标「{goal.kind}」不可用，应为 {' / '.join(GOALS)} 之一", key="goal")])
    return np.where(batch.feasible, score, np.inf), figure


# ---------------------------------------------------------------- the search

@dataclass(frozen=True)
class Space:
    """The weights searched: per block, the drawn factors (with ranges) and the balancing one."""

    drawn: tuple[str, ...]  # override paths on the grid
    ranges: dict[str, tuple[float, float]]  # path → (low, high) in %, balancing factors included
    balance: dict[str, tuple[str, ...]]  # balancing path → the drawn paths of its block
    fixed: dict[str, float]  # balancing path → % held by factors of its block without a range


def space(prepared: Prepared, ranges: Mapping[str, tuple[float, float]]) -> Space:
    """Split the ranges into grid axes and one balancing factor per block (see the module docstring)."""
    problems = []
    params = {path: parameter(prepared.policy, path) for path in ranges}
    for path, p in params.items():
        low, high = ranges[path]
        if p.kind != "weight":
            problems.append(Problem(f"目标寻优只调整因素权重，{path} 不是权重", key=path))
        elif not 0 <= low <= high <= 100:
            problems.append(Problem(f"权重 {path} 的范围 {low:g}–{high:g} 应满足 0 ≤ 下限 ≤ 上限 ≤ 100", key=path))
    if problems:
        raise InputError(problems)
    drawn, all_ranges, balance, fixed = [], dict(ranges), {}, {}
    for pb in formula_blocks(prepared):
        paths = [weight_path(pb.block, f.id) for f in pb.block.factors]
        if not any(p in ranges for p in paths):
            continue
        free = [p for p in paths if p not in ranges]
        bal = free[0] if free else paths[-1]
        all_ranges.setdefault(bal, (0.0, 100.0))
        others = [p for p in paths if p != bal and p in ranges]
        drawn += others
        balance[bal] = tuple(others)
        fixed[bal] = sum(f.weight * 100 for f in pb.block.factors
                         if weight_path(pb.block, f.id) not in ranges and weight_path(pb.block, f.id) != bal)
    return Space(tuple(drawn), all_ranges, balance, fixed)


def grid(sp: Space, step: float, around: Mapping[str, float] | None = None, width: float | None = None,
         ranges: Mapping[str, tuple[float, float]] | None = None) -> pd.DataFrame:
    """Every grid point (weights in %) within the ranges whose balancing weights fall in theirs."""
    ranges = sp.ranges if ranges is None else ranges
    bounds = []
    for path in sp.drawn:
        low, high = ranges[path]
        if around is not None and width is not None:
            low, high = max(low, around[path] - width), min(high, around[path] + width)
        bounds.append((low, grid_points(low, high, step)))
    check_search_points(math.prod(n for _, n in bounds) if bounds else 0)  # before any axis is built
    axes = [np.round(low + step * np.arange(int(n)), 10) for low, n in bounds]
    points = np.array(list(itertools.product(*axes))) if axes else np.empty((0, 0))
    frame = pd.DataFrame(points, columns=list(sp.drawn))
    keep = np.ones(len(frame), dtype=bool)
    for bal, others in sp.balance.items():
        value = 100 - sp.fixed[bal] - frame[list(others)].sum(axis=1).to_numpy()
        low, high = ranges[bal]
        keep &= (value >= low - 1e-9) & (value <= high + 1e-9)
        frame[bal] = np.round(value, 10)
    return frame[keep].reset_index(drop=True)


def _best(prepared, goal, frame: pd.DataFrame, executor=None):
    check_scenarios(len(frame), prepared.n_regions, "目标寻优的搜索网格")  # the batch keeps every amount
    batch = evaluate(prepared, frame, executor=executor)
    score, figure = scores(prepared, goal, batch)
    order = np.lexsort((np.arange(len(score)), score))
    return frame, score, figure, order


def search(prepared: Prepared, goal: Goal, sp: Space, step: float = 1.0, executor=None,
           ranges: Mapping[str, tuple[float, float]] | None = None) -> tuple[dict[str, float], float, float, int]:
    """Best weights found by the coarse grid and its refinements: (weights, score, figure, evaluations)."""
    frame = grid(sp, step, ranges=ranges)
    if frame.empty:
        raise InputError([Problem("权重范围内没有权重之和为 100% 的组合", key="ranges")])
    frame, score, figure, order = _best(prepared, goal, frame, executor)
    seen = [frame.assign(_score=score, _figure=figure)]
    evaluations = len(frame)
    for divisor in REFINE:
        fine = step / divisor
        around = [frame.iloc[i] for i in order[:KEEP]]
        parts = [grid(sp, fine, around=a, width=step / (divisor // 5 if divisor > 5 else 1), ranges=ranges)
                 for a in around]
        frame = pd.concat(parts, ignore_index=True).drop_duplicates().reset_index(drop=True)
        frame, score, figure, order = _best(prepared, goal, frame, executor)
        evaluations += len(frame)
        seen.append(frame.assign(_score=score, _figure=figure))
    table = pd.concat(seen, ignore_index=True)
    i = int(np.lexsort((np.arange(len(table)), table["_score"].to_numpy()))[0])
    weights = {c: float(table.iloc[i][c]) for c in frame.columns}
    return weights, float(table.iloc[i]["_score"]), float(table.iloc[i]["_figure"]), evaluations


@dataclass(frozen=True)
class GoalResult:
    goal: Goal
    weights: dict[str, float]  # best weights found, %
    figure: float  # the goal's headline figure at those weights
    base_figure: float  # the same with the policy as written
    met: bool
    limiting: list[tuple[str, str, float, float]]  # (path, "下限"/"上限", bound, figure if relaxed by a step)
    evaluations: int
    allocation: pd.DataFrame  # per region at the best weights: 基数, 分配额, 变化率, 约束
    notes: list[str] = field(default_factory=list)


def figure_text(goal: Goal, value: float) -> str:
    if goal.kind == "losers":
        return f"{value:g} 个地区降幅超过 {goal.threshold:g}%"
    if goal.kind == "alignment":
        return f"需调整的资金占比 {value:.3f}%"
    if goal.minimum is None:
        return f"深度贫困县最低分配额 {value:,.2f} 万元"
    return f"{value:g} 个深度贫困县低于 {goal.minimum:g} 万元"


def seek(prepared: Prepared, goal: Goal, ranges: Mapping[str, tuple[float, float]], step: float = 1.0,
         executor=None) -> GoalResult:
    """The weights within `ranges` that best meet `goal`, with what limits them; see the module docstring."""
    if goal.kind not in GOALS:
        raise InputError([Problem(f"目标「{goal.kind}」不可用，应为 {' / '.join(GOALS)} 之一", key="goal")])
    sp = space(prepared, ranges)
    weights, score, figure, evaluations = search(prepared, goal, sp, step, executor)
    base_batch = evaluate(prepared, pd.DataFrame(index=[0]))
    base_score, base_figure = scores(prepared, goal, base_batch)
    limiting = _limiting(prepared, goal, sp, weights, score, step, executor)
    best = evaluate(prepared, pd.DataFrame([weights]))
    met = _met(goal, figure, float(base_figure[0]))
    notes = [f"目标：{goal.describe()}。",
             f"按政策原权重：{figure_text(goal, float(base_figure[0]))}；最优权重：{figure_text(goal, figure)}。",
             "最优权重：" + "，".join(f"{k} = {v:g}%" for k, v in weights.items()) + "。"]
    if limiting:
        notes += [f"限制因素：{p} 的{side} {b:g}%——放宽 {step:g} 个百分点可达 {figure_text(goal, f)}"
                  + ("（同一数字，但差距更小）" if f == figure else "") + "。" for p, side, b, f in limiting]
    else:
        held = int(best.at_floor[0].sum() + best.at_cap[0].sum())
        notes.append(f"权重范围不是限制因素：放宽任一范围边界一步也不能改进；{held} 个地区由保底或封顶决定，"
                     "剩余差距来自保底封顶与数据本身。")
    return GoalResult(goal, weights, figure, float(base_figure[0]), met, limiting, evaluations,
                      _allocation(prepared, best), notes)


def _met(goal: Goal, figure: float, base_figure: float) -> bool:
    if goal.kind == "losers":
        return figure == 0
    if goal.kind == "deep_poverty_minimum" and goal.minimum is not None:
        return figure == 0
    return figure <= base_figure if goal.kind == "alignment" else figure >= base_figure


def _limiting(prepared, goal, sp: Space, weights, score, step, executor) -> list[tuple[str, str, float, float]]:
    """Range bounds the best weights sit on whose relaxation by one step improves the score."""
    out = []
    for path, (low, high) in sp.ranges.items():
        for side, bound, relaxed in (("下限", low, (max(0.0, low - step), high)),
                                     ("上限", high, (low, min(100.0, high + step)))):
            if abs(weights[path] - bound) > 1e-9 or relaxed == (low, high):
                continue
            wider = {**sp.ranges, path: relaxed}
            _, s, f, _ = search(prepared, goal, sp, step, executor, ranges=wider)
            if s < score - 1e-12:
                out.append((path, side, bound, f))
    return out


def _allocation(prepared: Prepared, batch: BatchResult) -> pd.DataFrame:
    base = last_year(prepared)
    amount = batch.totals[0] * prepared.unit
    return pd.DataFrame({
        "地区代码": prepared.data.codes, "地区名称": prepared.data.names, "上年(万元)": base, "分配额(万元)": amount,
        "变化率": np.where(base > 0, amount / np.where(base > 0, base, 1) - 1, np.nan),
        "约束": np.where(batch.at_cap[0], "封顶", np.where(batch.at_floor[0], "保底", "")),
    })
