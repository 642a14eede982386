"""Multi-year pace of change: from last year's amounts toward the formula target under floors and caps.

Year 1 is the policy as written on its data. Each following year takes the previous year's amounts,
pool by pool, as its 基数 (so the floor and cap shares apply to them), with the same formula data and
pool totals grown by `growth` % a year. The formula target of a year is the corrected formula amount
before floors and caps (trace stage `corrected`, summed over the blocks); the distance from target is
(amount − target) / target, as NHS England reports its allocations' "distance from target". A region is
held back in a year when a floor or a cap decides its amount (it may then sit on either side of its
formula target: the bounds of the others move the multiplier the free regions share); the allocation
has converged in the first year when nothing holds any region (every amount is its target up to
rounding). A floor of 100 % of last year (hold harmless) can keep a region above its target for ever.
Every year is a full single run (`allocate`), so the amounts are exact.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator.engine import AllocationResult, RegionData, allocate
from allocator.errors import InputError, Problem
from allocator.policy import apply_overrides
from allocator.policy.model import Binding, Policy

YEARS = (3, 5)  # the horizon a planner asks about, inclusive
# Yearly growth of the pool totals, % (lower bound exclusive): −100 % would leave nothing to allocate,
# and more than doubling every year for up to 20 years is no plan (and 1e308 % overflows the totals).
GROWTH = (-100.0, 100.0)


def target_amounts(result: AllocationResult) -> np.ndarray:
    """Formula target per region (万元): the `corrected` stage of every block, before floors and caps."""
    keys = [k for k in result.trace if k == "corrected" or k.endswith(":corrected")]
    return np.nansum([np.asarray(result.trace[k], dtype=float) for k in keys], axis=0)


def held_codes(result: AllocationResult) -> np.ndarray:
    """Per region: 保底 / 封顶 where a floor or a cap holds it in some block, else ''."""
    floor = np.zeros(len(result.codes), dtype=bool)
    cap = np.zeros(len(result.codes), dtype=bool)
    for key, codes in result.trace.items():
        if key == "binding" or key.endswith(":binding"):
            floor |= codes == Binding.FLOOR.value
            cap |= codes == Binding.CAP.value
    return np.where(cap, "封顶", np.where(floor, "保底", ""))


def next_year_data(policy: Policy, data: RegionData, result: AllocationResult) -> RegionData:
    """The data with each pool's base column replaced by this year's amounts of that pool (万元)."""
    columns = dict(data.columns)
    amounts = result.to_wan(result.amounts)
    for block in policy.blocks:
        cols = [j for j, p in enumerate(policy.pools) if p in block.pools]
        if block.constraints.base_column:
            columns[block.constraints.base_column] = amounts[:, cols].sum(axis=1)
            continue
        for j in cols:
            column = policy.pools[j].base_column
            if column:
                columns[column] = amounts[:, j]
    return RegionData(data.codes, data.names, columns)


def grown(policy: Policy, growth: float, year: int) -> Policy:
    """Pool totals grown by `growth` % a year for `year` − 1 years (万元, rounded to the rounding unit)."""
    if growth == 0 or year == 1:
        return policy
    unit = policy.rounding.unit
    factor = (1 + growth / 100) ** (year - 1)
    return apply_overrides(policy, {f"pools.{p.id}.total": round(p.total * factor / unit) * unit
                                    for p in policy.pools})


@dataclass(frozen=True)
class Pace:
    """Year by year: amounts, targets, distance from target and who is held back."""

    years: pd.DataFrame  # 年度, 地区代码, 地区名称, 分配额(万元), 目标额(万元), 距目标(万元), 距目标比例, 约束
    summary: pd.DataFrame  # 年度, 保底地区数, 封顶地区数, 距目标合计(万元), 最大距目标比例
    converged_year: int | None  # first year nothing is held, None within the horizon

    def held_back(self, year: int | None = None) -> pd.DataFrame:
        """Regions a floor or cap holds in `year` (default: the last), farthest from target first."""
        year = int(self.years["年度"].max()) if year is None else year
        rows = self.years[(self.years["年度"] == year) & (self.years["约束"] != "")]
        return rows.reindex(rows["距目标比例"].abs().sort_values(ascending=False).index)

    def path(self, code: str) -> pd.DataFrame:
        """One region's amounts and targets year by year."""
        return self.years[self.years["地区代码"] == code].reset_index(drop=True)


def pace(policy: Policy, data: RegionData, years: int = 5, growth: float = 0.0) -> Pace:
    """Run `years` years from last year's amounts toward the formula target; see the module docstring."""
    if not 1 <= years <= 20:
        raise InputError([Problem(f"年数 {years} 应在 1 到 20 之间", key="years", value=years)])
    if not (math.isfinite(growth) and GROWTH[0] < growth <= GROWTH[1]):
        raise InputError([Problem(f"资金总额年增长率 {growth:g}% 应大于 {GROWTH[0]:g}% 且不超过 {GROWTH[1]:g}%",
                                  key="growth", value=growth)])
    if not any(b.base_columns for b in policy.blocks):
        raise InputError([Problem("政策没有上年基数列，无法测算逐年调整", key="base_column")])
    frames, rows = [], []
    converged = None
    current = data
    for year in range(1, years + 1):
        pol = grown(policy, growth, year)
        result = allocate(pol, current)
        amount = result.to_wan(result.amounts.sum(axis=1))
        target = target_amounts(result)
        held = held_codes(result)
        gap = amount - target
        share = np.divide(gap, target, out=np.full(len(gap), np.nan), where=target > 0)
        frames.append(pd.DataFrame({"年度": year, "地区代码": result.codes, "地区名称": result.names,
                                    "分配额(万元)": amount, "目标额(万元)": target, "距目标(万元)": gap,
                                    "距目标比例": share, "约束": held}))
        rows.append({"年度": year, "保底地区数": int((held == "保底").sum()), "封顶地区数": int((held == "封顶").sum()),
                     "距目标合计(万元)": float(np.abs(gap).sum() / 2), "最大距目标比例": float(np.nanmax(np.abs(share)))})
        if converged is None and not (held != "").any():
            converged = year
        current = next_year_data(pol, current, result)
    return Pace(pd.concat(frames, ignore_index=True), pd.DataFrame(rows), converged)
