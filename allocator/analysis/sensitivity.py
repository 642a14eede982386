"""Sensitivity: how each region's amount moves with the weights, and the incentive a county faces.

- Tornado data: every factor weight moved up and down by a number of points (5 by default), the
  other weights of the same block giving or taking the difference in proportion to their size, so
  the weights still add up to 100 %. Every amount is a full run of the batch engine (floors, caps,
  rounding), so a region held by a floor or a cap shows no change.
- Incentives: 万元 a county gains per extra unit of one of its own figures (one more 低保对象, one
  more 万元 of own input, one more point of performance score), everything else fixed. The
  derivative is taken on the constrained amounts before rounding (a one-unit change is far smaller
  than the rounding unit), through the whole formula: the county's own share rises, every share is
  renormalised, and the water-filling spreads the budget again. Where a cap holds the county the
  incentive is zero; where a floor holds it, zero until the formula lifts it above the floor.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator.analysis.batch import (
    BatchResult,
    Prepared,
    PreparedBlock,
    block_params,
    evaluate,
    formula_blocks,
    targets,
    unit_bounds,
    weight_path,
    what_if,
)
from allocator.engine.pipeline import binding
from allocator.errors import InputError, Problem
from allocator.solver import water_fill

STEP_POINTS = 5.0  # ± percentage points
ROWS = 256  # regions perturbed per pass of the incentive derivative
INCENTIVES = {  # column → (label, step in the column's unit)
    "dibao_rural": ("每增加1名低保对象(万元)", 1.0),
    "local_input": ("每增加1万元本级投入(万元)", 1.0),
    "performance_score": ("每提高1分绩效得分(万元)", 1.0),
}


def moved_weights(weights: dict[str, float], key: str, points: float) -> dict[str, float] | None:
    """Weights (in %) with `key` moved by `points`, the others giving or taking the difference pro rata.

    None when the move is impossible (the weight would leave 0–100 %, or the others have nothing to give).
    """
    new = weights[key] + points
    others = {k: v for k, v in weights.items() if k != key}
    rest = sum(others.values())
    if not 0 <= new <= 100 or (points > 0 and rest <= 0) or not others:
        return None
    if rest > 0:
        moved = {k: v * (100 - new) / rest for k, v in others.items()}
    else:
        moved = {k: (100 - new) / len(others) for k in others}
    moved[key] = new
    return moved


def tornado_scenarios(prepared: Prepared, points: float = STEP_POINTS) -> tuple[pd.DataFrame, list[tuple[str, str, float]]]:
    """One scenario per (factor, ±points): the table of weights and what each row moved."""
    rows, labels = [], []
    for pb in formula_blocks(prepared):
        weights = {weight_path(pb.block, f.id): f.weight * 100 for f in pb.block.factors}
        if len(weights) < 2:
            continue
        for f in pb.block.factors:
            for sign in (+1, -1):
                moved = moved_weights(weights, weight_path(pb.block, f.id), sign * points)
                if moved is not None:
                    rows.append(moved)
                    labels.append((weight_path(pb.block, f.id), f.label, sign * points))
    frame = pd.DataFrame(rows).fillna({})
    for pb in formula_blocks(prepared):  # blocks a row does not move keep their base weights
        for f in pb.block.factors:
            path = weight_path(pb.block, f.id)
            if path in frame:
                frame[path] = frame[path].fillna(f.weight * 100)
    return frame, labels


@dataclass(frozen=True)
class Tornado:
    """Long table for a tornado chart, and the batch run behind it."""

    frame: pd.DataFrame  # 地区代码, 地区名称, 因素, 参数, 权重变化(百分点), 基准(万元), 情景(万元), 变化(万元), 变化率
    batch: BatchResult

    def for_region(self, code: str) -> pd.DataFrame:
        """One region's bars, largest swing first (what a tornado chart draws); a code not in the data is refused."""
        rows = self.frame[self.frame["地区代码"] == code]
        if rows.empty and not self.frame.empty:
            raise InputError([Problem(f"数据中没有地区 {code}", key="region", region=code, value=code)])
        swing = rows.groupby("因素")["变化(万元)"].transform(lambda v: v.abs().max())
        return rows.assign(_swing=swing).sort_values("_swing", ascending=False).drop(columns="_swing")


def tornado(prepared: Prepared, points: float = STEP_POINTS, executor=None) -> Tornado:
    """Each region's amount with each weight moved ±`points` points (万元); base = the policy as written."""
    if not (math.isfinite(points) and 0 < points < 100):
        raise InputError([Problem(f"权重调整幅度 {points:g} 个百分点应大于 0 且小于 100", key="points", value=points)])
    frame, labels = tornado_scenarios(prepared, points)
    base_units = what_if(prepared, {})
    batch = evaluate(prepared, frame if not frame.empty else pd.DataFrame(index=[0]), executor=executor)
    unit, codes, names = prepared.unit, prepared.data.codes, prepared.data.names
    parts = []
    for s, (path, label, moved) in enumerate(labels):
        amount = batch.totals[s] * unit
        change = amount - base_units * unit
        parts.append(pd.DataFrame({
            "地区代码": codes, "地区名称": names, "因素": label, "参数": path, "权重变化(百分点)": moved,
            "基准(万元)": base_units * unit, "情景(万元)": np.where(batch.feasible[s], amount, np.nan),
            "变化(万元)": np.where(batch.feasible[s], change, np.nan),
            "变化率": np.where(batch.feasible[s] & (base_units > 0), change / np.maximum(base_units * unit, 1e-12), np.nan),
        }))
    return Tornado(pd.concat(parts, ignore_index=True), batch)


# ---------------------------------------------------------------- incentives (marginal 万元 per unit)

def _constrained(pb: PreparedBlock, prepared: Prepared, cols: dict[str, np.ndarray] | None, c: int):
    """Constrained amounts before rounding (万元), c scenarios of the base policy on `cols`."""
    bp = block_params(pb, [], {}, c)
    t = targets(pb, bp, cols) / prepared.unit
    lo, hi = unit_bounds(pb, bp, prepared.data.codes, prepared.unit)
    total = np.round(bp.budget / prepared.unit)
    fill = water_fill(t, lo, hi, total)
    _, held_cap = binding(fill.line, lo, hi)
    return fill.x * prepared.unit, held_cap


def marginal_gain(prepared: Prepared, column: str, step: float = 1.0) -> np.ndarray:
    """万元 each region gains per `step` more of `column` in its own data (all blocks; 0 if unused)."""
    gain = np.zeros(prepared.n_regions)
    for pb in prepared.blocks:
        if column not in pb.columns:
            continue
        m = len(pb.index)
        base_x, _ = _constrained(pb, prepared, None, 1)
        for start in range(0, m, ROWS):  # a few hundred perturbed copies of one column at a time
            rows = np.arange(start, min(m, start + ROWS))
            cols = dict(pb.columns)
            cols[column] = np.broadcast_to(pb.columns[column], (len(rows), m)).copy()
            cols[column][np.arange(len(rows)), rows] += step
            x, held_cap = _constrained(pb, prepared, cols, len(rows))
            own = x[np.arange(len(rows)), rows] - base_x[0, rows]
            gain[pb.index[rows]] += np.where(held_cap[np.arange(len(rows)), rows], 0.0, own) / step
    return gain


def incentive_columns(prepared: Prepared) -> dict[str, tuple[str, float]]:
    """The incentive figures this policy can show: 低保 (rural, else urban), own input, performance."""
    used = {c for pb in prepared.blocks for c in pb.columns}
    out = {}
    dibao = next((c for c in ("dibao_rural", "dibao_urban") if c in used), None)
    if dibao:
        out[dibao] = ("每增加1名低保对象(万元)", 1.0)
    for col in ("local_input", "performance_score"):
        if col in used:
            out[col] = INCENTIVES[col]
    return out


def incentives(prepared: Prepared, columns: dict[str, tuple[str, float]] | None = None) -> pd.DataFrame:
    """Per region: the marginal 万元 for each incentive figure, and whether a floor or cap holds it."""
    columns = incentive_columns(prepared) if columns is None else columns
    base = evaluate(prepared, pd.DataFrame(index=[0]))
    frame = pd.DataFrame({"地区代码": prepared.data.codes, "地区名称": prepared.data.names,
                          "分配额(万元)": base.totals[0] * prepared.unit})
    for col, (label, step) in columns.items():
        frame[label] = marginal_gain(prepared, col, step)
    frame["约束"] = np.where(base.at_cap[0], "封顶", np.where(base.at_floor[0], "保底", ""))
    return frame
