"""Headline metrics of one allocation, winners and losers, and a county's waterfall.

Pure functions over an `AllocationResult` (and arrays aligned with its regions); nothing here prints
or draws. Amounts are in 万元 unless a name says 元. A region "loses more than 5 %" when its total this
year is below 95 % of last year's (基数); a change is measured against last year's total, never doubled
or halved (PolicyEngine once shipped a winners/losers share that counted every region twice).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocator.analysis.fairness import gini, per_head, share_reaching, theil
from allocator.engine.result import AllocationResult
from allocator.policy.model import Binding, Block

YUAN_PER_WAN = 10_000
LOSS_THRESHOLD = 0.05  # "losing more than 5 %" of last year's amount


# ---------------------------------------------------------------- changes

def change(new, old) -> tuple[np.ndarray, np.ndarray]:
    """Per region: new − old (万元) and (new − old) / old (share of 1; NaN where old = 0)."""
    n, o = np.asarray(new, dtype=float), np.asarray(old, dtype=float)
    delta = n - o
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(o != 0, delta / np.where(o != 0, o, 1.0), np.nan)
    return delta, share


@dataclass(frozen=True)
class WinnersLosers:
    """Counts of regions that gain, lose or stay the same, and the money moved (万元)."""

    winners: int
    losers: int
    unchanged: int
    gained: float  # Σ of positive changes
    lost: float  # Σ of negative changes, as a positive number

    @property
    def winner_share(self) -> float:
        """Winners as a share of all regions (each region counted once)."""
        n = self.winners + self.losers + self.unchanged
        return self.winners / n if n else float("nan")

    @property
    def loser_share(self) -> float:
        n = self.winners + self.losers + self.unchanged
        return self.losers / n if n else float("nan")


def winners_losers(new, old, tolerance: float = 1e-9) -> WinnersLosers:
    """Who gains and who loses between two aligned amount vectors (万元)."""
    delta, _ = change(new, old)
    up, down = delta > tolerance, delta < -tolerance
    return WinnersLosers(int(up.sum()), int(down.sum()), int((~up & ~down).sum()),
                         float(delta[up].sum()), float(-delta[down].sum()))


def losing_more_than(new, old, threshold: float = LOSS_THRESHOLD) -> np.ndarray:
    """True where a region with a base gets less than (1 − threshold) × its base."""
    _, share = change(new, old)
    return np.nan_to_num(share, nan=0.0) < -threshold


# ---------------------------------------------------------------- per result

def bindings(result: AllocationResult) -> tuple[np.ndarray, np.ndarray]:
    """Per region: held at a floor in any block, held at a cap in any block."""
    floor = np.zeros(len(result.codes), dtype=bool)
    cap = np.zeros(len(result.codes), dtype=bool)
    for block_id in result.solutions:
        codes = result.trace["binding" if block_id == "shared" else f"{block_id}:binding"]
        floor |= codes == Binding.FLOOR.value
        cap |= codes == Binding.CAP.value
    return floor, cap


def region_totals(result: AllocationResult) -> np.ndarray:
    """Each region's total in 万元 (float)."""
    return np.asarray(result.to_wan(result.region_units), dtype=float)


def base_totals(result: AllocationResult, columns: dict[str, np.ndarray]) -> np.ndarray:
    """Last year's total per region (万元): the sum of the pools' base columns present in the data."""
    base = np.zeros(len(result.codes))
    for pool in result.policy.pools:
        if pool.base_column and pool.base_column in columns:
            base = base + np.nan_to_num(np.asarray(columns[pool.base_column], dtype=float))
    return base


@dataclass(frozen=True)
class Headline:
    """The figures a planner looks at first. Money in 万元, per-head amounts in 元."""

    total: float
    n_regions: int
    n_floor: int  # regions held up by a floor
    n_cap: int  # regions held down by a cap
    n_losing: int  # regions losing more than LOSS_THRESHOLD of last year's amount
    winners: WinnersLosers
    deep_poverty_amount: float  # 万元 to deep-poverty counties (NaN when the flag is unknown)
    deep_poverty_share: float
    per_capita: float  # 元 per registered inhabitant, whole area (NaN without population)
    per_need: float  # 元 per person in difficulty (困难群众), whole area
    gini_per_need: float  # Gini of 元 per 困难群众 across regions, weighted by 困难群众
    theil_per_need: float
    gini_per_capita: float  # Gini of 元 per inhabitant, weighted by population


def headline(result: AllocationResult, base, need=None, population=None, deep_poverty=None) -> Headline:
    """Headline metrics; `base` last year's totals (万元), `need` 困难群众 per region, `population`
    registered population, `deep_poverty` a 0/1 flag per region — all aligned with `result.codes`."""
    totals = region_totals(result)
    floor, cap = bindings(result)
    nan = float("nan")
    deep_amount, deep_share = nan, nan
    if deep_poverty is not None:
        mask = np.asarray(deep_poverty, dtype=float) > 0
        deep_amount, deep_share = float(totals[mask].sum()), share_reaching(totals, mask)
    per_capita = per_need = gini_need = theil_need = gini_capita = nan
    if need is not None:
        need = np.asarray(need, dtype=float)
        per_need = totals.sum() * YUAN_PER_WAN / need.sum() if need.sum() > 0 else nan
        heads = need > 0
        aid = per_head(totals[heads], need[heads], YUAN_PER_WAN)
        gini_need, theil_need = gini(aid, need[heads]), theil(aid, need[heads])
    if population is not None:
        population = np.asarray(population, dtype=float)
        per_capita = totals.sum() * YUAN_PER_WAN / population.sum() if population.sum() > 0 else nan
        heads = population > 0
        gini_capita = gini(per_head(totals[heads], population[heads], YUAN_PER_WAN), population[heads])
    return Headline(
        total=float(totals.sum()), n_regions=len(totals), n_floor=int(floor.sum()), n_cap=int(cap.sum()),
        n_losing=int(losing_more_than(totals, base).sum()), winners=winners_losers(totals, base),
        deep_poverty_amount=deep_amount, deep_poverty_share=deep_share, per_capita=per_capita,
        per_need=per_need, gini_per_need=gini_need, theil_per_need=theil_need, gini_per_capita=gini_capita)


# ---------------------------------------------------------------- waterfall

@dataclass(frozen=True)
class Step:
    """One bar of a waterfall: a label, its amount (万元) and whether it is a running total."""

    label: str
    amount: float
    total: bool = False


def _prefix(block: Block) -> str:
    return "" if block.id == "shared" else f"{block.id}:"


def block_steps(result: AllocationResult, block: Block, i: int) -> list[Step]:
    """Region i's amount in one block, stage by stage (万元): each factor's part before correction,
    the correction (Σ corrected parts − Σ uncorrected parts, plus any correction on the result), the
    floor or cap adjustment, rounding. The steps add up to the block's rounded amount. Empty when the
    region is not eligible for the block."""
    t, p = result.trace, _prefix(block)
    if np.isnan(float(t[p + "rounded"][i])):
        return []
    name = block.pools[0].label
    label = "" if block.id == "shared" else f"{name if len(name) <= 8 else name[:6] + '…'}·"
    steps, uncorrected = [], 0.0
    for f in block.factors:
        values = np.asarray(t[f"{p}value_{f.id}"], dtype=float)
        total = np.nansum(values)
        part = block.budget * f.weight * values[i] / total if total else 0.0
        uncorrected += part
        steps.append(Step(f"{label}{f.label}部分", float(part)))
    corrected, constrained, rounded = (float(t[p + k][i]) for k in ("corrected", "constrained", "rounded"))
    if block.corrections:
        names = "、".join(c.label for c in block.corrections)
        steps.append(Step(f"{label}{names}修正", float(corrected - uncorrected)))
    steps.append(Step(f"{label}保底/封顶调整", constrained - corrected))
    steps.append(Step(f"{label}取整", rounded - constrained))
    return steps


def waterfall(result: AllocationResult, code: str, pool: str | None = None,
              advance: float | None = None) -> list[Step]:
    """A region's transfer explained (万元): factor parts, correction, floor/cap adjustment, rounding,
    the full-year amount, then the advance already issued and what is still to issue.

    `pool`: one pool only (a shared block's amounts scaled by the pool's share of the block budget; the
    split's own rounding is added to the rounding step), or None for all pools together. `advance`:
    the advance already issued to this region for the same pools (万元), if any.
    """
    i = int(np.flatnonzero(result.codes == code)[0])
    pool_index = {p.id: j for j, p in enumerate(result.policy.pools)}
    merged: dict[str, float] = {}
    for block in result.policy.blocks:
        members = [q.id for q in block.pools]
        if pool is not None and pool not in members:
            continue
        scale = 1.0 if pool is None else result.policy.pools[pool_index[pool]].total / block.budget
        steps = block_steps(result, block, i)
        if not steps:
            continue
        actual = float(result.to_wan(result.amounts[i, [pool_index[m] for m in members]].sum()
                                     if pool is None else result.amounts[i, pool_index[pool]]))
        scaled = [Step(s.label, s.amount * scale) for s in steps]
        split = actual - sum(s.amount for s in scaled)  # the pool split's rounding (0 for the whole block)
        scaled[-1] = Step(scaled[-1].label, scaled[-1].amount + split)
        for s in scaled:
            merged[s.label] = merged.get(s.label, 0.0) + s.amount
    full_year = float(result.to_wan(result.amounts[i].sum() if pool is None
                                    else result.amounts[i, pool_index[pool]]))
    out = [Step(label, amount) for label, amount in merged.items()]
    out.append(Step("全年分配额", full_year, total=True))
    if advance is not None:
        out.append(Step("已提前下达", -float(advance)))
        out.append(Step("此次下达", full_year - float(advance), total=True))
    return out


def marginal(before: float, after: float, delta: float) -> float:
    """Gain per unit of input: (after − before) / delta (e.g. 万元 per extra person); NaN for delta 0."""
    return (after - before) / delta if delta else float("nan")


def constrained_totals(result: AllocationResult) -> np.ndarray:
    """Each region's amount before rounding (万元), summed over blocks: what marginal effects are
    measured on, so that one extra person is not lost in the rounding to whole 万元."""
    out = np.zeros(len(result.codes))
    for block in result.policy.blocks:
        out = out + np.nan_to_num(np.asarray(result.trace[_prefix(block) + "constrained"], dtype=float))
    return out


__all__ = ["Headline", "Step", "WinnersLosers", "base_totals", "bindings", "block_steps", "change",
           "constrained_totals", "headline", "losing_more_than", "marginal", "region_totals", "waterfall",
           "winners_losers"]
