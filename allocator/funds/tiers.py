"""Two tiers: province → prefecture (市州) → county, and the direct-to-county mode to compare against.

The province allocates to the prefectures from their counties' figures added up (省直管县 take part as
prefecture-level recipients); each prefecture then splits what it received among its counties by the
province's policy or its own, optionally keeping a share for 市本级. Prefectures pass the money on within
30 days of receiving it (《中华人民共和国预算法》第五十二条, 全国人民代表大会常务委员会, 2018-12-29 修正) and
may add their own.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from allocator.dataset.aggregate import aggregate
from allocator.engine import AllocationResult, RegionData, allocate
from allocator.engine.pipeline import SHARED, base_amounts, bounds, to_unit_bounds
from allocator.errors import InfeasibleError, InputError, Problem
from allocator.policy.derive import (
    UPPER_SOURCE,
    with_eligible_regions,
    with_own_formula,
    with_region_bounds,
    without_constraints,
)
from allocator.policy.derive import with_pool_totals as _with_pool_totals
from allocator.policy.model import Correction, Factor, Policy


def with_pool_totals(policy: Policy, totals: dict[str, float], title: str | None = None) -> Policy:
    """The same policy with new pool totals (万元); pools given 0 are dropped. Source: 上级分配结果."""
    return _with_pool_totals(policy, totals, title, UPPER_SOURCE)


@dataclass(frozen=True)
class TwoTierResult:
    top: AllocationResult  # province → prefectures (and 省直管县)
    lower: dict[str, AllocationResult]  # prefecture code → its county allocation
    city_units: dict[str, np.ndarray]  # prefecture code → units kept for 市本级, per pool
    parent_of: dict[str, str]
    notes: list[str] = field(default_factory=list)

    def county_table(self) -> pd.DataFrame:
        """Every final recipient: counties (via their prefecture or directly) and 市本级, per pool, 万元."""
        pools = self.top.policy.pools
        rows = []
        top = self.top.table().set_index("code")
        for code in self.top.codes:
            if code in self.lower:
                lower = self.lower[code]
                for _, r in lower.table().iterrows():
                    rows.append({"code": r["code"], "name": r["name"], "parent_code": code,
                                 "path": "经市州", **{p.id: r.get(p.id, 0) for p in pools}})
                city = self.city_units.get(code)
                if city is not None and city.sum() > 0:
                    rows.append({"code": code, "name": f"{top.loc[code, 'name']}本级", "parent_code": code,
                                 "path": "市本级", **dict(zip([p.id for p in pools], self.top.to_wan(city)))})
            else:
                rows.append({"code": code, "name": top.loc[code, "name"], "parent_code": code,
                             "path": "省直管", **{p.id: top.loc[code, p.id] for p in pools}})
        frame = pd.DataFrame(rows).fillna(0)
        ids = [p.id for p in pools]
        units = np.rint(frame[ids].to_numpy(dtype=float) / self.top.unit).astype(np.int64)
        frame["total"] = self.top.to_wan(units.sum(axis=1))  # from integer units: exact for 0.01 too
        return frame


def allocate_two_tier(policy: Policy, counties: pd.DataFrame, parent_of: dict[str, str],
                      parent_names: dict[str, str], direct: tuple[str, ...] = (),
                      county_policies: dict[str, Policy] | None = None, city_share: float = 0.0,
                      relax_infeasible: bool = False, method: str = "fast") -> TwoTierResult:
    """Province → prefectures (aggregated county figures; `direct` counties as their own recipients) →
    counties. `county_policies` lets a prefecture use its own policy; `city_share` (share of 1) of each
    prefecture's amount per pool stays with 市本级 (rounded down to the unit). If a prefecture's floors
    and caps cannot hold on what it received, `relax_infeasible` splits it without them (and says so);
    otherwise the explained InfeasibleError is raised, naming the prefecture."""
    counties = counties.assign(code=counties["code"].astype(str))
    _check_tier_options(counties, parent_of, direct, city_share)
    is_direct = counties["code"].isin(direct)
    top_rows = pd.concat([aggregate(counties[~is_direct], parent_of, parent_names), counties[is_direct]],
                         ignore_index=True).drop(columns=["parent_code"], errors="ignore")
    top_policy, top_rows = eligible_only_figures(lift_eligibility(policy, parent_of), policy, counties,
                                                 top_rows, parent_of, parent_names, is_direct)
    top_policy = with_county_bounds(top_policy, policy, counties[~is_direct], parent_of)
    top = allocate(top_policy, top_rows, method, partial=True)
    unit = policy.rounding.unit
    # 市本级 keeps a share of the shared pools only: a special pool's money belongs to its eligible counties
    keeps = np.array([0.0 if p.separate else city_share for p in policy.pools])
    lower, city_units, notes = {}, {}, []
    for i, code in enumerate(top.codes):
        if code in direct:
            continue
        units = top.amounts[i]
        kept = np.floor(units * keeps).astype(np.int64)
        city_units[code] = kept
        own = (county_policies or {}).get(code, policy)
        totals = {p.id: float((units[j] - kept[j]) * unit) for j, p in enumerate(policy.pools)}
        sub_policy = with_pool_totals(own, totals, title=f"{top.names[i]}：{own.title}")
        members = counties[(counties["code"].map(parent_of) == code) & ~is_direct]
        data = RegionData.from_frame(members.drop(columns=["parent_code"], errors="ignore"))
        try:
            lower[code] = allocate(sub_policy, data, method, partial=True)
        except InfeasibleError as exc:
            if not relax_infeasible:
                raise InfeasibleError([_named(r, top.names[i]) for r in exc.reasons]) from None
            lower[code] = allocate(without_constraints(sub_policy), data, method, partial=True)
            notes.append(f"{top.names[i]}：保底/封顶在本市分配额内无法同时满足，已不设约束分配（{exc.reasons[0].message}）")
    return TwoTierResult(top, lower, city_units, dict(parent_of), notes)


def _check_tier_options(counties: pd.DataFrame, parent_of: dict[str, str], direct, city_share: float) -> None:
    """Refuse a 市本级 share outside [0, 1) and 省直管县 codes that are not counties of the data."""
    problems = []
    if not 0 <= city_share < 1:
        problems.append(Problem(f"市本级留用比例 = {city_share * 100:g}%：应不小于 0 且小于 100%",
                                key="city_share", value=city_share))
    known = set(counties["code"])
    for code in direct:
        if code not in known:
            kind = "是市州代码，不是县" if code in set(parent_of.values()) else "不在数据中"
            problems.append(Problem(f"省直管县代码 {code} {kind}", key="direct", region=code, value=code))
    if problems:
        raise InputError(problems)


def with_county_bounds(top_policy: Policy, policy: Policy, counties: pd.DataFrame,
                       parent_of: dict[str, str]) -> Policy:
    """Give each prefecture the floor and cap its counties add up to, in whole units.

    Rounded at the prefecture tier, 90 % of a prefecture's base can be less than the sum of its
    counties' rounded-up floors (⌈0.9·b₁⌉ + ⌈0.9·b₂⌉ …), leaving the prefecture unable to pay them.
    Summing the counties' unit bounds keeps both tiers feasible together.
    """
    if top_policy.constraints.floor_share is None and top_policy.constraints.cap_share is None \
            and top_policy.constraints.floor_minimum is None:
        return top_policy
    shared = next((b for b in policy.blocks if b.id == SHARED), None)
    if shared is None or not counties.size:
        return top_policy
    data = RegionData.from_frame(counties.drop(columns=["parent_code"], errors="ignore"))
    lo, hi = to_unit_bounds(bounds(shared.constraints, data, base_amounts(shared, data)), policy.rounding.unit)
    parents = pd.Series(data.codes).map(parent_of).to_numpy()
    unit = policy.rounding.unit
    sums: dict[str, tuple[float, float | None]] = {}
    for parent in np.unique(parents):
        members = parents == parent
        sums[str(parent)] = (float(lo[members].sum() * unit),
                             float(hi[members].sum() * unit) if np.isfinite(hi[members]).all() else None)
    return with_region_bounds(top_policy, sums)  # a prefecture override written in the policy wins


def lift_eligibility(policy: Policy, parent_of: dict[str, str]) -> Policy:
    """At the prefecture tier a prefecture is eligible for a special pool when any of its counties is."""
    lifted = {p.id: sorted(set(p.eligible_regions) | {parent_of[c] for c in p.eligible_regions if c in parent_of})
              for p in policy.pools if p.eligible_regions}
    return with_eligible_regions(policy, lifted) if lifted else policy


def eligible_only_figures(top_policy: Policy, policy: Policy, counties: pd.DataFrame, top_rows: pd.DataFrame,
                          parent_of: dict[str, str], parent_names: dict[str, str], is_direct: pd.Series
                          ) -> tuple[Policy, pd.DataFrame]:
    """At the prefecture tier, a pool that only eligible counties receive (e.g. the deep-poverty pool)
    must be shared among prefectures by the figures of their *eligible* counties, not of all counties.

    For each such pool, its formula columns are added up over eligible counties only, as columns named
    `<column>@<pool>`, and the pool's factors and corrections are pointed at them.
    """
    rows = top_rows.copy()
    repointed: dict[str, dict[str, str]] = {}
    for block in policy.blocks:
        if block.eligible_column is None and block.eligible_regions is None:
            continue
        pool = block.pools[0]
        eligible = pd.Series(True, index=counties.index)
        if block.eligible_column:
            eligible &= counties[block.eligible_column].fillna(0) != 0
        if block.eligible_regions is not None:
            eligible &= counties["code"].isin(block.eligible_regions)
        parts: tuple[Factor | Correction, ...] = (*block.factors, *block.corrections)
        columns = list(dict.fromkeys(c for part in parts for c in part.columns))
        renamed = {c: f"{c}@{pool.id}" for c in columns}
        prefectures = aggregate(counties[eligible & ~is_direct][["code", *columns]], parent_of, parent_names)
        direct = counties[eligible & is_direct][["code", *columns]]
        extra = pd.concat([prefectures.drop(columns=["name"]), direct], ignore_index=True).rename(columns=renamed)
        rows = rows.merge(extra, on="code", how="left")
        rows[list(renamed.values())] = rows[list(renamed.values())].fillna(0.0)
        repointed[pool.id] = renamed
    return (with_own_formula(top_policy, repointed) if repointed else top_policy), rows


def _named(reason, prefecture: str):
    reason.message = f"{prefecture}向所属县分配时：{reason.message}"
    return reason


def compare_paths(two_tier: TwoTierResult, direct: AllocationResult) -> pd.DataFrame:
    """Per county: the amount by the two-tier path and directly, and how much the path changes it."""
    tiered = two_tier.county_table()
    tiered = tiered[tiered["path"] != "市本级"][["code", "name", "path", "total"]]
    straight = direct.table()[["code", "total"]].rename(columns={"total": "direct_total"})
    frame = tiered.merge(straight, on="code", how="outer")
    frame["difference"] = frame["total"] - frame["direct_total"]
    frame["difference_share"] = frame["difference"] / frame["direct_total"]
    return frame.rename(columns={"total": "two_tier_total"})
