"""The money as it moves: settlement against advances, province → 市州 → counties (two tiers) compared with
the direct path, and the 区域绩效目标表.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from allocator.dataset.reference import parent_map
from allocator.engine import AllocationResult, RegionData, allocate
from allocator.errors import DataError, Problem
from allocator.funds import (
    RegionTargets,
    SettlementResult,
    TwoTierResult,
    allocate_two_tier,
    compare_paths,
    target_tables,
)
from allocator.funds import settle as settle_funds
from allocator.policy import Policy
from allocator.usecases.references import DataRef, Inputs, PolicyRef, load_inputs


def settle(inputs: Inputs, rule: str | None = None) -> SettlementResult:
    """全年 | 提前下达 | 此次下达 under the policy's rule (or `rule`) for advances above the full year."""
    return settle_funds(inputs.policy, inputs.data, rule=rule)


def region_parents(frame: pd.DataFrame, strict: bool = True) -> tuple[dict[str, str], dict[str, str]]:
    """County → prefecture links: the table's parent_code column if it has one, else the Sichuan list.
    `strict` (two tiers): every county must have one, and those without are named; otherwise (tables
    with 市州 subtotals) regions without a known prefecture are simply listed on their own."""
    _, names = parent_map()
    if "parent_code" in frame.columns:
        parents = frame["parent_code"].map(lambda v: "" if pd.isna(v) else str(v).strip())
        parent_of = {c: p for c, p in zip(frame["code"].astype(str), parents) if p}
    else:
        parent_of, _ = parent_map()
    orphans = [(c, n) for c, n in zip(frame["code"].astype(str), frame.get("name", frame["code"]).astype(str))
               if c not in parent_of]
    if orphans and strict:
        shown = "、".join(f"{c} {n}" for c, n in orphans[:10]) + (f" 等 {len(orphans)} 个" if len(orphans) > 10 else "")
        raise DataError([Problem(f"无法确定所属市州的地区：{shown}（不在四川区划名单中）；请在数据中给出 parent_code（上级代码）列",
                                 key="parent_code")])
    return parent_of, {p: names.get(p, p) for p in set(parent_of.values())}


@dataclass(frozen=True)
class TwoTierReport:
    two_tier: TwoTierResult
    comparison: pd.DataFrame  # per county: two_tier_total, direct_total, difference, difference_share
    note: str | None
    n_changed: int  # counties whose amount differs between the two paths
    abs_difference: float  # 万元, sum of absolute differences
    max_difference: float  # 万元, largest absolute difference


def two_tiers(policy: PolicyRef, data: DataRef | None = None, city_share_percent: float = 0.0,
              direct: str | tuple[str, ...] = (), relax: bool = False,
              store: str | Path | None = None) -> TwoTierReport:
    """Province → 市州 → counties, compared county by county with allocating straight to counties.

    `direct`: 省直管县 codes (a tuple, or text separated by commas); `city_share_percent`: the share of
    each prefecture's amount kept for 市本级, in percent.
    """
    inputs = load_inputs(policy, data, store=store)
    counties = inputs.source.frame
    parent_of, names = region_parents(counties)
    codes = tuple(c.strip() for c in direct.split(",")) if isinstance(direct, str) else tuple(direct)
    codes = tuple(c for c in codes if c)
    result = allocate_two_tier(inputs.policy, counties, parent_of, names, direct=codes,
                               city_share=city_share_percent / 100, relax_infeasible=relax)
    comparison = compare_paths(result, allocate(inputs.policy, inputs.data))
    moved = comparison.dropna(subset=["difference"])
    digits = inputs.policy.rounding.decimals
    diff = moved["difference"].round(digits)
    return TwoTierReport(result, comparison, inputs.note, int((diff != 0).sum()),
                         float(diff.abs().sum()), float(diff.abs().max()) if len(diff) else 0.0)


@dataclass(frozen=True)
class TargetsReport:
    tables: list[RegionTargets]
    title: str  # e.g. 2020年中央和省级财政医疗救助补助资金区域绩效目标表
    note: str | None
    result: AllocationResult  # the allocation the tables were made from
    data: RegionData


def targets_title(policy: Policy) -> str:
    """The target table's title from the allocation table's title: …分配表 → …区域绩效目标表."""
    stem = policy.title.removeprefix(f"{policy.year}年").removesuffix("分配表")
    return f"{policy.year}年{stem}区域绩效目标表"


def targets(inputs: Inputs) -> TargetsReport:
    """One 区域绩效目标表 per region, from the policy's [performance] section."""
    result = allocate(inputs.policy, inputs.data)
    return TargetsReport(target_tables(result, inputs.data), targets_title(inputs.policy), inputs.note, result,
                         inputs.data)
