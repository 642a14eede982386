"""Batch engine: thousands of what-ifs over one (policy, data) pair, on the engine's own kernels.

The engine's kernels work on arrays of scenarios × regions, and a single run is a batch of one row
(`allocator.engine.pipeline`); this module keeps only what is about many scenarios. A `Prepared` pair
is checked (`check_for_policy`) and hashed once, with what does not depend on the scenario: each
block's eligible regions, data and base (`plan_block`), the factor shares and correction
coefficients of the base policy, its bounds, its active set (the water-filling's first guess) and
its outcome. A batch of S scenarios — factor weights, sub-weights of a factor's components,
correction parameters, floor/cap shares, pool totals, and optionally multipliers on data columns —
is evaluated in chunks of about 2 MB of rows:

1. targets for every scenario (`allocator.engine.formula.target_amounts`): one matrix product where
   only weights and totals vary, every term recomputed along the regions axis where a scenario
   changes the shares (data multipliers, sub-weights, correction parameters);
2. the least-squares constrained step for all scenarios at once (`allocator.solver.water_fill`);
3. largest-remainder rounding of every row (`allocator.rounding.round_rows`);
4. optionally the split of each region's total across the block's pools (`split_by_pool`).

Results equal the single-run path (`apply_overrides` + `allocate`) scenario by scenario. Floating
point may differ in the last bits between one row and many (a matrix product sums in another order
for another shape; the water-filling starts from another guess); a scenario whose rounding could
depend on those bits (`round_rows` marks it a close call), or whose objective is not least squares,
or whose water-filling does not settle, is recomputed on the single-run path itself.
`BatchResult.rerun` counts them (none in 10,000 random Sichuan scenarios). A scenario whose
per-person part exceeds its pool is marked infeasible (the single-run path refuses it with a
DataError naming the pool), and so is one that gives weight to a data column with no value over the
block's regions.

A top-level path (`factors.`, `corrections.`, `constraints.`) acts on every block that follows the
policy's own formula: the shared block and each pool separate only by eligibility or a per-person part.
"""
from __future__ import annotations

import functools
import hashlib
import itertools
import os
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from allocator import __version__
from allocator.engine.formula import correction_coefficient, factor_terms, standard_amounts, target_amounts
from allocator.engine.inputs import RegionData
from allocator.engine.pipeline import (
    SHARED,
    Bounds,
    allocate,
    binding,
    gradual_bounds,
    plan_allocation,
    split_by_pool,
    to_unit_bounds,
    with_region_overrides,
)
from allocator.errors import DataError, InfeasibleError, InputError, PolicyError, Problem
from allocator.policy import apply_overrides
from allocator.policy.model import Binding, Block, CorrectionApply, Objective, Policy
from allocator.policy.paths import VALUE, OverridePath, override_path
from allocator.policy.rules import Refusal, refuse_rows
from allocator.rounding import round_rows
from allocator.solver import ActiveSet, feasible_rows, water_fill

CHUNK_BYTES = 1 << 21  # about 2 MB of float64 rows per chunk (measured best for 183 and 2,850 regions, 2 threads)
# chunks of one in-process batch run in this many threads: NumPy's array loops release the GIL, so
# the cores of one machine share the work with no copies and no pickling (workers: `executor`)
THREADS = os.cpu_count() or 1


# ---------------------------------------------------------------- parameters a batch may vary



def parameter(policy: Policy, path: str) -> OverridePath:
    """Resolve an override path to the block and quantity it changes (`allocator.policy.paths`);
    PolicyError if a batch cannot vary it."""
    try:
        found = override_path(policy, path)
    except PolicyError:
        found = None
    if found is None or found.kind == VALUE:
        raise PolicyError([Problem(f"批量情景参数 {path}：不支持（可用：factors.<因素>.weight、factors.<因素>.components.<数据列>.weight、corrections.<修正>."
                                   f"elasticity/lower/upper、constraints.floor_share_of_base/cap_share_of_base/"
                                   f"floor_minimum、pools.<资金池>.total，以及 pools.<资金池>. 下的同类参数）",
                                   key=path)], title="情景参数有误")
    return found


def weight_path(block: Block | str, factor_id: str) -> str:
    """The override path of a factor weight: `factors.<id>.weight`, or under `pools.<pool>.` for a
    pool with its own formula (a block id names one; a Block that takes the policy's factors — the
    shared block, or a pool of its own eligibility or per-person part — takes the top-level path)."""
    if isinstance(block, Block):
        own = block.id != SHARED and block.pools[0].factors is not None
        return f"pools.{block.id}.factors.{factor_id}.weight" if own else f"factors.{factor_id}.weight"
    prefix = "" if block == SHARED else f"pools.{block}."
    return f"{prefix}factors.{factor_id}.weight"


def formula_blocks(prepared: Prepared) -> list[PreparedBlock]:
    """The prepared blocks with a formula of their own: blocks that take the policy's factors appear
    once (the first), so a weight path is varied once however many pools follow it."""
    seen: list[tuple] = []
    out = []
    for pb in prepared.blocks:
        if not any(pb.block.factors is f for f in seen):
            seen.append(pb.block.factors)
            out.append(pb)
    return out


def overrides_for(params: list[OverridePath], row: Mapping[str, float]) -> dict[str, Any]:
    """One scenario row as `apply_overrides` takes it (a value with its unit where the base has none)."""
    return {p.path: p.override(float(row[p.path])) for p in params}


# ---------------------------------------------------------------- the prepared pair

@dataclass(frozen=True)
class PreparedBlock:
    """One block over its eligible regions, with everything that does not depend on the scenario."""

    block: Block
    index: np.ndarray  # positions of the eligible regions in the data (ascending code)
    columns: dict[str, np.ndarray]  # the block's data columns over its eligible regions
    base: np.ndarray  # 基数, 万元
    pool_totals: np.ndarray  # 万元 per pool of the block
    shares: np.ndarray  # (K, m) factor shares with the base policy's correction parameters
    coefs: dict[str, np.ndarray] | None = None  # correction id → (m,) coefficient with the base parameters
    lo: np.ndarray | None = None  # (1, m) ⌈floor⌉ in units with the base policy's constraints
    hi: np.ndarray | None = None  # (1, m) ⌊cap⌋
    outcome: BlockOutcome | None = None  # the base policy's result, reused where a batch leaves the block alone
    base_params: dict[int, BlockParams] = field(default_factory=dict, compare=False, repr=False)  # by chunk size
    pool_units: np.ndarray | None = None  # (1, P) pool totals in rounding units
    zero_columns: frozenset[str] = frozenset()  # component columns with no value over the block's regions
    start: ActiveSet | None = None  # the base policy's active set: water_fill's first guess


@dataclass(frozen=True)
class Prepared:
    """A (policy, data) pair validated and hashed once; the batch engine's starting point."""

    policy: Policy
    data: RegionData
    blocks: tuple[PreparedBlock, ...]
    digest: str
    parameters: dict[str, OverridePath] = field(default_factory=dict, compare=False, repr=False)  # parsed paths

    def parameter(self, path: str) -> OverridePath:
        """`parameter(policy, path)`, parsed once per prepared pair."""
        if path not in self.parameters:
            self.parameters[path] = parameter(self.policy, path)
        return self.parameters[path]

    @property
    def unit(self) -> float:
        return self.policy.rounding.unit

    @property
    def n_regions(self) -> int:
        return len(self.data)


def prepare(policy: Policy, data: RegionData | pd.DataFrame) -> Prepared:
    """Check the data for the policy once (same checks and messages as `allocate`) and hash the pair."""
    if isinstance(data, pd.DataFrame):
        data = RegionData.from_frame(data)
    blocks = []
    unit = policy.rounding.unit
    for block, plan in zip(policy.blocks, plan_allocation(policy, data).blocks):  # checked, formula made
        cols = {c: plan.columns[c] for c in block.data_columns}
        totals = np.array([p.total for p in block.pools])
        coefs = {x.id: plan.stages[f"coef_{x.id}"] for x in block.corrections}
        shares = np.array([plan.stages[f"share_{f.id}"] for f in block.factors])
        pb = PreparedBlock(block, plan.index, cols, plan.base, totals, shares, coefs)
        bp = block_params(pb, [], {}, 1)
        lo, hi = (a[None] for a in to_unit_bounds(plan.bounds, unit))
        pb = replace(pb, lo=lo, hi=hi, pool_units=np.round(totals / unit).astype(np.int64)[None, :],
                     zero_columns=frozenset(c.column for f in block.factors for c in f.components
                                            if not cols[c.column].any()))
        t = targets(pb, bp, unit=unit)
        x, _, line, _ = water_fill(t, lo, hi, np.round(bp.budget / unit))
        pb = replace(pb, start=ActiveSet.of(x, line, lo, hi))
        outcome = block_outcome(pb, bp, unit, t, lo, hi)
        blocks.append(replace(pb, outcome=outcome if outcome.ok[0] and not outcome.rerun[0] else None))
    digest = hashlib.sha256(f"{policy.digest}|{data.digest}|{__version__}|batch".encode()).hexdigest()
    return Prepared(policy, data, tuple(blocks), digest)


# ---------------------------------------------------------------- scenarios → arrays per block

@dataclass
class BlockParams:
    """Scenario values for one block and one chunk, in engine units (shares of 1, 万元)."""

    weights: np.ndarray  # (c, K)
    budget: np.ndarray  # (c,)
    pool_totals: np.ndarray  # (c, P)
    corrections: dict[str, dict[str, np.ndarray]]  # correction id → attribute → (c,)
    floor_share: np.ndarray | None
    cap_share: np.ndarray | None
    floor_minimum: np.ndarray | None
    sub: dict[str, np.ndarray] = field(default_factory=dict)  # factor id → (c, J) sub-weights, where varied


def _rows(row, c: int) -> np.ndarray:
    """`row` repeated for c scenarios (a fresh, writable array)."""
    out = np.empty((c, len(row)))
    out[:] = row
    return out


def _base_params(pb: PreparedBlock, c: int) -> BlockParams:
    """The base policy's values for c scenarios, made once per chunk size (read-only: `block_params`
    copies what a batch varies)."""
    if c not in pb.base_params:
        b = pb.block
        corr = {x.id: {"elasticity": np.full(c, x.elasticity),
                       "lower": np.full(c, np.nan if x.lower is None else x.lower),
                       "upper": np.full(c, np.nan if x.upper is None else x.upper)} for x in b.corrections}
        k = b.constraints
        pool_totals = _rows(pb.pool_totals, c)
        pb.base_params[c] = BlockParams(
            _rows([f.weight for f in b.factors], c), pool_totals.sum(axis=1), pool_totals, corr,
            None if k.floor_share is None else np.full(c, k.floor_share),
            None if k.cap_share is None else np.full(c, k.cap_share),
            None if k.floor_minimum is None else np.full(c, k.floor_minimum))
    return pb.base_params[c]


def block_params(pb: PreparedBlock, params: list[OverridePath], values: dict[str, np.ndarray], c: int) -> BlockParams:
    """The base policy's values for c scenarios with the varied ones put in place."""
    b = pb.block
    base = _base_params(pb, c)
    mine = [p for p in params if p.acts_on(b.id)]
    if not mine:
        return base
    kinds = {p.kind for p in mine}
    weights = base.weights.copy() if "weight" in kinds else base.weights
    pool_totals = base.pool_totals.copy() if "total" in kinds else base.pool_totals
    corr = {cid: dict(attrs) for cid, attrs in base.corrections.items()} if "correction" in kinds else base.corrections
    cons = {"floor_share_of_base": base.floor_share, "cap_share_of_base": base.cap_share,
            "floor_minimum": base.floor_minimum}
    factor_ids = [f.id for f in b.factors]
    pool_ids = [p.id for p in b.pools]
    sub: dict[str, np.ndarray] = {}
    for p in mine:
        v = values[p.path] * p.scale
        if p.kind == "weight":
            weights[:, factor_ids.index(p.key)] = v
        elif p.kind == "total":
            pool_totals[:, pool_ids.index(p.key)] = v
        elif p.kind == "component":
            fid, column = p.key.split(".", 1)
            f = b.factors[factor_ids.index(fid)]
            if fid not in sub:
                sub[fid] = _rows([comp.weight for comp in f.components], c)
            sub[fid][:, [comp.column for comp in f.components].index(column)] = v
        elif p.kind == "correction":
            cid, attr = p.key.split(".")
            corr[cid][attr] = v
        else:
            cons[p.key] = v
    return BlockParams(weights, pool_totals.sum(axis=1) if "total" in kinds else base.budget, pool_totals, corr,
                       cons["floor_share_of_base"], cons["cap_share_of_base"], cons["floor_minimum"], sub)


def check_weights(prepared: Prepared, params: list[OverridePath], values: dict[str, np.ndarray], n: int) -> None:
    """Every scenario obeys the loader's rules (`allocator.policy.rules.refuse_rows`: declared ranges,
    weights adding up to 100 %, sub-weights, bounds in order, whole pool totals …); PolicyError naming
    the rows otherwise. For a what-if; a batch refuses rows one by one instead (`BatchResult.refused`)."""
    refusal = refuse_rows(prepared.policy, params, values, n)
    if refusal.any:
        raise PolicyError([Problem(f"第 {s + 1} 个情景：{message}", key=key, row=int(s) + 1)
                           for s in np.flatnonzero(refusal.refused)[:10] for key, message in refusal.problems(int(s))],
                          title="情景参数有误")


# ---------------------------------------------------------------- the engine's kernels on a chunk's rows

def block_coefs(pb: PreparedBlock, bp: BlockParams, cols: dict[str, np.ndarray],
                varied: bool = False) -> dict[str, np.ndarray]:
    """Each correction's coefficient, (m,) or (c, m): the prepared one where its parameters and columns
    are the base policy's, else `correction_coefficient` with the scenarios' parameters."""
    coefs = {}
    for x in pb.block.corrections:
        if pb.coefs is not None and not varied and all(cols[col] is pb.columns[col] for col in x.columns):
            coefs[x.id] = pb.coefs[x.id]
        else:
            coefs[x.id] = correction_coefficient(cols, x, bp.corrections[x.id])
    return coefs


def targets(pb: PreparedBlock, bp: BlockParams, cols: dict[str, np.ndarray] | None = None,
            varied: bool = False, unit: float = 1.0) -> np.ndarray:
    """The engine's `target_amounts` for the chunk, in `unit`s: with the base policy's correction
    parameters, sub-weights and data (`varied` false, `cols` None) the factor shares are those
    prepared once, else each term is computed for every scenario (`factor_terms`)."""
    b = pb.block
    own = pb.columns if cols is None else cols
    standard = None if b.standard is None else standard_amounts(b.standard, own)
    if cols is None and not varied and not bp.sub:
        coefs: dict[str, np.ndarray] = pb.coefs or {}
        share_matrix, term_shares = pb.shares, None
    else:
        coefs = block_coefs(pb, bp, own, varied)
        share_matrix, term_shares = None, [share for _, share in factor_terms(b, own, coefs, bp.sub)]
    outside = [coefs[x.id] for x in b.corrections if x.apply == CorrectionApply.RESULT]
    return target_amounts(bp.budget, bp.weights, share_matrix, term_shares, outside, standard, unit)


def weight_on_zero_column(pb: PreparedBlock, bp: BlockParams) -> np.ndarray:
    """Scenarios that give weight to a data column with no value over the block's regions (a factor or
    sub-weight the base policy leaves at 0): the single-run path refuses them (`check_for_policy`: 使用
    的列全部为零), the batch marks them infeasible."""
    dead = np.zeros(len(bp.budget), dtype=bool)
    for k, f in enumerate(pb.block.factors):
        for j, comp in enumerate(f.components):
            if comp.column in pb.zero_columns:
                sub = bp.sub[f.id][:, j] if f.id in bp.sub else comp.weight
                dead |= (bp.weights[:, k] > 0) & (sub > 0)
    return dead


def standard_exceeds_budget(pb: PreparedBlock, bp: BlockParams, cols: dict[str, np.ndarray] | None) -> np.ndarray:
    """Scenarios whose per-person part is larger than the block's budget (`check_for_policy` refuses
    these on the single-run path with a DataError; the batch marks them infeasible)."""
    if pb.block.standard is None:
        return np.zeros(len(bp.budget), dtype=bool)
    part = standard_amounts(pb.block.standard, pb.columns if cols is None else cols)
    return part.sum(axis=-1) > bp.budget + 1e-6


def unit_bounds(pb: PreparedBlock, bp: BlockParams, codes: np.ndarray, unit: float) -> tuple[np.ndarray, np.ndarray]:
    """⌈floor⌉ and ⌊cap⌋ in rounding units, scenarios × regions: the engine's gradual-change rule with
    the scenarios' shares, the policy's per-region overrides, whole units."""
    b = gradual_bounds(pb.base, bp.floor_share, bp.cap_share, bp.floor_minimum)
    if b.floor.ndim == 1:  # nothing per scenario: one row for all
        b = Bounds(b.floor[None], b.cap[None])
    return to_unit_bounds(with_region_overrides(b, pb.block.constraints, codes[pb.index]), unit)


def split_rows(region_units: np.ndarray, pool_units: np.ndarray) -> np.ndarray:
    """`split_by_pool` for every row: scenarios × regions × pools, every row and column exact."""
    if pool_units.shape[1] == 1 or len(region_units) == 0:
        return region_units[:, :, None] if pool_units.shape[1] == 1 else np.zeros((0, region_units.shape[1],
                                                                                    pool_units.shape[1]), np.int64)
    return np.stack([split_by_pool(region_units[r], pool_units[r]) for r in range(len(region_units))])


# ---------------------------------------------------------------- one chunk, all blocks

@dataclass
class ChunkResult:
    totals: np.ndarray  # units (integers), (c, n) region totals over all blocks
    at_floor: np.ndarray  # (c, n) a floor holds the region in some block
    at_cap: np.ndarray  # (c, n) a cap holds the region in some block
    feasible: np.ndarray  # (c,)
    rerun: np.ndarray  # (c,) rows recomputed on the single-run path
    amounts: np.ndarray | None  # (c, n, pools) when asked


def scaled_columns(pb: PreparedBlock, scale: dict[str, np.ndarray] | None) -> dict[str, np.ndarray] | None:
    """The block's columns multiplied by per-scenario data multipliers (c, n over all regions)."""
    if not scale:
        return None
    return {k: (v * scale[k][:, pb.index] if k in scale else v) for k, v in pb.columns.items()}


@dataclass(frozen=True)
class BlockOutcome:
    """One block's result for c scenarios over its eligible regions."""

    units: np.ndarray  # (c, m) int64
    floor: np.ndarray  # (c, m) held at the floor
    cap: np.ndarray  # (c, m) held at the cap
    ok: np.ndarray  # (c,) feasible
    rerun: np.ndarray  # (c,) close call or unsettled: recompute on the single-run path


def block_outcome(pb: PreparedBlock, bp: BlockParams, unit: float, t: np.ndarray, lo, hi,
                  dtype: type = np.int64) -> BlockOutcome:
    """Constrained step and rounding of one block for every row of `t` (targets in units)."""
    total = np.round(bp.budget / unit)
    positive = bool(t.size == 0 or t.min() > 0)
    if positive and pb.start is not None and pb.start.fits(lo, hi):
        ok = pb.start.feasible(total)
    else:
        ok = feasible_rows(t, lo, hi, total, positive)
    x, _, line, settled = water_fill(t, lo, hi, total, positive, pb.start, ok)
    units, close = round_rows(x, total, dtype)
    if pb.block.constraints.objective != Objective.LEAST_SQUARES:  # the single run solves the other objectives
        close[:] = True
    held_floor, held_cap = binding(line, lo, hi)
    return BlockOutcome(units, held_floor, held_cap, ok, ok & (close | ~settled))


def _touched(pb: PreparedBlock, params: list[OverridePath], data_scale) -> bool:
    return any(p.acts_on(pb.block.id) for p in params) or bool(data_scale and any(k in pb.columns for k in data_scale))


def block_chunk(prepared: Prepared, pb: PreparedBlock, params: list[OverridePath], values: dict[str, np.ndarray],
                c: int, data_scale, dtype: type = np.int64) -> tuple[BlockOutcome, np.ndarray]:
    """One block for c scenarios: the prepared base outcome where nothing touches the block."""
    unit = prepared.unit
    if not _touched(pb, params, data_scale) and pb.outcome is not None:
        o = pb.outcome
        pool_units = pb.pool_units
        assert pool_units is not None, "prepare() sets the pool units"
        if c == 1:
            return o, pool_units
        return BlockOutcome(*(np.broadcast_to(a, (c, *a.shape[1:])) for a in (o.units, o.floor, o.cap, o.ok,
                                                                            o.rerun))), np.repeat(pool_units, c, 0)
    bp = block_params(pb, params, values, c)
    if c == 1 and pb.pool_units is not None and not any(p.kind == "total" and p.acts_on(pb.block.id) for p in params):
        pool_units = pb.pool_units  # a what-if that leaves the totals alone
    else:
        pool_units = np.round(bp.pool_totals / unit).astype(np.int64)
    varied = any(p.acts_on(pb.block.id) and p.kind == "correction" for p in params)
    cols = scaled_columns(pb, data_scale)
    t = targets(pb, bp, cols, varied, unit)
    if data_scale and any(k in data_scale for k in pb.block.base_columns):
        _refuse_scaled_base(pb)
    if any(p.acts_on(pb.block.id) and p.kind == "constraint" for p in params):
        lo, hi = unit_bounds(pb, bp, prepared.data.codes, unit)
    else:
        assert pb.lo is not None and pb.hi is not None, "prepare() sets the base bounds"
        lo, hi = pb.lo, pb.hi
    o = block_outcome(pb, bp, unit, t, lo, hi, dtype)
    over = standard_exceeds_budget(pb, bp, cols)
    if pb.zero_columns:
        over |= weight_on_zero_column(pb, bp)
    if over.any():
        o = replace(o, ok=o.ok & ~over, rerun=o.rerun & ~over)
    return o, pool_units


def run_chunk(prepared: Prepared, params: list[OverridePath], values: dict[str, np.ndarray], c: int,
              data_scale: dict[str, np.ndarray] | None = None, pools: bool = False,
              out: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None, dtype: type = np.int64) -> ChunkResult:
    """Evaluate c scenarios (rows of `values`) on every block of the prepared pair.

    `out`: zeroed (totals, at_floor, at_cap) arrays of c rows to fill in place (slices of the batch's
    result), so a large batch is written once instead of assembled from copies; otherwise they are
    made here, the totals of integer type `dtype`.
    """
    n = prepared.n_regions
    if out is None:
        out = (np.zeros((c, n), dtype=dtype), np.zeros((c, n), dtype=bool), np.zeros((c, n), dtype=bool))
    totals, at_floor, at_cap = out
    feasible = np.ones(c, dtype=bool)
    rerun = np.zeros(c, dtype=bool)
    per_block = []
    for pb in prepared.blocks:
        o, pool_units = block_chunk(prepared, pb, params, values, c, data_scale, totals.dtype.type)
        feasible &= o.ok
        rerun |= o.rerun
        if len(pb.index) == n:
            totals += o.units
            at_floor |= o.floor
            at_cap |= o.cap
        else:
            totals[:, pb.index] += o.units
            at_floor[:, pb.index] |= o.floor
            at_cap[:, pb.index] |= o.cap
        per_block.append((pb, o.units, pool_units))
    if not feasible.all():
        totals[~feasible] = 0
        at_floor[~feasible] = at_cap[~feasible] = False
    amounts = _pool_table(prepared, per_block, c, feasible & ~rerun) if pools else None
    result = ChunkResult(totals, at_floor, at_cap, feasible, rerun & feasible, amounts)
    if result.rerun.any():
        for r in np.flatnonzero(result.rerun):
            _rerun_row(prepared, params, values, data_scale, int(r), result)
    return result


def _refuse_scaled_base(pb: PreparedBlock) -> None:
    """Floors and caps are shares of last year's amounts, which are not measured with error."""
    raise InputError([Problem("数据误差不能作用于上年基数列（保底、封顶以基数为准）", key=",".join(pb.block.base_columns))])


def _pool_table(prepared: Prepared, per_block, c: int, feasible: np.ndarray) -> np.ndarray:
    """Regions × pools for the feasible rows (zeros elsewhere)."""
    pool_index = {p.id: j for j, p in enumerate(prepared.policy.pools)}
    out = np.zeros((c, prepared.n_regions, len(pool_index)), dtype=np.int64)
    rows = np.flatnonzero(feasible)
    for pb, units, pool_units in per_block:
        split = split_rows(units[rows], pool_units[rows])
        cols = [pool_index[p.id] for p in pb.block.pools]
        out[rows[:, None, None], pb.index[None, :, None], np.array(cols)[None, None, :]] = split
    return out


def single_run(prepared: Prepared, overrides: dict[str, Any], data_scale_row: dict[str, np.ndarray] | None = None):
    """The single-run path for one scenario: `apply_overrides` then `allocate` (the reference)."""
    policy = apply_overrides(prepared.policy, overrides) if overrides else prepared.policy
    data = prepared.data
    if data_scale_row:
        cols = {k: (v * data_scale_row[k] if k in data_scale_row else v) for k, v in data.columns.items()}
        data = RegionData(data.codes, data.names, cols)
    return allocate(policy, data)


def _rerun_row(prepared, params, values, data_scale, r: int, out: ChunkResult) -> None:
    """Recompute row r exactly on the single-run path and write it into the chunk result."""
    row = {p.path: values[p.path][r] for p in params}
    scale_row = {k: v[r] for k, v in data_scale.items()} if data_scale else None
    try:
        result = single_run(prepared, overrides_for(params, row), scale_row)
    except (InfeasibleError, DataError):  # DataError: a per-person part larger than its pool
        out.feasible[r] = False
        out.totals[r] = 0
        return
    out.totals[r] = result.amounts.sum(axis=1)
    out.at_floor[r] = out.at_cap[r] = False
    for pb in prepared.blocks:
        prefix = "" if pb.block.id == SHARED else f"{pb.block.id}:"
        codes = result.trace[prefix + "binding"][pb.index]
        out.at_floor[r, pb.index] |= codes == Binding.FLOOR.value  # held in any of its blocks
        out.at_cap[r, pb.index] |= codes == Binding.CAP.value
    if out.amounts is not None:
        out.amounts[r] = result.amounts


# ---------------------------------------------------------------- the batch: chunks, executors, result

@dataclass(frozen=True)
class BatchResult:
    """S scenarios on one prepared pair. Amounts in rounding units (integers); `to_wan` converts."""

    prepared: Prepared
    scenarios: pd.DataFrame  # one row per scenario, columns = override paths (file units)
    totals: np.ndarray  # (S, n) region totals over all pools (int32 or int64: `units_dtype`)
    at_floor: np.ndarray  # (S, n) bool: a floor holds the region (in some block)
    at_cap: np.ndarray  # (S, n) bool: a cap holds the region (in some block)
    feasible: np.ndarray  # (S,) False where floors, caps and budget cannot all hold (amounts then 0)
    rerun: int  # scenarios recomputed on the single-run path (close rounding calls)
    amounts: np.ndarray | None = None  # (S, n, pools) when asked for
    extra: dict[str, Any] = field(default_factory=dict)
    # the rows a single run would refuse (a value out of range, weights not adding up …): never
    # computed, amounts 0, not feasible; `refused` and `reasons` say which and why
    refusal: Refusal | None = None

    @property
    def codes(self) -> np.ndarray:
        return self.prepared.data.codes

    @property
    def refused(self) -> np.ndarray:
        """(S,) bool: the scenario breaks a rule of the policy file and was not computed."""
        return self.refusal.refused if self.refusal is not None else np.zeros(len(self.feasible), dtype=bool)

    @property
    def reasons(self) -> np.ndarray:
        """(S,) why each refused scenario was refused, in words ("" for the others)."""
        return self.refusal.reasons() if self.refusal is not None else np.full(len(self.feasible), "", dtype=object)

    def to_wan(self, units: np.ndarray) -> np.ndarray:
        return units * self.prepared.unit

    def frame(self) -> pd.DataFrame:
        """Long table: 情景, 地区代码, 地区名称, 分配额(万元), 保底, 封顶 — one row per scenario × region."""
        s, n = self.totals.shape
        return pd.DataFrame({
            "情景": np.repeat(np.arange(1, s + 1), n),
            "地区代码": np.tile(self.codes, s),
            "地区名称": np.tile(self.prepared.data.names, s),
            "分配额(万元)": self.to_wan(self.totals).ravel(),
            "保底": self.at_floor.ravel(),
            "封顶": self.at_cap.ravel(),
            "可行": np.repeat(self.feasible, n),
        })


def chunk_rows(n_regions: int, chunk_bytes: int = CHUNK_BYTES) -> int:
    """Scenarios per chunk so one float64 scenarios × regions array takes about `chunk_bytes`."""
    return max(1, chunk_bytes // (8 * max(1, n_regions)))


def _chunks(n: int, size: int) -> Iterator[slice]:
    for start in range(0, n, size):
        yield slice(start, min(n, start + size))


def scenario_values(prepared: Prepared, scenarios: pd.DataFrame | Mapping[str, Any]) -> tuple[list[OverridePath], dict[str, np.ndarray], int]:
    """Parameters and float columns from a table of scenarios (columns = override paths)."""
    frame = scenarios if isinstance(scenarios, pd.DataFrame) else pd.DataFrame(
        {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in scenarios.items()})
    params = [prepared.parameter(str(col)) for col in frame.columns]
    values = {p.path: frame[p.path].to_numpy(dtype=float) for p in params}
    return params, values, len(frame)


@dataclass(frozen=True)
class ArrayScale:
    """Data multipliers given as arrays (column → scenarios × regions), rows from `offset` on."""

    arrays: dict[str, np.ndarray]
    offset: int = 0

    def rows(self, sl: slice) -> dict[str, np.ndarray]:
        return {k: a[sl.start - self.offset: sl.stop - self.offset] for k, a in self.arrays.items()}

    def take(self, start: int, stop: int) -> ArrayScale:
        """The rows start..stop only (what one task of an executor needs)."""
        return ArrayScale(self.rows(slice(start, stop)), start)

    def __len__(self) -> int:
        return len(next(iter(self.arrays.values())))


def _task(prepared: Prepared, params: list[OverridePath], values: dict[str, np.ndarray], scale, pools: bool,
          start: int, stop: int, rows: int, reduce=None, dtype: type = np.int64):
    """Worker body (picklable arguments): scenarios start..stop in chunks of `rows`, each chunk about
    2 MB; `values` hold only these rows. Returns the chunk results, or the reduced partials."""
    out = []
    for a in range(start, stop, rows):
        sl = slice(a, min(stop, a + rows))
        v = {k: x[sl.start - start: sl.stop - start] for k, x in values.items()}
        chunk = run_chunk(prepared, params, v, sl.stop - sl.start, scale.rows(sl) if scale else None, pools,
                          dtype=dtype)
        out.append(reduce(chunk, sl) if reduce else chunk)
    return out


def _prepare_batch(prepared: Prepared, scenarios, data_scale, size: int | None):
    """Parameters, values broadcast to S rows, the data multipliers as a row source, S, and the integer
    type of the region totals (`units_dtype`)."""
    params, values, s = scenario_values(prepared, scenarios)
    scale = ArrayScale(dict(data_scale)) if isinstance(data_scale, Mapping) and data_scale else (data_scale or None)
    if scale is not None and hasattr(scale, "__len__"):
        s = max(s, len(scale))
    if size is not None:
        s = max(s, size)
    values = {k: np.broadcast_to(v, (s,)) for k, v in values.items()}
    found = refuse_rows(prepared.policy, params, values, s)
    refusal = found if found.any else None
    if refusal is not None:  # the kernels never see a refused value: those rows take the base policy's values
        values = {p.path: np.where(refusal.refused, p.neutral, values[p.path]) for p in params}
    return params, values, scale, s, units_dtype(prepared, params, values), refusal


def _blank(refused: np.ndarray, *arrays: np.ndarray | None) -> None:
    """Zero the refused rows of result arrays (in place)."""
    for a in arrays:
        if a is not None:
            a[refused] = 0


def _refusing(reduce: Callable, refused: np.ndarray, chunk: ChunkResult, rows: slice) -> Any:
    """`reduce` over a chunk whose refused rows are marked not feasible (and zeroed) first."""
    mine = refused[rows]
    if mine.any():
        chunk.feasible[mine] = False
        _blank(mine, chunk.totals, chunk.at_floor, chunk.at_cap, chunk.amounts)
    return reduce(chunk, rows)


def units_dtype(prepared: Prepared, params: list[OverridePath], values: dict[str, np.ndarray]) -> type:
    """int32 for region totals in rounding units when no scenario's whole budget can reach 2³¹ units
    (half the memory of a large batch: 10,000 × 2,850 totals take 114 MB instead of 228 MB), else int64."""
    budget = 0.0
    for pool in prepared.policy.pools:
        varied = [values[p.path] * p.scale for p in params if p.kind == "total" and p.key == pool.id]
        budget += float(np.max(np.concatenate([[pool.total], *varied])))
    return np.int32 if budget / prepared.unit < 2 ** 31 - 1 else np.int64


def _run_tasks(prepared, params, values, scale, pools, s: int, rows: int, executor: Executor,
               tasks: int, reduce, progress, dtype: type = np.int64) -> Iterator[Any]:
    """Split S scenarios into about `tasks` tasks of whole chunks, submit them, yield their results in order."""
    per_task = max(rows, -(-s // max(1, tasks) // rows) * rows)
    bounds = [(a, min(s, a + per_task)) for a in range(0, s, per_task)]
    futures = [executor.submit(_task, prepared, params, {k: v[a:b] for k, v in values.items()},
                               scale.take(a, b) if isinstance(scale, ArrayScale) else scale, pools, a, b, rows,
                               reduce, dtype) for a, b in bounds]
    for (_, b), future in zip(bounds, futures):
        yield from future.result()
        if progress:
            progress(b, s)


def evaluate(prepared: Prepared, scenarios: pd.DataFrame | Mapping[str, Any],
             data_scale: Mapping[str, np.ndarray] | Any | None = None, pools: bool = False,
             executor: Executor | None = None, chunk_bytes: int = CHUNK_BYTES,
             progress: Callable[[int, int], None] | None = None, tasks: int = 16) -> BatchResult:
    """Evaluate every scenario (row) on the prepared pair; see the module docstring.

    `scenarios`: columns are override paths in the policy file's units (e.g. factors.need.weight = 70
    for 70 %). `data_scale`: column → (S, n) multipliers on the data (data-error draws), or an object
    whose `rows(slice)` gives them. `pools`: also return the region × pool table. `executor`: anything
    with `submit` (concurrent.futures; a Dask `Client.get_executor()`), given about `tasks` tasks of
    whole chunks; in-process when None, the chunks shared by THREADS threads. `progress(done, total)`
    is called as chunks finish, in order.
    """
    params, values, scale, s, dtype, refusal = _prepare_batch(prepared, scenarios, data_scale, None)
    rows = chunk_rows(prepared.n_regions, chunk_bytes)
    frame = scenarios if isinstance(scenarios, pd.DataFrame) else pd.DataFrame(  # as given, refused rows too
        {k: np.broadcast_to(np.atleast_1d(np.asarray(v, dtype=float)), (s,)) for k, v in scenarios.items()})
    frame = frame.reset_index(drop=True)
    if executor is not None:
        parts = list(_run_tasks(prepared, params, values, scale, pools, s, rows, executor, tasks, None, progress,
                                dtype))
        return _concat(prepared, frame, parts, pools, refusal=refusal)
    n = prepared.n_regions
    whole = (np.zeros((s, n), dtype=dtype), np.zeros((s, n), dtype=bool), np.zeros((s, n), dtype=bool))

    def one(sl: slice) -> ChunkResult:  # writes into its own rows of `whole`
        v = {k: a[sl] for k, a in values.items()}
        return run_chunk(prepared, params, v, sl.stop - sl.start, scale.rows(sl) if scale else None, pools,
                         (whole[0][sl], whole[1][sl], whole[2][sl]))

    parts = list(_in_threads(one, list(_chunks(s, rows)), s, progress))
    return _concat(prepared, frame, parts, pools, whole, refusal)


def _in_threads(fn: Callable[[slice], Any], chunks: list[slice], s: int,
                progress: Callable[[int, int], None] | None) -> Iterator[Any]:
    """fn over the chunks, in order, in up to THREADS threads (one chunk: here, no pool)."""
    if len(chunks) < 2 or THREADS < 2:
        results: Iterator[Any] = map(fn, chunks)
        pool = None
    else:
        pool = ThreadPoolExecutor(min(THREADS, len(chunks)))
        results = pool.map(fn, chunks)
    try:
        for sl, result in zip(chunks, results):
            yield result
            if progress:
                progress(sl.stop, s)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def evaluate_reduced(prepared: Prepared, scenarios: pd.DataFrame | Mapping[str, Any], reduce: Callable,
                     combine: Callable, data_scale=None, size: int | None = None, executor: Executor | None = None,
                     chunk_bytes: int = CHUNK_BYTES, progress: Callable[[int, int], None] | None = None,
                     tasks: int = 16) -> Any:
    """Like `evaluate`, but each chunk is reduced where it is computed (`reduce(chunk, rows)`, picklable)
    and the partials folded here (`combine(accumulated or None, partial)`), so memory stays bounded
    whatever the number of scenarios (e.g. a million draws over 2,850 counties). `size`: the number of
    scenarios when the table has no columns (data draws only)."""
    params, values, scale, s, dtype, refusal = _prepare_batch(prepared, scenarios, data_scale, size)
    rows = chunk_rows(prepared.n_regions, chunk_bytes)
    if refusal is not None:
        reduce = functools.partial(_refusing, reduce, refusal.refused)
    acc = None
    if executor is not None:
        for partial in _run_tasks(prepared, params, values, scale, False, s, rows, executor, tasks, reduce, progress,
                                  dtype):
            acc = combine(acc, partial)
        return acc

    def one(sl: slice) -> Any:
        v = {k: a[sl] for k, a in values.items()}
        return reduce(run_chunk(prepared, params, v, sl.stop - sl.start, scale.rows(sl) if scale else None,
                                dtype=dtype), sl)

    for partial in _in_threads(one, list(_chunks(s, rows)), s, progress):
        acc = combine(acc, partial)
    return acc


def _concat(prepared: Prepared, frame: pd.DataFrame, parts: list[ChunkResult], pools: bool,
            whole: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
            refusal: Refusal | None = None) -> BatchResult:
    totals, at_floor, at_cap = whole if whole is not None else (
        np.concatenate([p.totals for p in parts]), np.concatenate([p.at_floor for p in parts]),
        np.concatenate([p.at_cap for p in parts]))
    feasible = np.concatenate([p.feasible for p in parts])
    amounts = np.concatenate([p.amounts for p in parts if p.amounts is not None]) if pools else None
    rerun = np.concatenate([p.rerun for p in parts])
    if refusal is not None:
        feasible[refusal.refused] = rerun[refusal.refused] = False
        _blank(refusal.refused, totals, at_floor, at_cap, amounts)
    return BatchResult(
        prepared=prepared, scenarios=frame, totals=totals, at_floor=at_floor, at_cap=at_cap,
        feasible=feasible, rerun=int(rerun.sum()), amounts=amounts, refusal=refusal,
    )


def what_if(prepared: Prepared, overrides: Mapping[str, float]) -> np.ndarray:
    """One scenario through the prepared pair: region totals in rounding units (int64, length n)."""
    params = [prepared.parameter(k) for k in overrides]
    values = {p.path: np.array([float(overrides[p.path])]) for p in params}
    if params:
        check_weights(prepared, params, values, 1)
    chunk = run_chunk(prepared, params, values, 1)
    if not chunk.feasible[0]:
        single_run(prepared, overrides_for(params, {k: v[0] for k, v in values.items()}))  # raises, explained
    return chunk.totals[0]


def grid_scenarios(prepared: Prepared, axes: Mapping[str, np.ndarray], balance: str | None = None) -> pd.DataFrame:
    """Every combination of the axes' values (file units); `balance` (a weight path) takes 100 % minus
    the other weights of its block, and combinations that would put it outside 0–100 % are dropped."""
    for path in axes:
        parameter(prepared.policy, path)
    frame = pd.DataFrame(list(itertools.product(*axes.values())), columns=list(axes))
    if balance is None:
        return frame
    p = parameter(prepared.policy, balance)
    if p.kind != "weight" or balance in axes:
        raise InputError([Problem(f"平衡参数 {balance} 应为未在网格中的因素权重", key="balance", value=balance)])
    block = next(pb.block for pb in prepared.blocks if pb.block.id == p.block)
    others = [weight_path(block, f.id) for f in block.factors if weight_path(block, f.id) != balance]
    fixed = sum(f.weight * 100 for f in block.factors if weight_path(block, f.id) in others
                and weight_path(block, f.id) not in axes)
    value = 100 - fixed - frame[[c for c in others if c in axes]].sum(axis=1)
    frame[balance] = np.round(value, 10)
    return frame[(value >= -1e-9) & (value <= 100 + 1e-9)].reset_index(drop=True)
