"""提前下达 (advance notice) and settlement (正式分配): the yearly sequence of the money.

Source: 四川省医疗保障局 2019 年度部门决算 附件2 — the province forwards the central advance "根据提前通知数
占上年中央补助资金的比例，以上年分配各市（州）中央和省补助资金数为基数"; after the budget is approved the
full-year amount is computed by the factor method, and what a region still receives is the full-year
amount minus its advance. 预算法 art. 52: transfers are passed on within 30 days of receipt; the
central advance for next year is sent by 31 October.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from allocator.engine import AllocationResult, RegionData, allocate
from allocator.errors import PolicyError, Problem
from allocator.policy.model import AdvanceRule, Level, Policy, Purpose, SettlementRule
from allocator.rounding import largest_remainder

CLAW_BACK = SettlementRule.CLAW_BACK
RAISE_TO_ADVANCE = SettlementRule.RAISE_TO_ADVANCE


def advance_amounts(base_units: np.ndarray, advance_units: int, codes) -> np.ndarray:
    """Each region's advance: its base × (advance total / base total), rounded so the total is exact.

    Units: integers of the rounding unit in, integers out.
    """
    base = np.asarray(base_units, dtype=float)
    if base.sum() <= 0:
        raise PolicyError([Problem("上年分配基数合计为零，无法按基数比例计算提前下达数")])
    return largest_remainder(base * advance_units / base.sum(), advance_units, tie_keys=codes)


def prefecture_of(code: str) -> str:
    """The prefecture of a county by the structure of administrative codes (GB/T 2260): 510104 → 510100."""
    return str(code)[:4] + "00"


def central_ratio(policy: Policy, data: RegionData) -> float:
    """The seed's one ratio: the central advance notice (Σ advance_total of the central pools) ÷ last
    year's central money (Σ those pools' base columns). Unit: share of 1.

    Source: 四川省医疗保障局2019年度部门决算 附件2 — "根据提前通知数占2018年中央补助资金的比例".
    """
    central = [p for p in policy.pools if p.level == Level.CENTRAL and p.advance_total is not None]
    problems = [Problem(f"资金池「{p.label}」有提前下达数但没有上年基数列（base_column）", key=f"pools.{p.id}.base_column")
                for p in central if not p.base_column]
    if not central or problems:
        raise PolicyError(problems or [Problem("按市州比例提前下达需要中央资金池的提前通知数（advance_total）",
                                               key="settlement.advance_rule")])
    last_year = sum(float(data.columns[p.base_column].sum()) for p in central if p.base_column)
    if last_year <= 0:
        raise PolicyError([Problem("上年中央补助资金合计为零，无法计算提前通知数占上年中央补助资金的比例")])
    return sum(p.advance_total or 0.0 for p in central) / last_year


def prefecture_ratio_advance(policy: Policy, data: RegionData) -> np.ndarray:
    """The seed's 2019 advance per county × pool (integer units).

    One ratio (`central_ratio`) applies to each 市州's last-year central + provincial base, pool by
    pool, for the regular pools (earmarked pools such as deep poverty are allocated when they arrive,
    not in advance). A central pool forwards exactly its own notice (the money arrives per budget
    account: 一般公共预算 and 彩票公益金 cannot be swapped), so with several central pools each uses its
    own notice ÷ its base; the provincial pools follow the one central ratio. Each pool's advance is
    split over the 市州 by their bases and then, inside each 市州, over its counties by theirs —
    counties receive from their 市州, and every prefecture and pool total is exact.
    """
    ratio = central_ratio(policy, data)
    unit = policy.rounding.unit
    codes = np.asarray(data.codes)
    parents = np.array([prefecture_of(c) for c in codes])
    prefectures = np.unique(parents)
    out = np.zeros((len(data), len(policy.pools)), dtype=np.int64)
    for j, pool in enumerate(policy.pools):
        if pool.purpose != Purpose.REGULAR or not pool.base_column:
            continue
        base = data.columns[pool.base_column] / unit
        by_prefecture = np.array([base[parents == p].sum() for p in prefectures])
        notice = pool.advance_total if pool.level == Level.CENTRAL else None
        total = int(round(notice / unit)) if notice is not None else int(round(ratio * base.sum()))
        if total == 0:
            continue
        if base.sum() <= 0:
            raise PolicyError([Problem(f"资金池「{pool.label}」有提前通知数 {pool.advance_total:g} 万元，但上年基数合计为零，"
                                       "无法按基数分配", key=f"pools.{pool.id}.advance_total", value=pool.advance_total)])
        top = largest_remainder(by_prefecture * total / by_prefecture.sum(), total, tie_keys=prefectures)
        for p, amount in zip(prefectures, top):
            inside = parents == p
            if amount > 0:
                out[inside, j] = advance_amounts(base[inside], int(amount), codes[inside])
    return out


def advance_by_prefecture(advance: np.ndarray, codes) -> tuple[np.ndarray, np.ndarray]:
    """The 市州 rows of a county advance (prefecture codes, prefectures × pools, integer units): what
    the province notifies each 市州, which its counties' amounts add up to exactly."""
    parents = np.array([prefecture_of(c) for c in codes])
    prefectures = np.unique(parents)
    return prefectures, np.vstack([advance[parents == p].sum(axis=0) for p in prefectures])


def advance_from_policy(policy: Policy, data: RegionData) -> np.ndarray:
    """This year's advance per region × pool (integer units), by the policy's advance rule: per pool
    (each pool's base × its advance total / base total) or the seed's prefecture ratio."""
    if policy.settlement and policy.settlement.advance_rule == AdvanceRule.PREFECTURE_RATIO:
        return prefecture_ratio_advance(policy, data)
    unit = policy.rounding.unit
    out = np.zeros((len(data), len(policy.pools)), dtype=np.int64)
    problems = []
    for j, pool in enumerate(policy.pools):
        if pool.advance_total is None:
            continue
        if not pool.base_column:
            problems.append(Problem(f"资金池「{pool.label}」有提前下达数但没有上年基数列（base_column）",
                                    key=f"pools.{pool.id}.base_column"))
            continue
        base_units = data.columns[pool.base_column] / unit
        out[:, j] = advance_amounts(base_units, int(round(pool.advance_total / unit)), data.codes)
    if problems:
        raise PolicyError(problems)
    return out


def next_year_advance(result: AllocationResult, advance_totals: dict[str, float]) -> np.ndarray:
    """Next year's advance per region × pool: this year's allocation × (advance total / this year's total)."""
    unit = result.unit
    out = np.zeros_like(result.amounts)
    for j, pool in enumerate(result.policy.pools):
        if pool.id in advance_totals:
            out[:, j] = advance_amounts(result.amounts[:, j], int(round(advance_totals[pool.id] / unit)),
                                        result.codes)
    return out


@dataclass(frozen=True)
class Deadlines:
    received: date
    pass_on_by: date  # 30 days (预算法 art. 52) after receipt
    next_advance_by: date  # central advance for next year: 31 October


def deadlines(received: date, pass_on_days: int = 30) -> Deadlines:
    """Dates that follow from the receipt of the money."""
    return Deadlines(received, received + timedelta(days=pass_on_days), date(received.year, 10, 31))


@dataclass(frozen=True)
class SettlementResult:
    full_year: AllocationResult  # the factor-method allocation for the whole year
    advance: np.ndarray  # int units, regions × pools, already issued
    rule: str  # claw_back | raise_to_advance
    unconstrained_full_year: AllocationResult  # before raising anyone to its advance

    @property
    def to_issue(self) -> np.ndarray:
        """Amount still to issue (此次下达), integer units; negative = to be clawed back (收回)."""
        return self.full_year.amounts - self.advance

    @property
    def advance_exceeds(self) -> np.ndarray:
        """Regions whose advance exceeds the full-year amount computed by the factor method (before any raise)."""
        return self.advance.sum(axis=1) > self.unconstrained_full_year.amounts.sum(axis=1)

    def table(self) -> pd.DataFrame:
        """Per region and pool: 全年 | 提前下达 | 此次下达 (万元), then the totals and a note."""
        r = self.full_year
        frame = pd.DataFrame({"地区代码": r.codes, "地区名称": r.names})
        for j, pool in enumerate(r.policy.pools):
            frame[f"{pool.label}·全年"] = r.to_wan(r.amounts[:, j])
            frame[f"{pool.label}·提前下达"] = r.to_wan(self.advance[:, j])
            frame[f"{pool.label}·此次下达"] = r.to_wan(self.to_issue[:, j])
        frame["合计·全年"] = r.to_wan(r.region_units)
        frame["合计·提前下达"] = r.to_wan(self.advance.sum(axis=1))
        frame["合计·此次下达"] = r.to_wan(self.to_issue.sum(axis=1))
        frame["说明"] = self.notes()
        return frame

    def notes(self) -> list[str]:
        """Per region: whether its advance exceeded the full-year amount, and any pool to claw back from."""
        r = self.full_year
        full = self.unconstrained_full_year.to_wan(self.unconstrained_full_year.region_units)
        adv = r.to_wan(self.advance.sum(axis=1))
        out = []
        for i, exceeds in enumerate(self.advance_exceeds):
            parts = []
            if exceeds:
                action = "全年数提高到提前下达数" if self.rule == RAISE_TO_ADVANCE else "收回差额"
                parts.append(f"提前下达 {adv[i]} 万元超过因素法全年数 {full[i]} 万元，{action}")
            for j, pool in enumerate(r.policy.pools):
                if self.to_issue[i, j] < 0:
                    parts.append(f"{pool.label}收回 {r.to_wan(-self.to_issue[i, j])} 万元")
            out.append("；".join(parts))
        return out


def settle(policy: Policy, data: RegionData, advance: np.ndarray | None = None, rule: str | None = None,
           method: str = "fast") -> SettlementResult:
    """Full-year allocation minus the advance already issued, under the policy's rule for excess advances.

    claw_back: keep the factor-method amounts; a negative 此次下达 is money to recover.
    raise_to_advance: the region's full-year amount becomes at least its advance (a floor), the others
    paying for it through the optimiser.
    """
    advance = advance_from_policy(policy, data) if advance is None else advance
    rule = rule or (policy.settlement.advance_excess if policy.settlement else CLAW_BACK)
    if rule not in (CLAW_BACK, RAISE_TO_ADVANCE):
        raise PolicyError([Problem(f"提前下达超过全年数时的处理「{rule}」不可用，应为 {CLAW_BACK}（收回）或 "
                                   f"{RAISE_TO_ADVANCE}（提高到提前下达数）", key="settlement.advance_excess",
                                   value=rule)])
    plain = allocate(policy, data, method)
    if rule != RAISE_TO_ADVANCE:
        return SettlementResult(plain, advance, rule, plain)
    pool_index = {p.id: j for j, p in enumerate(policy.pools)}
    blocks = [[pool_index[p.id] for p in block.pools] for block in policy.blocks]
    raised = plain
    if (advance.sum(axis=1) > plain.region_units).any():
        floors = {block.id: advance[:, cols].sum(axis=1) * policy.rounding.unit
                  for block, cols in zip(policy.blocks, blocks)}
        raised = allocate(policy, data, method, extra_floors=floors)
    # a region may cover its advance in total yet fall short in one pool: exchange units between pools
    amounts = cover_pool_advances(raised.amounts, advance, blocks, raised.codes)
    return SettlementResult(dataclasses.replace(raised, amounts=amounts), advance, rule, plain)


def cover_pool_advances(amounts: np.ndarray, advance: np.ndarray, blocks: list[list[int]], codes) -> np.ndarray:
    """Swap units between pools so that no cell falls below its advance, keeping every row and column total.

    Raising a region's total to its advance total does not raise each pool's cell to that pool's
    advance (pools split in proportion to their totals, advances in proportion to last year). Where
    region i is short in pool a, it takes one unit of a from the region k with the largest surplus in
    a (ties: lower code) and gives k one unit of a pool b in which i has a surplus — a 2×2 exchange
    that changes no row or column total, within one block. Integer units in and out.
    """
    out = amounts.copy()
    order = np.argsort(np.asarray(codes), kind="stable")
    for cols in blocks:
        if len(cols) < 2:
            continue
        for _ in range(int(np.maximum(advance[:, cols] - out[:, cols], 0).sum())):
            short = np.argwhere(out[:, cols] < advance[:, cols])
            if short.size == 0:
                break
            i, a = short[0][0], cols[short[0][1]]
            surplus_i = out[i, cols] - advance[i, cols]
            if surplus_i.max() <= 0:
                break  # the region's total is below its advance: nothing to exchange within it
            b = cols[int(np.argmax(surplus_i))]
            surplus_a = (out[:, a] - advance[:, a]).astype(float)
            surplus_a[i] = -np.inf
            k = order[np.argmax(surplus_a[order])]
            if surplus_a[k] <= 0:
                break
            out[i, a] += 1
            out[i, b] -= 1
            out[k, a] -= 1
            out[k, b] += 1
    return out
