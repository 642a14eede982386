"""The allocation pipeline: factor shares → formula amounts → corrected → constrained → rounded.

Each stage is kept per region in the result's trace, so every amount can be explained.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator import __version__
from allocator.engine.corrections import correction_coefficient
from allocator.engine.factors import factor_value, shares, standard_amounts
from allocator.engine.inputs import RegionData, check_for_policy, eligibility
from allocator.engine.result import AllocationResult
from allocator.errors import InfeasibleError
from allocator.policy.model import Binding, Block, Constraints, Policy
from allocator.rounding import controlled_round, largest_remainder
from allocator.solver import Solution, solve

SHARED = "shared"  # the block of pools that share the policy's own formula

BOUND_TOLERANCE = 1e-9


@dataclass(frozen=True)
class Bounds:
    """Floors and caps per region in 万元 (cap = inf where none applies)."""

    floor: np.ndarray
    cap: np.ndarray


def formula_amounts(block: Block, data: RegionData, budget: float) -> dict[str, np.ndarray]:
    """B · Σ_k w_k · share_k, with 'inside' corrections in each term and 'result' corrections after.

    Returns the trace stages in 万元 (value_*, share_*, part_*, coef_*, formula, corrected).
    """
    cols = data.columns
    coefs = {c.id: correction_coefficient(cols, c) for c in block.corrections}
    stages: dict[str, np.ndarray] = {f"coef_{cid}": v for cid, v in coefs.items()}
    if block.standard is not None:  # the per-person part first; the factors share what is left
        standard = standard_amounts(block.standard, cols)
        stages["part_standard"] = standard
        budget = max(budget - float(standard.sum()), 0.0)  # more than the budget is refused by check_for_policy
    formula = np.zeros(len(data))
    for factor in block.factors:
        value = factor_value(cols, factor, block.factors)
        inside = [coefs[c.id] for c in block.corrections
                  if c.apply == "inside" and (c.factors is None or factor.id in c.factors)]
        coefficient = np.prod(inside, axis=0) if inside else None
        share = shares(value, coefficient)
        part = budget * factor.weight * share
        stages[f"value_{factor.id}"], stages[f"share_{factor.id}"] = value, share
        stages[f"part_{factor.id}"] = part
        formula = formula + part
    per_person = stages.get("part_standard")
    stages["formula"] = formula if per_person is None else formula + per_person
    corrected = corrected_amounts(block, coefs, formula, budget)
    stages["corrected"] = corrected if per_person is None else corrected + per_person
    return stages


def corrected_amounts(block: Block, coefs: dict[str, np.ndarray], formula: np.ndarray,
                      budget: float) -> np.ndarray:
    """Apply 'result' corrections to the whole formula amount and renormalise to the budget (万元)."""
    outside = [coefs[c.id] for c in block.corrections if c.apply == "result"]
    if not outside:
        return formula
    weighted = formula * np.prod(outside, axis=0)
    return budget * weighted / weighted.sum()


def base_amounts(block: Block, data: RegionData) -> np.ndarray:
    """Last year's amount per region (基数, 万元): the sum of the base columns the block names."""
    base = np.zeros(len(data))
    for col in block.base_columns:
        base = base + data.columns[col]
    return base


def bounds(constraints: Constraints, data: RegionData, base: np.ndarray) -> Bounds:
    """Floors and caps in 万元 from the gradual-change rules and per-region overrides.

    floor = max(floor share × base, absolute minimum); cap = cap share × base where base > 0 (a region
    with no base, e.g. a new one, has no cap). Overrides replace the rule for their region.
    """
    c = constraints
    floor = np.zeros(len(data))
    if c.floor_share is not None:
        floor = np.maximum(floor, c.floor_share * base)
    if c.floor_minimum is not None:
        floor = np.maximum(floor, c.floor_minimum)
    cap = np.full(len(data), np.inf)
    if c.cap_share is not None:
        cap = np.where(base > 0, c.cap_share * base, np.inf)
    index = {code: i for i, code in enumerate(data.codes)}
    for o in c.overrides:
        if o.region not in index:  # an override for a region outside this block's eligible set
            continue
        i = index[o.region]
        if o.floor is not None:
            floor[i] = o.floor
        if o.cap is not None:
            cap[i] = o.cap
    return Bounds(floor, cap)


def to_unit_bounds(b: Bounds, unit: float) -> tuple[np.ndarray, np.ndarray]:
    """Bounds in whole rounding units, ⌈floor⌉ and ⌊cap⌋, so rounding can never break them."""
    lo = np.ceil(b.floor / unit - BOUND_TOLERANCE)
    hi = np.where(np.isfinite(b.cap), np.floor(b.cap / unit + BOUND_TOLERANCE), np.inf)
    return lo, hi


def binding_labels(x, t, lo, hi, scale: float) -> np.ndarray:
    """Which constraint holds each region away from its proportional amount: floor, cap or none (codes;
    Chinese labels are given at the edge, `BINDING_LABELS`)."""
    at_floor = (x <= lo + 1e-7) & (scale * t < lo - 1e-7)
    at_cap = (x >= hi - 1e-7) & (scale * t > hi + 1e-7)
    return np.where(at_floor, Binding.FLOOR.value, np.where(at_cap, Binding.CAP.value, Binding.NONE.value))


def split_by_pool(region_units: np.ndarray, pool_units: np.ndarray) -> np.ndarray:
    """Region totals split across pools in proportion to the pool totals; every row and column exact."""
    if len(pool_units) == 1:
        return region_units[:, None].astype(np.int64)
    share = pool_units / pool_units.sum()
    return controlled_round(np.outer(region_units, share), region_units, pool_units)


def fingerprint(policy: Policy, data: RegionData, method: str) -> str:
    """sha256 of the policy, the data and the package version: the same inputs give the same run."""
    h = hashlib.sha256()
    h.update(policy.digest.encode())
    h.update(data.digest.encode())
    h.update(f"{__version__}|{method}".encode())
    return h.hexdigest()


@dataclass(frozen=True)
class BlockResult:
    amounts: np.ndarray  # int64, all regions × the block's pools (zero where ineligible)
    stages: dict[str, np.ndarray]  # per region, NaN where ineligible
    solution: Solution


def allocate_block(block: Block, data: RegionData, unit: float, method: str = "fast",
                   extra_floor: np.ndarray | None = None) -> BlockResult:
    """Allocate one block's budget among its eligible regions; see `allocate`.

    `extra_floor` (万元, all regions) raises floors, e.g. to the advance already issued.
    """
    eligible = eligibility(block, data)
    sub = data if eligible.all() else data.subset(eligible)
    stages = formula_amounts(block, sub, block.budget)
    base = base_amounts(block, sub)
    b = bounds(block.constraints, sub, base)
    if extra_floor is not None:
        b = Bounds(np.maximum(b.floor, extra_floor[eligible]), b.cap)
    lo, hi = to_unit_bounds(b, unit)
    target = stages["corrected"] / unit
    total_units = int(round(block.budget / unit))
    solution = solve(target, lo, hi, total_units, block.constraints.objective, method,
                     codes=list(sub.codes), labels=sub.labels, unit=unit)
    region_units = largest_remainder(solution.x, total_units, tie_keys=sub.codes, lo=lo, hi=hi)
    pool_units = np.array([int(round(p.total / unit)) for p in block.pools], dtype=np.int64)
    stages.update(
        base=base, floor=lo * unit, cap=hi * unit, constrained=solution.x * unit,
        rounded=region_units * unit, rounding_adjustment=(region_units - solution.x) * unit,
        binding=binding_labels(solution.x, target, lo, hi, solution.scale),
    )
    amounts = np.zeros((len(data), len(block.pools)), dtype=np.int64)
    amounts[eligible] = split_by_pool(region_units, pool_units)
    return BlockResult(amounts, _scatter(stages, eligible, block), solution)


def _scatter(stages: dict[str, np.ndarray], eligible: np.ndarray, block: Block) -> dict[str, np.ndarray]:
    """Stage arrays over eligible regions → arrays over all regions, with the reason for the others."""
    if eligible.all():
        return stages
    out: dict[str, np.ndarray] = {}
    for key, values in stages.items():
        if values.dtype.kind in "US":
            full = np.full(len(eligible), "", dtype=object)
        else:
            full = np.full(len(eligible), np.nan)
        full[eligible] = values
        out[key] = full
    out["note"] = np.where(eligible, "", block.ineligible_note).astype(object)
    return out


def allocate(policy: Policy, data: RegionData | pd.DataFrame, method: str = "fast",
             extra_floors: dict[str, np.ndarray] | None = None, partial: bool = False) -> AllocationResult:
    """Run the whole pipeline for one policy on one region table; returns the result with its trace.

    Each block (the shared pools, then each pool with its own formula or eligibility) is allocated
    on its own; the region × pool table puts them side by side. `method` = "fast" (exact NumPy
    solver) or "lp" (PuLP/HiGHS model, for the linear objectives). `extra_floors` maps a block id
    to floors in 万元 for all regions (used by settlement to keep full-year ≥ advance). `partial`: the
    data are a part of the policy's regions (one prefecture's counties), see `check_for_policy`.
    """
    if isinstance(data, pd.DataFrame):
        data = RegionData.from_frame(data)
    check_for_policy(policy, data, partial)
    unit = policy.rounding.unit
    pool_index = {p.id: j for j, p in enumerate(policy.pools)}
    amounts = np.zeros((len(data), len(policy.pools)), dtype=np.int64)
    trace: dict[str, np.ndarray] = {}
    solutions: dict[str, Solution] = {}
    blocks = policy.blocks
    for block in blocks:
        try:
            result = allocate_block(block, data, unit, method, (extra_floors or {}).get(block.id))
        except InfeasibleError as exc:
            if len(blocks) == 1:
                raise
            label = "、".join(p.label for p in block.pools)
            for reason in exc.reasons:  # say which pool's floors and caps conflict
                reason.message = f"资金池「{label}」：{reason.message}"
            raise InfeasibleError(exc.reasons) from None
        amounts[:, [pool_index[p.id] for p in block.pools]] = result.amounts
        prefix = "" if block.id == SHARED else f"{block.id}:"
        trace.update({prefix + key: values for key, values in result.stages.items()})
        solutions[block.id] = result.solution
    return AllocationResult(
        policy=policy, codes=data.codes, names=data.names, unit=unit, amounts=amounts,
        trace=trace, solutions=solutions, fingerprint=fingerprint(policy, data, method),
    )
