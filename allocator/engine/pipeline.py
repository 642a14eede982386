"""The allocation pipeline: factor shares → formula amounts → corrected → constrained → rounded.

A single run is a batch of one row: every stage is a kernel over arrays (`formula`, the bounds and
binding tests below, `allocator.solver.water_fill`, `allocator.rounding.rows`) that a batch of
scenarios (`allocator.analysis.batch`) runs on many rows. Each stage is kept per region in the
result's trace, so every amount can be explained.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator import __version__
from allocator.engine.formula import (
    correction_coefficient,
    factor_terms,
    factors_budget,
    formula_rows,
    standard_amounts,
    target_amounts,
)
from allocator.engine.inputs import RegionData, check_for_policy, eligibility
from allocator.engine.result import AllocationResult
from allocator.errors import InfeasibleError
from allocator.policy.model import Binding, Block, Constraints, CorrectionApply, Policy, SolveMethod
from allocator.rounding import controlled_round, largest_remainder
from allocator.solver import Solution, as_method, solve

SHARED = "shared"  # the block of pools that share the policy's own formula

BOUND_TOLERANCE = 1e-9  # a floor or cap this close to a whole unit is that unit (float noise from shares)
BINDING_TOLERANCE = 1e-7  # units: a line this close to a bound is not held by it


@dataclass(frozen=True)
class Bounds:
    """Floors and caps per region in 万元 (cap = inf where none applies); (m,) or scenarios × regions."""

    floor: np.ndarray
    cap: np.ndarray


# ---------------------------------------------------------------- what does not depend on the solver

@dataclass(frozen=True)
class BlockPlan:
    """One block over its eligible regions, with everything that depends on the policy and the data
    only: the regions, their data and base, the formula's trace and targets, the floors and caps."""

    block: Block
    eligible: np.ndarray  # bool over all regions
    index: np.ndarray  # positions of the eligible regions (ascending code)
    data: RegionData  # the eligible regions
    base: np.ndarray  # 基数, 万元
    stages: dict[str, np.ndarray]  # the formula's trace over the eligible regions (read-only arrays)
    trace: dict[str, np.ndarray]  # the same over all regions, the reason for the others (`_scatter`)
    target: np.ndarray  # corrected amounts in rounding units, as the constrained step takes them
    bounds: Bounds  # floors and caps in 万元

    @property
    def columns(self) -> dict[str, np.ndarray]:
        return self.data.columns


def plan_block(block: Block, data: RegionData, unit: float) -> BlockPlan:
    """The block's eligible regions, their data, base, formula and bounds (the data already checked)."""
    eligible = eligibility(block, data)
    sub = data if eligible.all() else data.subset(eligible)
    base = base_amounts(block, sub.columns)
    stages = formula_amounts(block, sub, block.budget, unit)
    target = stages.pop("target")
    stages["base"] = base
    trace = _scatter(stages, eligible, block)
    for values in (*stages.values(), *trace.values(), target):
        values.flags.writeable = False  # shared by every run of the plan
    return BlockPlan(block, eligible, np.flatnonzero(eligible), sub, base, stages, trace, target,
                     bounds(block.constraints, sub, base))


@dataclass(frozen=True)
class AllocationPlan:
    """A (policy, data) pair checked once (`check_for_policy`), with each block's plan."""

    blocks: tuple[BlockPlan, ...]


MAX_PLANS = 16  # pairs remembered: the app reruns the same pair at every click, a sweep makes new ones
_plans: OrderedDict[tuple[str, str, bool], AllocationPlan] = OrderedDict()
_plans_lock = threading.Lock()


def clear_plans() -> None:
    """Forget every remembered plan (memory back; a benchmark's "new pair")."""
    with _plans_lock:
        _plans.clear()


def plan_allocation(policy: Policy, data: RegionData, partial: bool = False) -> AllocationPlan:
    """Check the data for the policy and plan every block — or reuse the plan of an identical pair
    (same policy digest, same data digest): an allocation of a pair already planned only solves,
    rounds and splits. Plans are immutable and keyed by content, so reuse can never change a figure."""
    key = (policy.digest, data.digest, partial)
    with _plans_lock:
        plan = _plans.get(key)
        if plan is not None:
            _plans.move_to_end(key)
            return plan
    check_for_policy(policy, data, partial)
    plan = AllocationPlan(tuple(plan_block(b, data, policy.rounding.unit) for b in policy.blocks))
    with _plans_lock:
        _plans[key] = plan
        while len(_plans) > MAX_PLANS:
            _plans.popitem(last=False)
    return plan


def base_amounts(block: Block, columns: dict[str, np.ndarray] | RegionData) -> np.ndarray:
    """Last year's amount per region (基数, 万元): the sum of the base columns the block names."""
    cols = columns.columns if isinstance(columns, RegionData) else columns
    n = len(next(iter(cols.values()))) if cols else 0
    base = np.zeros(n)
    for col in block.base_columns:
        base = base + cols[col]
    return base


# ---------------------------------------------------------------- the formula, with its trace

def formula_amounts(block: Block, data: RegionData, budget: float, unit: float = 1.0) -> dict[str, np.ndarray]:
    """B · Σ_k w_k · share_k, with 'inside' corrections in each term and 'result' corrections after.

    Returns the trace stages in 万元 (value_*, share_*, part_*, coef_*, part_standard, formula,
    corrected) and, under "target", the corrected amounts in rounding units as the constrained step
    takes them (computed as a batch computes them, one row).
    """
    cols = data.columns
    coefs = {c.id: correction_coefficient(cols, c) for c in block.corrections}
    stages: dict[str, np.ndarray] = {f"coef_{cid}": v for cid, v in coefs.items()}
    standard = standard_amounts(block.standard, cols) if block.standard is not None else None
    if standard is not None:  # the per-person part first; the factors share what is left
        stages["part_standard"] = standard
    budgets = np.array([float(budget)])
    factors_b = float(factors_budget(budgets, standard)[0])
    terms = factor_terms(block, cols, coefs)
    share_matrix = np.array([share for _, share in terms]) if terms else np.zeros((0, len(data)))
    weights = np.array([[f.weight for f in block.factors]])
    for f, (value, share) in zip(block.factors, terms):
        stages[f"value_{f.id}"], stages[f"share_{f.id}"] = value, share
        stages[f"part_{f.id}"] = factors_b * f.weight * share
    formula = formula_rows(np.array([factors_b]), weights, share_matrix)[0]
    stages["formula"] = formula if standard is None else formula + standard
    outside = [coefs[c.id] for c in block.corrections if c.apply == CorrectionApply.RESULT]
    target = target_amounts(budgets, weights, share_matrix, result_coefs=outside, standard=standard, unit=unit)[0]
    stages["corrected"] = target if unit == 1.0 else target * unit
    stages["target"] = target
    return stages


# ---------------------------------------------------------------- floors, caps and what holds a region

def gradual_bounds(base: np.ndarray, floor_share=None, cap_share=None, floor_minimum=None) -> Bounds:
    """Floors and caps in 万元 from the gradual-change rules: floor = max(floor share × base, absolute
    minimum); cap = cap share × base where base > 0 (a region with no base, e.g. a new one, has no cap).
    The rule's values are numbers (one region row) or one per scenario (c,) (scenarios × regions)."""
    floor_share, cap_share, floor_minimum = (v[:, None] if isinstance(v, np.ndarray) else v
                                             for v in (floor_share, cap_share, floor_minimum))
    rows = next((len(v) for v in (floor_share, cap_share, floor_minimum) if isinstance(v, np.ndarray)), None)
    shape = base.shape if rows is None else (rows, len(base))
    floor = np.zeros(shape)
    if floor_share is not None:
        floor = np.maximum(floor, floor_share * base)
    if floor_minimum is not None:
        floor = np.maximum(floor, floor_minimum)
    cap = np.full(shape, np.inf)
    if cap_share is not None:
        cap = np.broadcast_to(np.where(base > 0, cap_share * base, np.inf), shape).copy()
    return Bounds(floor, cap)


def with_region_overrides(b: Bounds, constraints: Constraints, codes: np.ndarray) -> Bounds:
    """Per-region floors and caps written in the policy replace the rule for their region (an
    override for a region outside `codes`, e.g. outside a pool's eligible set, is left out)."""
    if not constraints.overrides:
        return b
    where = {code: i for i, code in enumerate(codes)}
    floor, cap = b.floor.copy(), b.cap.copy()
    for o in constraints.overrides:
        i = where.get(o.region)
        if i is None:
            continue
        if o.floor is not None:
            floor[..., i] = o.floor
        if o.cap is not None:
            cap[..., i] = o.cap
    return Bounds(floor, cap)


def bounds(constraints: Constraints, data: RegionData, base: np.ndarray) -> Bounds:
    """Floors and caps in 万元 for one policy: the gradual-change rules, then per-region overrides."""
    c = constraints
    return with_region_overrides(gradual_bounds(base, c.floor_share, c.cap_share, c.floor_minimum), c, data.codes)


def to_unit_bounds(b: Bounds, unit: float) -> tuple[np.ndarray, np.ndarray]:
    """Bounds in whole rounding units, ⌈floor⌉ and ⌊cap⌋, so rounding can never break them."""
    lo = np.ceil(b.floor / unit - BOUND_TOLERANCE)
    hi = np.where(np.isfinite(b.cap), np.floor(b.cap / unit + BOUND_TOLERANCE), np.inf)
    return lo, hi


def binding(line, lo, hi, x=None) -> tuple[np.ndarray, np.ndarray]:
    """Held at the floor / at the cap: the proportional line s·t lies below the floor (above the cap)
    and, where the amount x is given, x sits on that bound (an objective other than least squares
    moves x within a face, so the line alone does not say it). For least squares x = clip(line, lo,
    hi) and the line alone decides. Any shape: one row or scenarios × regions."""
    at_floor = line < lo - BINDING_TOLERANCE
    at_cap = line > hi + BINDING_TOLERANCE
    if x is not None:
        at_floor &= x <= lo + BINDING_TOLERANCE
        at_cap &= x >= hi - BINDING_TOLERANCE
    return at_floor, at_cap


def binding_codes(at_floor: np.ndarray, at_cap: np.ndarray) -> np.ndarray:
    """floor | cap | none per region (Chinese labels are given at the edge, `BINDING_LABELS`)."""
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


# ---------------------------------------------------------------- one block, the whole policy

@dataclass(frozen=True)
class BlockResult:
    amounts: np.ndarray  # int64, all regions × the block's pools (zero where ineligible)
    stages: dict[str, np.ndarray]  # per region, NaN where ineligible
    solution: Solution


def allocate_block(plan: BlockPlan, n_regions: int, unit: float, method: str = SolveMethod.FAST,
                   extra_floor: np.ndarray | None = None) -> BlockResult:
    """Allocate one block's budget among its eligible regions; see `allocate`.

    `extra_floor` (万元, all regions) raises floors, e.g. to the advance already issued.
    """
    block, sub, target = plan.block, plan.data, plan.target
    b = plan.bounds
    if extra_floor is not None:
        b = Bounds(np.maximum(b.floor, extra_floor[plan.index]), b.cap)
    lo, hi = to_unit_bounds(b, unit)
    total_units = int(round(block.budget / unit))
    solution = solve(target, lo, hi, total_units, block.constraints.objective, method,
                     codes=sub.codes, labels=lambda: sub.labels, unit=unit)
    region_units = largest_remainder(solution.x, total_units, lo=lo, hi=hi)  # codes ascending: ties by code
    pool_units = np.array([int(round(p.total / unit)) for p in block.pools], dtype=np.int64)
    at_floor, at_cap = binding(solution.scale * target, lo, hi, solution.x)
    solved = _scatter({
        "floor": lo * unit, "cap": hi * unit, "constrained": solution.x * unit, "rounded": region_units * unit,
        "rounding_adjustment": (region_units - solution.x) * unit, "binding": binding_codes(at_floor, at_cap),
    }, plan.eligible, block)
    solved.pop("note", None)
    amounts = np.zeros((n_regions, len(block.pools)), dtype=np.int64)
    amounts[plan.eligible] = split_by_pool(region_units, pool_units)
    trace = dict(plan.trace)
    note = trace.pop("note", None)
    trace.update(solved)
    if note is not None:  # the reason for ineligible regions stays the last column
        trace["note"] = note
    return BlockResult(amounts, trace, solution)


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


def allocate(policy: Policy, data: RegionData | pd.DataFrame, method: str = SolveMethod.FAST,
             extra_floors: dict[str, np.ndarray] | None = None, partial: bool = False) -> AllocationResult:
    """Run the whole pipeline for one policy on one region table; returns the result with its trace.

    Each block (the shared pools, then each pool with its own formula or eligibility) is allocated
    on its own; the region × pool table puts them side by side. `method` = "fast" (exact NumPy
    solver) or "lp" (PuLP/HiGHS model, for the linear objectives); anything else is refused.
    `extra_floors` maps a block id to floors in 万元 for all regions (used by settlement to keep
    full-year ≥ advance). `partial`: the data are a part of the policy's regions (one prefecture's
    counties), see `check_for_policy`.
    """
    method = as_method(method)
    if isinstance(data, pd.DataFrame):
        data = RegionData.from_frame(data)
    plan = plan_allocation(policy, data, partial)
    unit = policy.rounding.unit
    pool_index = {p.id: j for j, p in enumerate(policy.pools)}
    amounts = np.zeros((len(data), len(policy.pools)), dtype=np.int64)
    trace: dict[str, np.ndarray] = {}
    solutions: dict[str, Solution] = {}
    blocks = policy.blocks
    for block, block_plan in zip(blocks, plan.blocks):
        try:
            result = allocate_block(block_plan, len(data), unit, method, (extra_floors or {}).get(block.id))
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
