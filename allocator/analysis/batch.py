"""Batch engine: thousands of what-ifs over one (policy, data) pair as array operations.

A `Prepared` pair is checked (`check_for_policy`) and hashed once. A batch of S scenarios — factor
weights, sub-weights of a factor's components, correction parameters, floor/cap shares, pool totals,
and optionally multipliers on data columns — is evaluated in chunks of about 1 MB of rows:

1. targets for every scenario in one matrix product  B_s · Σ_k w_sk · share_k  (万元), the shares
   prepared once with the engine's own `factor_value`; where a scenario changes the shares (data
   multipliers, sub-weights, correction parameters) every transform of `allocator.engine.factors` is
   computed along the regions axis — intensity (the scale factor's value × the clipped effort index,
   components divided by a column or by the scale), bonus_penalty, balance_penalty, rank_linear,
   bands, per_capita, ratio_to_mean, capped_score. A pool with a per-person part (`standard`) gets
   people × rate first and the factors share B − Σ part, as `pipeline.formula_amounts`;
2. the least-squares constrained step  x = clip(s·t, L, U), Σx = B  by Newton on the multiplier s
   for all scenarios at once (the water-filling active-set iteration of `allocator.solver.fast`),
   with an exact finish: once the active set stops changing, s is solved from that linear piece.
   The first step solves the base policy's active set (a scenario near the base settles at once), and each
   step stays inside the bracket the evaluations have found, so Newton cannot cycle;
3. largest-remainder rounding in whole rounding units, ties by administrative code, within
   ⌈floor⌉ and ⌊cap⌋ (`allocator.engine.pipeline.to_unit_bounds`), exactly as
   `allocator.rounding.largest_remainder`: the cut value comes from one sort (short rows) or one
   partition (long rows, over the regions that have a remainder) of the remainders' bits;
4. optionally the split of each region's total across the block's pools (`split_by_pool`).

Results equal the single-run path (`apply_overrides` + `allocate`) scenario by scenario. Floating
point may differ in the last bits between the two paths (about 1e-15 of a quota); a scenario whose
rounding could depend on those bits (two remainders at the cut closer than 1e-12 of the row's
largest quota, a quota within 1e-12 of the snap threshold), or whose objective is not least squares,
or whose Newton iteration does not settle, is recomputed through the single-run path itself, and so
is every scenario of a block whose formula uses a transform the batch does not compute
(`batch_fallback` names the reason; none among the shipped presets). `BatchResult.rerun` counts
them (none in 10,000 random Sichuan scenarios). A scenario whose per-person part exceeds its pool is
marked infeasible (the single-run path refuses it with a DataError naming the pool), and so is one
that gives weight to a data column with no value over the block's regions.

A top-level path (`factors.`, `corrections.`, `constraints.`) acts on every block that follows the
policy's own formula: the shared block and each pool separate only by eligibility or a per-person part.
"""
from __future__ import annotations

import functools
import hashlib
import itertools
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from allocator import __version__
from allocator.engine.factors import factor_value, standard_amounts
from allocator.engine.inputs import RegionData, check_for_policy, eligibility
from allocator.engine.pipeline import SHARED, Bounds, allocate, base_amounts, split_by_pool, to_unit_bounds
from allocator.errors import DataError, InfeasibleError, InputError, PolicyError, Problem
from allocator.policy import apply_overrides
from allocator.policy.model import Binding, Block, Factor, Objective, Policy, Transform
from allocator.policy.paths import VALUE, OverridePath, override_path
from allocator.policy.rules import Refusal, refuse_rows
from allocator.rounding.hamilton import SNAP

CHUNK_BYTES = 1 << 20  # about 1 MB of float64 rows per chunk
NEWTON_STEPS = 30
FRAGILE = 1e-12  # relative to the quotas (units): closer calls are recomputed on the single path
SORT_WIDTH = 256  # rows of remainders up to this long are sorted, longer ones partitioned (`_cut_values`)
SMALL = 20_000  # arrays of fewer elements (a what-if, a small chunk) skip passes that only pay on large ones
TIE = 1e-9  # remainders this close are tied and go by code (allocator.rounding.hamilton.TIE on main)


# ---------------------------------------------------------------- parameters a batch may vary

Parameter = OverridePath  # the batch's former name of an override path, kept for the kernels' annotations


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
    start: Start | None = None  # the base policy's active set: water_fill's first guess


@dataclass(frozen=True)
class Start:
    """A guess of the active set for `water_fill` — the base policy's — with what it implies under the
    bounds it was found with (`lo`, `hi`: the prepared ⌈floor⌉ and ⌊cap⌋ rows), so scenarios that
    keep those bounds need not recompute it."""

    below: np.ndarray  # (1, m) held at the floor
    above: np.ndarray  # (1, m) held at the cap
    lo: np.ndarray  # (1, m) the bounds these sums belong to (compared by identity)
    hi: np.ndarray
    free: np.ndarray  # (1, m) no bound holds and the bounds leave room
    guess: np.ndarray  # (m,) the same as floats, for a matrix product
    held: float  # Σ floors below + Σ caps above, units
    floors: float  # Σ lo
    caps: float  # Σ hi
    crossed: bool  # some floor above its cap

    @classmethod
    def of(cls, x: np.ndarray, line: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> Start:
        below, above = x[:1] > line[:1], x[:1] < line[:1]
        free = (lo < hi) & ~below & ~above
        return cls(below, above, lo, hi, free, free[0].astype(float),
                   float(np.where(below, lo, 0.0).sum() + np.where(above, hi, 0.0).sum()), float(lo.sum()),
                   float(hi.sum()), bool((lo > hi).any()))

    def fits(self, lo: np.ndarray, hi: np.ndarray) -> bool:
        """These are the bounds the sums were taken under (every target then > 0)."""
        return lo is self.lo and hi is self.hi

    def feasible(self, total: np.ndarray) -> np.ndarray:
        """`feasible_rows` under these bounds with every target > 0."""
        return (not self.crossed) & (self.floors <= total + 1e-9) & (self.caps >= total - 1e-9)


@dataclass(frozen=True)
class Prepared:
    """A (policy, data) pair validated and hashed once; the batch engine's starting point."""

    policy: Policy
    data: RegionData
    blocks: tuple[PreparedBlock, ...]
    digest: str
    parameters: dict[str, Parameter] = field(default_factory=dict, compare=False, repr=False)  # parsed paths

    def parameter(self, path: str) -> Parameter:
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
    check_for_policy(policy, data)
    blocks = []
    for block in policy.blocks:
        index = np.flatnonzero(eligibility(block, data))
        sub = data.subset(eligibility(block, data)) if len(index) < len(data) else data
        cols = {c: sub.columns[c] for c in block.data_columns}
        totals = np.array([p.total for p in block.pools])
        pb = PreparedBlock(block, index, cols, base_amounts(block, sub), totals, np.empty((0, len(index))))
        bp = block_params(pb, [], {}, 1)
        pb = replace(pb, coefs={x.id: correction_values(x, cols, bp.corrections[x.id])[0] for x in block.corrections})
        pb = replace(pb, shares=np.array([sh[0] if sh.ndim == 2 else sh for sh in factor_shares(pb, bp, cols)]))
        lo, hi = unit_bounds(pb, bp, policy.rounding.unit)
        apply_region_overrides(pb, data.codes, lo, hi, policy.rounding.unit)
        pb = replace(pb, lo=lo, hi=hi, pool_units=np.round(totals / policy.rounding.unit).astype(np.int64)[None, :],
                     zero_columns=frozenset(c.column for f in block.factors for c in f.components
                                            if not cols[c.column].any()))
        if batch_fallback(block):
            blocks.append(pb)  # every scenario of this block goes through the single-run path
            continue
        t = targets(pb, bp, unit=policy.rounding.unit)
        x, _, line, _ = water_fill(t, lo, hi, np.round(bp.budget / policy.rounding.unit))
        pb = replace(pb, start=Start.of(x, line, lo, hi))
        outcome = block_outcome(pb, bp, policy.rounding.unit, t, lo, hi)
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


def block_params(pb: PreparedBlock, params: list[Parameter], values: dict[str, np.ndarray], c: int) -> BlockParams:
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


# ---------------------------------------------------------------- formula, batched (rows = scenarios)

def _share_of_total(col: np.ndarray) -> np.ndarray:
    """col / Σcol along the regions (last) axis; an all-zero row gives zeros (as `factors._share_of_total`)."""
    total = col.sum(axis=-1, keepdims=True)
    return np.divide(col, total, out=np.zeros(np.broadcast_shapes(col.shape, total.shape)), where=total != 0)


def _ratio_to_mean(value: np.ndarray) -> np.ndarray:
    mean = value.mean(axis=-1, keepdims=True)
    return np.divide(value, mean, out=np.zeros(np.broadcast_shapes(value.shape, mean.shape)), where=mean != 0)


def _composite(factor: Factor, cols: dict[str, np.ndarray], sub: np.ndarray | None = None) -> np.ndarray:
    """`factors.composite_value` along the last axis; `sub` (c, J): per-scenario sub-weights."""
    total: np.ndarray | float = 0.0
    for j, comp in enumerate(factor.components):
        col = cols[comp.column]
        w = comp.weight if sub is None else sub[:, j:j + 1]
        total = total + w * (_share_of_total(col) if factor.combine == "shares" else col)
    return np.asarray(total, dtype=float)


def _clip(value: np.ndarray, lower: float | None, upper: float | None) -> np.ndarray:
    return np.clip(value, -np.inf if lower is None else lower, np.inf if upper is None else upper)


def _intensity_index(factor: Factor, cols: dict[str, np.ndarray], scale_value: np.ndarray,
                     sub: np.ndarray | None = None) -> np.ndarray:
    """`factors.intensity_index` along the last axis: Σ w_j · (component / per) ÷ mean, over Σ w_j, clipped."""
    index: np.ndarray | float = 0.0
    weight_sum: np.ndarray | float = 0.0
    for j, comp in enumerate(factor.components):
        value = np.asarray(cols[comp.column], dtype=float)
        if comp.per:
            divisor = scale_value if comp.per == factor.scale else cols[comp.per]
            value, divisor = np.broadcast_arrays(value, divisor)
            value = np.divide(value, divisor, out=np.zeros(value.shape), where=divisor != 0)
        w = comp.weight if sub is None else sub[:, j:j + 1]
        index = index + w * _ratio_to_mean(value)
        weight_sum = weight_sum + w
    return _clip(np.asarray(index) / weight_sum, factor.lower, factor.upper)


def factor_values(factor: Factor, cols: dict[str, np.ndarray], others: tuple[Factor, ...] = (),
                  sub: Mapping[str, np.ndarray] | None = None) -> np.ndarray:
    """`allocator.engine.factors.factor_value` along the last axis (1-D data or scenarios × regions).

    `others`: the block's factors (an intensity factor's scale is one of them); `sub`: factor id →
    (c, J) sub-weights per scenario for the factors whose sub-weights a batch varies. With 1-D data
    and no varied sub-weights the engine's own function is called, so the values are the same bits.
    """
    sub = sub or {}
    scale = next((f for f in others if f.id == factor.scale), None) if factor.transform == Transform.INTENSITY else None
    own = {c: cols[c] for c in _factor_columns(factor, scale)}
    if not (factor.id in sub or (scale is not None and scale.id in sub)) and all(np.ndim(v) == 1 for v in own.values()):
        return factor_value(own, factor, others)
    if factor.transform == Transform.INTENSITY:
        assert scale is not None, "the loader requires the scale factor"
        scale_value = _composite(scale, cols, sub.get(scale.id))
        return scale_value * _intensity_index(factor, cols, scale_value, sub.get(factor.id))
    value = _composite(factor, cols, sub.get(factor.id))
    return transformed(factor, value, cols)


def _factor_columns(factor: Factor, scale: Factor | None) -> tuple[str, ...]:
    return factor.columns + (scale.columns if scale is not None else ())


def transformed(factor: Factor, value: np.ndarray, cols: dict[str, np.ndarray]) -> np.ndarray:
    """The transforms of `factors.factor_value` after the composite value, along the last axis."""
    t = factor.transform
    if t == Transform.BONUS_PENALTY:
        mean = value.mean(axis=-1, keepdims=True)
        relative = np.where(mean != 0, _ratio_to_mean(value) - 1.0, 0.0)
        lower = max(factor.lower if factor.lower is not None else 0.0, 0.0)
        return np.clip(1.0 + factor.slope * relative, lower, np.inf if factor.upper is None else factor.upper)
    if t == Transform.BALANCE_PENALTY:
        assert factor.penalty_column is not None and factor.threshold is not None, "checked by the loader"
        return np.where(cols[factor.penalty_column] > factor.threshold, value * (1.0 - factor.penalty), value)
    if t == Transform.RANK_LINEAR:
        return np.clip(value.shape[-1] + 1.0 - value, 0.0, None)
    if t == Transform.BANDS:
        index = np.searchsorted(np.asarray(factor.thresholds, dtype=float), value, side="left")
        return np.asarray(factor.values, dtype=float)[index]
    if t == Transform.PER_CAPITA:
        assert factor.denominator is not None, "the loader requires a denominator for per_capita"
        return value / cols[factor.denominator]
    if t == Transform.RATIO_TO_MEAN:
        return _ratio_to_mean(value)
    if t == Transform.CAPPED_SCORE:
        return _clip(_ratio_to_mean(value), factor.lower, factor.upper)
    return value


def standard_part(block: Block, cols: dict[str, np.ndarray]) -> np.ndarray | None:
    """The per-person part in 万元 (`factors.standard_amounts`), (m,) or (c, m); None without one."""
    return None if block.standard is None else standard_amounts(block.standard, cols)


def correction_values(corr, cols: dict[str, np.ndarray], p: dict[str, np.ndarray]) -> np.ndarray:
    """`allocator.engine.corrections.correction_coefficient` for c scenarios: (c, m)."""
    if corr.method == "column":
        coef = np.asarray(cols[corr.column], dtype=float)
    else:
        capacity = cols[corr.numerator] / cols[corr.denominator]
        if corr.method == "classes":
            coef = np.asarray(corr.coefficients, dtype=float)[np.searchsorted(corr.thresholds, capacity, side="right")]
        else:
            mean = capacity.mean(axis=-1, keepdims=True)
            coef = (mean / capacity) ** p["elasticity"][:, None]
    lower = np.where(np.isnan(p["lower"]), -np.inf, p["lower"])[:, None]
    upper = np.where(np.isnan(p["upper"]), np.inf, p["upper"])[:, None]
    return np.clip(coef, lower, upper)


def factor_shares(pb: PreparedBlock, bp: BlockParams, cols: dict[str, np.ndarray],
                  varied: bool = False) -> list[np.ndarray]:
    """Each factor's share per region, corrections inside the terms applied: (m,) where nothing in it
    changes between scenarios, else (c, m). A correction whose parameters and columns are the base
    policy's keeps its prepared coefficient."""
    b = pb.block
    coefs = {}
    for x in b.corrections:
        if pb.coefs is not None and not varied and all(cols[col] is pb.columns[col] for col in x.columns):
            coefs[x.id] = pb.coefs[x.id]
        else:
            coefs[x.id] = correction_values(x, cols, bp.corrections[x.id])
    shares = []
    for f in b.factors:
        inside = [coefs[x.id] for x in b.corrections if x.apply == "inside" and (x.factors is None or f.id in x.factors)]
        value = factor_values(f, cols, b.factors, bp.sub)
        weighted = value * np.prod(inside, axis=0) if len(inside) > 1 else (value * inside[0] if inside else value)
        shares.append(_share_of_total(weighted))
    return shares


def targets(pb: PreparedBlock, bp: BlockParams, cols: dict[str, np.ndarray] | None = None,
            varied: bool = False, unit: float = 1.0) -> np.ndarray:
    """Corrected formula amounts in `unit`s (万元 by default), scenarios × eligible regions: B·Σ w_k·share_k,
    corrections applied, plus the per-person part where the block has one (the factors then share
    B − Σ part, as `pipeline.formula_amounts`).

    With the base policy's correction parameters, sub-weights and data (`varied` false, `cols` None)
    the factor shares are those prepared once, and all targets are one matrix product (the budget in
    units folded into the weights).
    """
    b = pb.block
    outside = [x for x in b.corrections if x.apply == "result"]
    part = standard_part(b, pb.columns if cols is None else cols)
    budget = bp.budget if part is None else np.maximum(bp.budget - part.sum(axis=-1), 0.0)
    if cols is None and not varied and not bp.sub and not outside and part is None:
        return (bp.weights * (budget / unit)[:, None]) @ pb.shares
    if cols is None and not varied and not bp.sub:
        formula = budget[:, None] * (bp.weights @ pb.shares)
    else:
        cols = pb.columns if cols is None else cols
        formula = np.zeros((len(bp.budget), len(pb.index)))
        for k, share in enumerate(factor_shares(pb, bp, cols, varied)):
            formula += bp.weights[:, k:k + 1] * share
        formula *= budget[:, None]
    if outside:
        cols = pb.columns if cols is None else cols
        factor = np.prod([correction_values(x, cols, bp.corrections[x.id]) for x in outside], axis=0)
        weighted = formula * factor
        formula = budget[:, None] * weighted / weighted.sum(axis=1, keepdims=True)
    formula = formula if part is None else formula + part
    return formula if unit == 1.0 else formula / unit


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
    """Scenarios whose per-person part is larger than the block's budget (`inputs._standard_problems`
    refuses these on the single-run path with a DataError; the batch marks them infeasible)."""
    part = standard_part(pb.block, pb.columns if cols is None else cols)
    if part is None:
        return np.zeros(len(bp.budget), dtype=bool)
    return part.sum(axis=-1) > bp.budget + 1e-6


def unit_bounds(pb: PreparedBlock, bp: BlockParams, unit: float) -> tuple[np.ndarray, np.ndarray]:
    """⌈floor⌉ and ⌊cap⌋ in rounding units, scenarios × regions (`pipeline.bounds` + `to_unit_bounds`)."""
    c, m = len(bp.budget), len(pb.index)
    floor = np.zeros((c, m))
    if bp.floor_share is not None:
        floor = np.maximum(floor, bp.floor_share[:, None] * pb.base)
    if bp.floor_minimum is not None:
        floor = np.maximum(floor, bp.floor_minimum[:, None])
    cap = np.full((c, m), np.inf)
    if bp.cap_share is not None:
        cap = np.where(pb.base > 0, bp.cap_share[:, None] * pb.base, np.inf)
    return to_unit_bounds(Bounds(floor, cap), unit)


def apply_region_overrides(pb: PreparedBlock, codes: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                           unit: float) -> None:
    """Per-region floors and caps written in the policy replace the rule for their region (in place)."""
    if not pb.block.constraints.overrides:
        return
    where = {code: i for i, code in enumerate(codes[pb.index])}
    for o in pb.block.constraints.overrides:
        if o.region in where:
            i = where[o.region]
            o_lo, o_hi = to_unit_bounds(Bounds(np.array([o.floor or 0.0]), np.array([o.cap if o.cap is not None
                                                                                      else np.inf])), unit)
            if o.floor is not None:
                lo[:, i] = o_lo[0]
            if o.cap is not None:
                hi[:, i] = o_hi[0]


# ---------------------------------------------------------------- constrained step and rounding, batched

def feasible_rows(t, lo, hi, total, positive: bool | None = None) -> np.ndarray:
    """Scenarios whose floors, caps and budget can all hold (`solver.check_feasible` row by row)."""
    if positive is None:
        positive = bool(t.size == 0 or t.min() > 0)
    caps = hi if positive else np.where(t > 0, hi, np.minimum(lo, hi))  # a zero target is held at its floor
    floors = np.broadcast_to(lo.sum(axis=1), total.shape)
    crossed = np.broadcast_to((lo > hi).any(axis=1), total.shape)
    return ~crossed & (floors <= total + 1e-9) & (np.broadcast_to(caps.sum(axis=1), total.shape) >= total - 1e-9)


class Fill(NamedTuple):
    """`water_fill`'s result for c scenarios."""

    x: np.ndarray  # (c, m) constrained amounts in units
    s: np.ndarray  # (c,) the multiplier
    line: np.ndarray  # (c, m) s·t
    ok: np.ndarray  # (c,) settled with Σx = total (the rest go to the single-run solver)


def water_fill(t, lo, hi, total, positive: bool | None = None, start: Start | None = None,
               feasible: np.ndarray | None = None) -> Fill:
    """x = clip(s·t, lo, hi) with Σx = total, every row at once; zero targets pinned to their floor.

    Newton on s: each step solves the linear piece the current s lies on (the regions no bound holds
    take s·t, the rest their bound), s = (total − Σ held) / Σ t_free, so the active set settles in a
    few steps. A row has settled when the free set at its s is the one that s was solved from and
    Σx = total; its x and s·t are kept from that evaluation and it drops out of the iteration. The
    first s solves the piece of `start` — a guess of the active set, the base policy's — so a
    scenario near the guess settles in one or two evaluations; without a guess (or where it gives
    no positive s) the first s is the proportional one. Rows known not to be `feasible` (floors, caps
    and budget cannot all hold) are evaluated once and left unsettled.
    `lo` and `hi` may be one row shared by all scenarios. `positive`: every target > 0, if the caller
    knows.
    """
    c = len(t)
    if positive is None:
        positive = bool(t.size == 0 or t.min() > 0)
    if not positive:  # a zero target is pinned to its floor
        hi = np.where(t > 0, hi, lo)
    moving = lo < hi if positive else (t > 0) & (lo < hi)
    everyone_moves = bool(moving.all())
    s, free = _first_step(t, lo, hi, total, moving, start if positive else None)
    if c == 1:
        return _fill_one(t[0], lo[0], hi[0], float(total[0]), moving[0], everyone_moves, float(s[0]), free[0],
                         feasible is None or bool(feasible[0]))
    ok = np.zeros(c, dtype=bool)
    rows = np.arange(c)
    tr, lor, hir, mr, totr = t, lo, hi, moving, total
    low, high, solved = np.zeros(c), np.full(c, np.inf), np.ones(c, dtype=bool)  # bracket; s solved from `free`
    hopeless = None if feasible is None or feasible.all() else ~feasible  # no solution to look for
    x_out = line_out = np.empty((0, 0))
    for step_no in range(NEWTON_STEPS):
        sr = s[rows]
        line = tr * sr[:, None]
        x = np.clip(line, lor, hir)
        new_free = x == line
        if not everyone_moves:
            new_free &= mr
        gap = totr - x.sum(axis=1)
        # settled: s solves the piece of `free` and that is the piece s lies on — the same free set and
        # Σx = total (a guessed set may hold a region at its cap that s puts at its floor: the free
        # set is the same, the sum is not)
        settled = solved & (new_free == free).all(axis=1) & (np.abs(gap) <= 1e-9 * np.maximum(1.0, totr))
        if step_no == 0:  # the first evaluation covers every row: keep it whole, write later rows into it
            x_out, line_out = x, line
        elif settled.any():
            x_out[rows[settled]], line_out[rows[settled]] = x[settled], line[settled]
        ok[rows[settled]] = True
        dropped = step_no == 0 and hopeless is not None
        if dropped:
            settled = settled | hopeless  # out of the iteration (ok stays False)
        if settled.all():
            return Fill(x_out, s, line_out, ok)
        keep = ~settled
        low = np.where(gap > 0, np.maximum(low, sr), low)  # Σx is monotone in s: the solution lies above
        high = np.where(gap < 0, np.minimum(high, sr), high)
        if dropped or keep.sum() < 0.75 * len(rows):  # gather the unsettled rows once enough have settled
            rows, free, tr, totr, gap, sr = rows[keep], new_free[keep], tr[keep], totr[keep], gap[keep], sr[keep]
            low, high, solved = low[keep], high[keep], solved[keep]
            lor, hir, mr = (_gather(a, keep) for a in (lor, hir, mr))
            step, solved = _safe_step(tr, lor, hir, sr, gap, np.einsum("ij,ij->i", tr, free), low, high)
            s[rows] = step
        else:
            free = new_free
            step, now = _safe_step(tr, lor, hir, sr, gap, np.einsum("ij,ij->i", tr, free), low, high)
            s[rows[keep]] = step[keep]
            solved = np.where(keep, now, solved)
    # rows still moving after NEWTON_STEPS: their last s, not settled (ok stays False)
    line = tr * s[rows][:, None]
    x_out[rows], line_out[rows] = np.clip(line, lor, hir), line
    return Fill(x_out, s, line_out, ok)


def _safe_step(t, lo, hi, s, gap, slope, low, high) -> tuple[np.ndarray, np.ndarray]:
    """The next s for rows not settled, and whether it solves the piece s lay on (Newton's step).

    Newton: s + gap / slope (slope = Σ t over the free regions) solves that piece exactly. Newton can
    cycle on a piecewise-linear sum, so the step is kept inside the bracket (low, high) the
    evaluations so far have put around the solution; a row with no slope (every region held) goes
    to the nearest s at which a held region comes free; a step that leaves the bracket halves it.
    """
    solved = slope > 0
    step = np.where(solved, s + gap / np.where(solved, slope, 1.0), s)
    if not solved.all():
        stuck = np.flatnonzero(~solved)
        step[stuck] = _next_breakpoint(t[stuck], _gather(lo, stuck), _gather(hi, stuck), s[stuck], gap[stuck])
    inside = (step > low) & (step < high)
    if not inside.all():
        halve = np.where(np.isfinite(high), 0.5 * (low + high), 2.0 * np.maximum(s, low))
        step = np.where(inside, step, halve)
        solved &= inside
    return step, solved


def _fill_one(t, lo, hi, total: float, moving, everyone_moves: bool, s: float, free, feasible: bool) -> Fill:
    """`water_fill`'s steps for one scenario (a what-if): the same arithmetic on one row, without the
    bookkeeping of rows that settle at different steps."""
    low, high, solved = 0.0, np.inf, True
    for _ in range(NEWTON_STEPS if feasible else 1):
        line = t * s
        x = np.clip(line, lo, hi)
        new_free = x == line
        if not everyone_moves:
            new_free &= moving
        gap = total - x.sum()
        if solved and abs(gap) <= 1e-9 * max(1.0, total) and np.array_equal(new_free, free):
            return Fill(x[None], np.array([s]), line[None], np.ones(1, dtype=bool))
        free = new_free
        low, high = (max(low, s), high) if gap > 0 else (low, min(high, s) if gap < 0 else high)
        slope = float(np.einsum("i,i->", t, free))
        if slope > 0 and low < s + gap / slope < high:
            s, solved = s + gap / slope, True
        else:
            step, now = _safe_step(t[None], lo[None], hi[None], np.array([s]), np.array([gap]), np.array([slope]),
                                   np.array([low]), np.array([high]))
            s, solved = float(step[0]), bool(now[0])
    line = t * s
    return Fill(np.clip(line, lo, hi)[None], np.array([s]), line[None], np.zeros(1, dtype=bool))


def _first_step(t, lo, hi, total, moving, start: Start | None) -> tuple[np.ndarray, np.ndarray]:
    """The first s of `water_fill` and the free set it was solved from (all False for the proportional s)."""
    use = None
    if start is not None:  # solve the piece of the guessed active set
        if start.fits(lo, hi):
            free = _rows_of(start.free, t.shape)
            slope, held = t @ start.guess, start.held
        else:  # bounds of each scenario's own: (c, m) or one row
            free = _rows_of(moving & ~start.below & ~start.above, t.shape)
            slope = np.einsum("ij,ij->i", t, free)
            held = (np.where(start.below, lo, 0.0) + np.where(start.above, hi, 0.0)).sum(axis=1)
        warm = (total - held) / np.where(slope > 0, slope, 1.0)
        use = (slope > 0) & (warm > 0)
        if use.all():
            return warm, free
    tsum = t.sum(axis=1)
    s = total / np.where(tsum > 0, tsum, 1.0)
    if use is None or not use.any():
        return s, np.zeros(t.shape, dtype=bool)
    return np.where(use, warm, s), free & use[:, None]


def _next_breakpoint(t, lo, hi, s, gap) -> np.ndarray:
    """For rows where every region is held: the nearest s, in the direction the sum must move, at which
    some region's line reaches its bound (and so comes free); s itself where there is none."""
    line = t * s[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        freed_up = np.where((line < lo) & (t > 0), lo / t, np.inf).min(axis=1)  # raising s frees a floor region
        freed_down = np.where(line > hi, hi / t, -np.inf).max(axis=1)  # lowering s frees a capped one
    out = np.where(gap > 0, freed_up, freed_down)
    return np.where(np.isfinite(out), out, s)


def _rows_of(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """`a` (one row or c rows) as c rows, a view (np.broadcast_to costs more than the what-if's arithmetic)."""
    return a if a.shape == shape else np.broadcast_to(a, shape)


def _gather(a: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """The kept rows (a mask or indices) of a per-scenario array; a row shared by every scenario stays as it is."""
    return a[keep] if a.shape[0] > 1 else a


def round_rows(x, total, lo, hi) -> tuple[np.ndarray, np.ndarray]:
    """Largest remainder in every row, ties by position (= ascending code), within lo..hi.

    `x` comes from `water_fill`, so it lies within the integer bounds and so does its snapped value
    (the clamp `largest_remainder` applies changes nothing). The units left after ⌊q⌋ go to the
    remainders above the row's cut value, then to the first regions (by code) exactly at it — the
    order `largest_remainder` takes with its stable sort. The cut and its two neighbours come from
    one sort or partition of the remainders for the whole chunk (`_row_cuts`).
    Returns int64 units and a mask of rows whose rounding is a close call (to be rerun exactly).
    """
    c, n = x.shape
    base = np.floor(x)
    rem = x - base
    size = np.maximum(1.0, x.max(axis=1)) if n else np.ones(c)
    fragile = _snap_in_place(x, base, rem, size)
    short = np.round(total - base.sum(axis=1)).astype(np.int64)
    inner = (short > 0) & (short < n)
    cut = np.where(short > 0, -np.inf, np.inf)  # no unit left: nobody goes up; a unit for everyone: all do
    rows = np.flatnonzero(inner)
    if rows.size:
        k = short[rows]
        before, cut_r, after = _row_cuts(rem, rows, k)
        cut[rows] = cut_r
        # Remainders closer than TIE are one tie group decided by code (the rule `largest_remainder`
        # follows); a neighbour of the cut within TIE plus the float noise of the row's largest quota
        # might join or leave the cut's group on the other path, so such rows are rerun on it.
        noise = 2 * FRAGILE * size[rows] + TIE
        close_after = (cut_r - after < noise) & ~((cut_r == 0) & (after == 0))
        close_before = (k > 1) & (before - cut_r < noise) & ~((before == 0) & (cut_r == 0))
        fragile[rows[close_after | close_before]] = True
    up = rem >= cut[:, None]
    n_up = np.count_nonzero(up, axis=1) if up.size > SMALL else up.sum(axis=1)  # the faster at each size
    tie = np.flatnonzero(n_up > short)  # more regions at the cut than units left: the first by code win
    if tie.size:
        above = rem[tie] > cut[tie, None]
        at_cut = rem[tie] == cut[tie, None]
        room = short[tie] - above.sum(axis=1)
        up[tie] = above | (at_cut & (np.cumsum(at_cut, axis=1) <= room[:, None]))
    out = base.astype(np.int64)
    out += up
    return out, fragile | (short < 0) | (short > n)


def _row_cuts(rem, rows, k) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`_cut_values` for the given rows, over the columns with a remainder in any of them: a region
    held at its (integral) bound has none, and where many are held — 60 % of the synthetic national
    set — the partition is that much narrower. Rows whose k reaches past those columns (the cut
    is 0) take all of them."""
    sub = rem if len(rows) == len(rem) else rem[rows]
    if sub.size < SMALL:  # not worth a pass to find the columns
        return _cut_values(sub, k)
    some = np.any(sub != 0, axis=0)
    width = int(np.count_nonzero(some))
    if width > 0.8 * sub.shape[1] or k.max() >= width:
        return _cut_values(sub, k)
    return _cut_values(np.compress(some, sub, axis=1), k)


def _snap_in_place(x, base, rem, size) -> np.ndarray:
    """`allocator.rounding.hamilton.snap` on ⌊x⌋ and its remainder (in place); rows with a quota at
    the snap threshold (within the float noise) are returned as fragile.

    A quota snaps when |q − round(q)| < SNAP·max(1, q) ≤ SNAP·size (size: max(1, the row's largest
    quota)), so only remainders that close to 0 or to 1 can snap or sit near the threshold; those
    few are decided one by one with the exact rule.
    """
    fragile = np.zeros(len(x), dtype=bool)
    reach = ((SNAP + 2 * FRAGILE) * size)[:, None]
    near = ((rem < reach) & (rem > 0)) | (rem > 1.0 - reach)
    if not near.any():
        return fragile
    r, i = np.nonzero(near)
    q = x[r, i]
    nearest = np.round(q)
    dist = np.abs(q - nearest)
    own = np.maximum(1.0, q)
    snapped = dist < SNAP * own
    base[r[snapped], i[snapped]] = nearest[snapped]
    rem[r[snapped], i[snapped]] = 0.0
    fragile[r[np.abs(dist - SNAP * own) < FRAGILE * own]] = True
    return fragile


def _cut_values(rem: np.ndarray, k: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row, the k-th largest remainder (the cut) and the (k−1)-th (the cut itself where k = 1) and
    the (k+1)-th (1 ≤ k < n).

    Remainders are ≥ 0, so their bit patterns as unsigned integers order as the values do: sorting
    or partitioning those is exact and faster than on floats (no NaN handling). Short rows (up to
    SORT_WIDTH) are sorted — numpy's vectorised sort beats a partition there; longer ones share one
    partition: each row gets (max k − k) pads of 2.0 above every remainder and the rest of its
    padding 0.0 (not above any), so its k-th largest sits at the same column in every row.
    """
    rows, n = rem.shape
    top = int(k.max())
    spread = top - int(k.min())
    if n <= SORT_WIDTH or spread > n:
        asc = np.sort(np.ascontiguousarray(rem).view(np.uint64), axis=1).view(np.float64)
        r = np.arange(rows)
        return asc[r, n - np.maximum(k - 1, 1)], asc[r, n - k], asc[r, n - 1 - k]
    width = n + spread
    if spread:
        padded = np.empty((rows, width))
        padded[:, :n] = rem
        padded[:, n:] = np.where(np.arange(spread)[None, :] < (top - k)[:, None], 2.0, 0.0)
    else:
        padded = np.ascontiguousarray(rem)
    # descending rank d is ascending column width − 1 − d; a row's k-th largest has rank top − 1
    cols = (width - top - 1, width - top, min(width - top + 1, width - 1))
    part = np.partition(padded.view(np.uint64), sorted(set(cols)), axis=1).view(np.float64)
    before = np.where(k > 1, part[:, cols[2]], part[:, cols[1]])  # k = 1: no (k−1)-th, the cut itself
    return before, part[:, cols[1]], part[:, cols[0]]


def binding(line, lo, hi) -> tuple[np.ndarray, np.ndarray]:
    """Held at the floor / at the cap, as `pipeline.binding_labels` decides (line = s·t). The amount
    is clip(line, lo, hi), so it sits on its floor whenever the line is below it and on its cap
    whenever the line is above it: the tests on it that `binding_labels` also makes add nothing here."""
    return line < lo - 1e-7, line > hi + 1e-7


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


def block_outcome(pb: PreparedBlock, bp: BlockParams, unit: float, t: np.ndarray, lo, hi) -> BlockOutcome:
    """Constrained step and rounding of one block for every row of `t` (targets in units)."""
    total = np.round(bp.budget / unit)
    positive = bool(t.size == 0 or t.min() > 0)
    if positive and pb.start is not None and pb.start.fits(lo, hi):
        ok = pb.start.feasible(total)
    else:
        ok = feasible_rows(t, lo, hi, total, positive)
    x, _, line, settled = water_fill(t, lo, hi, total, positive, pb.start, ok)
    units, close = round_rows(x, total, lo, hi)
    if pb.block.constraints.objective != Objective.LEAST_SQUARES:
        close[:] = True
    held_floor, held_cap = binding(line, lo, hi)
    return BlockOutcome(units, held_floor, held_cap, ok, ok & (close | ~settled))


BATCH_TRANSFORMS = frozenset({Transform.RAW, Transform.PER_CAPITA, Transform.RATIO_TO_MEAN, Transform.CAPPED_SCORE,
                              Transform.BONUS_PENALTY, Transform.BALANCE_PENALTY, Transform.RANK_LINEAR,
                              Transform.BANDS, Transform.INTENSITY})


def batch_fallback(block: Block) -> str | None:
    """Why the batch cannot compute this block's formula (its scenarios then take the single-run
    path, counted in `BatchResult.rerun`), or None when it can."""
    odd = [f.label for f in block.factors if f.transform not in BATCH_TRANSFORMS]
    return f"因素「{'、'.join(odd)}」的变换方式未在批量计算中实现，逐个情景按单次计算" if odd else None


def _fallback_outcome(pb: PreparedBlock, c: int) -> BlockOutcome:
    """Every row marked for the single-run path (the units are written there)."""
    m = len(pb.index)
    empty = np.zeros((c, m), dtype=bool)
    return BlockOutcome(np.zeros((c, m), dtype=np.int64), empty, empty, np.ones(c, dtype=bool), np.ones(c, dtype=bool))


def _touched(pb: PreparedBlock, params: list[Parameter], data_scale) -> bool:
    return any(p.acts_on(pb.block.id) for p in params) or bool(data_scale and any(k in pb.columns for k in data_scale))


def block_chunk(prepared: Prepared, pb: PreparedBlock, params: list[Parameter], values: dict[str, np.ndarray],
                c: int, data_scale) -> tuple[BlockOutcome, np.ndarray]:
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
    pool_units = np.round(bp.pool_totals / unit).astype(np.int64)
    if batch_fallback(pb.block):
        return _fallback_outcome(pb, c), pool_units
    varied = any(p.acts_on(pb.block.id) and p.kind == "correction" for p in params)
    cols = scaled_columns(pb, data_scale)
    t = targets(pb, bp, cols, varied, unit)
    if data_scale and any(k in data_scale for k in pb.block.base_columns):
        _refuse_scaled_base(pb)
    if any(p.acts_on(pb.block.id) and p.kind == "constraint" for p in params):
        lo, hi = unit_bounds(pb, bp, unit)
        apply_region_overrides(pb, prepared.data.codes, lo, hi, unit)
    else:
        assert pb.lo is not None and pb.hi is not None, "prepare() sets the base bounds"
        lo, hi = pb.lo, pb.hi
    o = block_outcome(pb, bp, unit, t, lo, hi)
    over = standard_exceeds_budget(pb, bp, cols)
    if pb.zero_columns:
        over |= weight_on_zero_column(pb, bp)
    if over.any():
        o = replace(o, ok=o.ok & ~over, rerun=o.rerun & ~over)
    return o, pool_units


def run_chunk(prepared: Prepared, params: list[Parameter], values: dict[str, np.ndarray], c: int,
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
        o, pool_units = block_chunk(prepared, pb, params, values, c, data_scale)
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
        data = RegionData(data.codes, data.names, cols, data.digest + "|scaled")
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
        out.at_floor[r, pb.index] = codes == Binding.FLOOR.value
        out.at_cap[r, pb.index] = codes == Binding.CAP.value
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


def scenario_values(prepared: Prepared, scenarios: pd.DataFrame | Mapping[str, Any]) -> tuple[list[Parameter], dict[str, np.ndarray], int]:
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


def _task(prepared: Prepared, params: list[Parameter], values: dict[str, np.ndarray], scale, pools: bool,
          start: int, stop: int, rows: int, reduce=None, dtype: type = np.int64):
    """Worker body (picklable arguments): scenarios start..stop in chunks of `rows`, each chunk about
    1 MB; `values` hold only these rows. Returns the chunk results, or the reduced partials."""
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


def units_dtype(prepared: Prepared, params: list[Parameter], values: dict[str, np.ndarray]) -> type:
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
    whole chunks; in-process when None. `progress(done, total)` is called as chunks finish.
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
    parts = []
    for sl in _chunks(s, rows):
        v = {k: a[sl] for k, a in values.items()}
        parts.append(run_chunk(prepared, params, v, sl.stop - sl.start, scale.rows(sl) if scale else None, pools,
                               (whole[0][sl], whole[1][sl], whole[2][sl])))
        if progress:
            progress(sl.stop, s)
    return _concat(prepared, frame, parts, pools, whole, refusal)


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
    for sl in _chunks(s, rows):
        v = {k: a[sl] for k, a in values.items()}
        chunk = run_chunk(prepared, params, v, sl.stop - sl.start, scale.rows(sl) if scale else None, dtype=dtype)
        acc = combine(acc, reduce(chunk, sl))
        if progress:
            progress(sl.stop, s)
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
