"""The policy model: what a policy file says, after validation and unit conversion.

Every number here is already in the engine's unit: money in 万元, weights and ratios as shares
of 1. Conversion happens once, in `allocator.policy.build`, at the edge; how each number may be
written, its description and its range are declared on its field (`allocator.policy.schema`).
"""
from __future__ import annotations

import copy
import hashlib
import json
import string
from dataclasses import dataclass, field, fields
from enum import StrEnum
from functools import cached_property
from typing import Any, ClassVar

from allocator.policy.keyed import node_at
from allocator.policy.schema import (
    DAY_UNITS,
    MARK_UNITS,
    MAX_TOTAL,
    MONEY_UNITS,
    PER_PERSON_UNITS,
    RATIO_UNITS,
    SHARE_UNITS,
    quantity,
)

# A field's metadata may say how a policy file spells it (`key`), that it is not read from the file
# (`in_file=False`), or (for Policy) that it sits at the top level of the file rather than in [policy].
FILE_KEY, IN_FILE, TOP_LEVEL = "key", "in_file", "top_level"


def file_keys(cls: type) -> frozenset[str]:
    """The keys a policy file may write in the table `cls` is read from: its fields under their file
    names, plus the keys kept for people only (`FILE_EXTRAS`, e.g. description). One declaration: the
    loader's list of allowed keys is derived from here, never written twice."""
    keys = {f.metadata.get(FILE_KEY, f.name) for f in fields(cls)
            if f.metadata.get(IN_FILE, True) and not f.metadata.get(TOP_LEVEL)}
    return frozenset(keys | set(getattr(cls, "FILE_EXTRAS", ())))


def top_level_keys(cls: type) -> frozenset[str]:
    """The top-level tables of a policy file (Policy fields marked top_level), plus [policy] itself."""
    return frozenset({f.name for f in fields(cls) if f.metadata.get(TOP_LEVEL)} | {"policy"})


class Objective(StrEnum):
    """What the constrained step minimises (see allocator.solver)."""

    LEAST_SQUARES = "least_squares"  # Σ (x − t)² / t
    LEAST_ABSOLUTE = "least_absolute"  # Σ |x − t|
    MINIMAX_RELATIVE = "minimax_relative"  # max |x − t| / t


class Transform(StrEnum):
    """How a factor's raw value becomes the value that is shared out."""

    RAW = "raw"
    PER_CAPITA = "per_capita"
    RATIO_TO_MEAN = "ratio_to_mean"
    CAPPED_SCORE = "capped_score"
    BONUS_PENALTY = "bonus_penalty"  # 1 + slope × (x − mean) / mean: a bonus above the mean, a penalty below
    BALANCE_PENALTY = "balance_penalty"  # x × (1 − penalty) where the balance column exceeds the threshold
    RANK_LINEAR = "rank_linear"  # rank 1 (best) of n → n points, rank n → 1 point
    BANDS = "bands"  # a value per band of x (e.g. ranks 1–2, 3–5, 6+)
    # Σ sub-weight × (component / its `per` column) relative to the mean, clipped to [lower, upper],
    # times the `scale` factor's value: effort measured as intensity, money following need
    INTENSITY = "intensity"


class Combine(StrEnum):
    """How a composite factor's components combine: add the columns, or add their shares."""

    SUM = "sum"
    SHARES = "shares"


class CorrectionMethod(StrEnum):
    COLUMN = "column"  # the coefficient is a data column
    CAPACITY_RATIO = "capacity_ratio"  # (mean capacity / capacity) ^ elasticity
    CLASSES = "classes"  # a coefficient per capacity class


class CorrectionApply(StrEnum):
    INSIDE = "inside"  # multiplies the region's value inside each factor term (MOF pattern)
    RESULT = "result"  # multiplies the whole formula amount, then renormalised


class Level(StrEnum):
    """Which government's money a pool is."""

    CENTRAL = "中央"
    PROVINCIAL = "省级"
    PREFECTURE = "市级"
    COUNTY = "县级"


class Purpose(StrEnum):
    """What a pool's money is for (published tables: 常规分配 | 贫困县定向分配)."""

    REGULAR = "regular"
    EARMARKED = "earmarked"


class AdvanceRule(StrEnum):
    """How this year's advance (提前下达) is computed from last year's allocation."""

    PER_POOL = "per_pool"  # each pool: base × (pool advance total / pool base total), per region
    # the 2019 seed: one ratio = central advance notice ÷ last year's central money, applied to each
    # 市州's last-year central + provincial base; counties receive from their 市州
    PREFECTURE_RATIO = "prefecture_ratio"


class SettlementRule(StrEnum):
    """What happens when a region's advance exceeds its full-year amount."""

    CLAW_BACK = "claw_back"
    RAISE_TO_ADVANCE = "raise_to_advance"


class Binding(StrEnum):
    """Which constraint holds a region away from its proportional amount (labels: see BINDING_LABELS)."""

    FLOOR = "floor"
    CAP = "cap"
    NONE = "none"


MAX_ELASTICITY = 10.0  # a correction's elasticity, ratio: (mean capacity / capacity) ^ elasticity

BINDING_LABELS = {Binding.FLOOR: "保底", Binding.CAP: "封顶", Binding.NONE: ""}

OBJECTIVES = tuple(o.value for o in Objective)


class SolveMethod(StrEnum):
    """How the constrained step is computed (see allocator.solver)."""

    FAST = "fast"  # exact NumPy algorithms (water-filling and its faces)
    LP = "lp"  # PuLP/HiGHS model, for the linear objectives


OBJECTIVE_LABELS = {Objective.LEAST_SQUARES: "最小二乘（按测算额比例分摊）", Objective.LEAST_ABSOLUTE: "最小绝对偏差",
                    Objective.MINIMAX_RELATIVE: "最小化最大相对偏差"}
SOLVE_METHOD_LABELS = {SolveMethod.FAST: "精确快速算法", SolveMethod.LP: "PuLP/HiGHS 线性规划模型"}

GOAL_FIELDS = ("name", "total", "year")


def fill_goal(template: str, **values: object) -> str:
    """The 年度总体目标 text with {name}, {total}, {year} filled in. Only those bare placeholders are
    allowed (no format specs, no attribute access), so user text can never ask for a huge padding or
    reach into objects; anything else raises ValueError naming the placeholder."""
    out = []
    for literal, field_name, spec, conversion in string.Formatter().parse(template):
        out.append(literal)
        if field_name is None:
            continue
        if field_name not in GOAL_FIELDS or spec or conversion:
            shown = "{" + field_name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            raise ValueError(shown)
        out.append(str(values.get(field_name, "")))
    return "".join(out)


@dataclass(frozen=True)
class Parameter:
    """One numeric policy value with its unit, source and description, for listings and documents."""

    path: str  # e.g. "factors.need.weight"
    value: float  # as written in the file (NaN for a list, see `text`)
    unit: str  # as written in the file
    source: str
    description: str = ""
    # where `source` and `description` came from: "own" (written on the value), "table" (from the
    # table or policy that holds it, in the file) or "default" (supplied by the program)
    source_origin: str = "own"
    description_origin: str = "own"
    text: str = ""  # a list value, as written (e.g. class thresholds)

    @property
    def shown(self) -> str:
        return self.text or f"{self.value:g}"


@dataclass(frozen=True)
class Standard:
    """A per-person part of a pool (补助标准 × 人数, e.g. 城乡居民医保财政补助 per insured person): each
    region first gets people × rate; the rest of the pool follows the factors."""

    FILE_EXTRAS: ClassVar[tuple[str, ...]] = ("description",)

    column: str  # the head-count, 人 (e.g. insured)
    source: str
    # 万元 per person (written in 元/人), the same everywhere
    rate: float | None = field(default=None, metadata=quantity(PER_PERSON_UNITS, "补助标准", lower=0.0,
                                                                below="补助标准不能为负"))
    rate_column: str | None = None  # or a per-region rate column, 元/人
    label: str = "按标准补助"

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c for c in (self.column, self.rate_column) if c)


@dataclass(frozen=True)
class Pool:
    """A budget pool: one source of money (e.g. 中央 一般公共预算), total in 万元."""

    id: str
    label: str
    total: float = field(metadata=quantity(  # 万元
        MONEY_UNITS, "资金总额", required=True, lower=0.0, lower_open=True, below="资金总额必须为正数",
        upper=MAX_TOTAL, above=f"超出支持的范围（每个资金池不超过 {MAX_TOTAL:,.0f} 万元，即 1 万亿元）"))
    level: Level = field()
    kind: str  # 一般公共预算 | 彩票公益金 | …
    source: str
    base_column: str | None = None  # last year's allocation of this pool, 万元
    description: str = ""
    # A pool with its own formula (e.g. the deep-poverty pool) is allocated on its own;
    # pools without one share the policy's factors, corrections and constraints.
    factors: tuple[Factor, ...] | None = None
    corrections: tuple[Correction, ...] = ()
    constraints: Constraints | None = None
    eligible_column: str | None = None  # a region takes part only where this column is non-zero
    eligible_regions: tuple[str, ...] | None = None  # …or only the regions listed
    ineligible_note: str = "不属于此项资金的分配范围"
    # 提前下达 total of this pool for the year, 万元 (at most the pool's total: checked with it)
    advance_total: float | None = field(default=None, metadata=quantity(MONEY_UNITS, "提前下达数"))
    standard: Standard | None = None  # a per-person part paid before the factor shares
    purpose_label: str = ""  # e.g. 常规分配 | 深度贫困定向 (published tables: 常规分配 | 贫困县定向分配)

    @property
    def funding_source(self) -> tuple[Level, str]:
        """Where the money comes from: (中央 | 省级 …, 一般公共预算 | 彩票公益金 …). Several pools may
        share a source (e.g. central general budget = regular money + the deep-poverty earmark)."""
        return (self.level, self.kind)

    @property
    def purpose(self) -> Purpose:
        """What the money is for: regular (all regions by the factor method) or earmarked (only the
        regions an eligibility rule admits)."""
        earmarked = self.eligible_column is not None or self.eligible_regions is not None
        return Purpose.EARMARKED if earmarked else Purpose.REGULAR

    @property
    def purpose_name(self) -> str:
        """The purpose as a table shows it: the file's purpose_label, else 常规分配 | 定向分配."""
        return self.purpose_label or ("常规分配" if self.purpose == Purpose.REGULAR else "定向分配")

    @property
    def separate(self) -> bool:
        """Allocated as a block of its own: own factors, own constraints, or an eligibility rule."""
        return (self.factors is not None or self.constraints is not None
                or self.eligible_column is not None or self.eligible_regions is not None
                or self.standard is not None)


@dataclass(frozen=True)
class Component:
    """A data column inside a composite factor, with its sub-weight (share of 1)."""

    FILE_EXTRAS: ClassVar[tuple[str, ...]] = ("label",)

    column: str
    weight: float = field(default=1.0, metadata=quantity(SHARE_UNITS, "子权重", lower=0.0, below="子权重不能为负"))
    # transform=intensity: the column this one is divided by (e.g. expenditure), or the factor's scale
    # (e.g. "need": 本级投入 per 困难群众)
    per: str | None = None


@dataclass(frozen=True)
class Factor:
    """A weighted factor: value per region from data columns, then normalised into shares."""

    id: str
    label: str
    weight: float = field(metadata=quantity(  # share of 1
        SHARE_UNITS, "因素权重", required=True, lower=0.0, upper=1.0, below="权重应在 0% 到 100% 之间"))
    components: tuple[Component, ...] = field()
    source: str
    combine: Combine = Combine.SUM
    transform: Transform = Transform.RAW
    denominator: str | None = None  # per_capita
    # capped_score, ratio to the mean
    lower: float | None = field(default=None, metadata=quantity(RATIO_UNITS, "相对均值下限"))
    upper: float | None = field(default=None, metadata=quantity(RATIO_UNITS, "相对均值上限"))
    description: str = ""
    # bonus_penalty: share of the relative distance from the mean, ratio
    slope: float = field(default=1.0, metadata=quantity(RATIO_UNITS, "奖惩斜率"))
    penalty_column: str | None = None  # balance_penalty: e.g. balance_share (%)
    # balance_penalty: in the penalty column's unit (a % as written stays in %); bands: not used
    threshold: float | None = field(default=None, metadata=quantity(SHARE_UNITS | RATIO_UNITS, "结余率阈值"))
    # balance_penalty: share of the value taken away, share of 1
    penalty: float = field(default=0.0, metadata=quantity(SHARE_UNITS, "扣减比例", lower=0.0, upper=1.0,
                                                          below="扣减比例应在 0% 到 100% 之间"))
    thresholds: tuple[float, ...] = ()  # bands: upper edges, ascending (x ≤ edge falls in that band)
    values: tuple[float, ...] = ()  # bands: one more than thresholds
    scale: str | None = None  # transform=intensity: the factor whose value the index multiplies

    @property
    def columns(self) -> tuple[str, ...]:
        # a component may be divided by the scale factor's value (per = the scale's id), not a column
        cols = tuple(c.column for c in self.components) + tuple(
            c.per for c in self.components if c.per and c.per != self.scale)
        return cols + tuple(c for c in (self.denominator, self.penalty_column) if c)


@dataclass(frozen=True)
class Correction:
    """A multiplicative coefficient per region (e.g. 财政困难程度), inside factor terms or on the result."""

    id: str
    label: str
    apply: CorrectionApply
    method: CorrectionMethod
    source: str
    factors: tuple[str, ...] | None = None  # inside: which factor terms (None = all)
    column: str | None = None  # method=column
    numerator: str | None = None  # capacity_ratio / classes: capacity = numerator / denominator
    denominator: str | None = None
    elasticity: float = field(default=1.0, metadata=quantity(RATIO_UNITS, "弹性", lower=0.0, upper=MAX_ELASTICITY,
                                                             below=f"弹性应在 0 到 {MAX_ELASTICITY:g} 之间"))
    # clip the coefficient
    lower: float | None = field(default=None, metadata=quantity(RATIO_UNITS, "系数下限", lower=0.0, lower_open=True,
                                                                below="系数界限必须为正"))
    upper: float | None = field(default=None, metadata=quantity(RATIO_UNITS, "系数上限", lower=0.0, lower_open=True,
                                                                below="系数界限必须为正"))
    thresholds: tuple[float, ...] = ()  # classes: capacity thresholds, ascending
    coefficients: tuple[float, ...] = ()  # classes: one more than thresholds
    description: str = ""

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c for c in (self.column, self.numerator, self.denominator) if c)


@dataclass(frozen=True)
class RegionOverride:
    """A per-region floor and/or cap in 万元, replacing the general rule for that region."""

    region: str
    source: str
    floor: float | None = field(default=None, metadata=quantity(MONEY_UNITS, "地区保底额", lower=0.0, below="不能为负"))
    cap: float | None = field(default=None, metadata=quantity(MONEY_UNITS, "地区封顶额", lower=0.0, below="不能为负"))
    reason: str = ""


@dataclass(frozen=True)
class Constraints:
    """Gradual-change rules against last year's amount (基数) and the optimiser's objective."""

    FILE_EXTRAS: ClassVar[tuple[str, ...]] = ("description",)

    source: str
    objective: Objective = Objective.LEAST_SQUARES
    # share of base
    floor_share: float | None = field(default=None, metadata={FILE_KEY: "floor_share_of_base", **quantity(
        SHARE_UNITS, "保底比例", lower=0.0, below="不能为负")})
    # share of base; regions with no base are not capped
    cap_share: float | None = field(default=None, metadata={FILE_KEY: "cap_share_of_base", **quantity(
        SHARE_UNITS, "封顶比例", lower=0.0, below="不能为负")})
    floor_minimum: float | None = field(default=None, metadata=quantity(  # 万元
        MONEY_UNITS, "最低额", lower=0.0, below="不能为负"))
    base_column: str | None = None  # default: the sum of the pools' base columns
    overrides: tuple[RegionOverride, ...] = ()


@dataclass(frozen=True)
class Rounding:
    """Final amounts are integers of `unit` 万元 (1 or 0.01), by largest remainder."""

    unit: float = field(metadata=quantity(MONEY_UNITS, "取整单位", required=True))  # 1 or 0.01, checked by the loader
    source: str = field()
    method: str = "largest_remainder"

    @property
    def decimals(self) -> int:
        return 0 if self.unit >= 1 else 2


@dataclass(frozen=True)
class Block:
    """Pools allocated together by one formula: the shared pools, or one pool with its own formula."""

    id: str
    pools: tuple[Pool, ...]
    factors: tuple[Factor, ...]
    corrections: tuple[Correction, ...]
    constraints: Constraints
    eligible_column: str | None = None
    eligible_regions: tuple[str, ...] | None = None
    ineligible_note: str = ""
    standard: Standard | None = None

    @property
    def budget(self) -> float:
        return sum(p.total for p in self.pools)

    @property
    def base_columns(self) -> tuple[str, ...]:
        if self.constraints.base_column:
            return (self.constraints.base_column,)
        return tuple(p.base_column for p in self.pools if p.base_column)

    @property
    def data_columns(self) -> tuple[str, ...]:
        cols: list[str] = []
        for f in self.factors:
            cols += f.columns
        for c in self.corrections:
            cols += c.columns
        cols += self.base_columns
        if self.eligible_column:
            cols.append(self.eligible_column)
        if self.standard:
            cols += self.standard.columns
        return tuple(cols)


@dataclass(frozen=True)
class SettlementRules:
    """提前下达 and settlement rules: what happens when an advance exceeds the full-year amount."""

    FILE_EXTRAS: ClassVar[tuple[str, ...]] = ("description",)

    source: str
    advance_excess: SettlementRule = SettlementRule.CLAW_BACK
    advance_rule: AdvanceRule = AdvanceRule.PER_POOL
    received: str | None = None  # ISO date the (central) money was received
    # 预算法 art. 52: pass on within 30 days of receipt
    pass_on_days: int = field(default=30, metadata=quantity(DAY_UNITS, "分配下达时限", lower=0.0, upper=366.0,
                                                            below="应为 0 到 366 之间的整数天数"))


@dataclass(frozen=True)
class Indicator:
    """One row of the 区域绩效目标表: 一级/二级/三级指标 and how its 指标值 is derived."""

    name: str  # 三级指标
    level1: str  # 产出指标 | 效益指标 | 满意度指标
    level2: str  # 数量指标 | 质量指标 | 时效指标 | 成本指标 | 社会效益 | 服务对象满意度 …
    comparator: str  # ≥ | ≤ | = | text
    unit: str
    source: str
    columns: tuple[str, ...] = ()  # value = multiplier × Σ columns of the region
    multiplier: float = 1.0
    value: float | None = None  # a fixed value (e.g. 70 %)
    text: str | None = None  # a qualitative value (e.g. 全覆盖)
    decimals: int = 0
    pools: tuple[str, ...] = ()  # applies only to regions that receive money from one of these pools


@dataclass(frozen=True)
class Performance:
    """The performance-target table issued with the money (随文下达绩效目标)."""

    FILE_EXTRAS: ClassVar[tuple[str, ...]] = ("description",)

    source: str
    goal: str  # 年度总体目标, may use {name}, {total}, {year}
    indicators: tuple[Indicator, ...] = ()


@dataclass(frozen=True)
class Policy:
    """A whole policy. Fields marked top_level are the file's top-level tables; the others sit in [policy]."""

    FILE_EXTRAS: ClassVar[tuple[str, ...]] = ("unit",)  # [policy] unit = "万元", checked by the loader

    id: str
    title: str
    year: int
    source: str
    pools: tuple[Pool, ...] = field(metadata={TOP_LEVEL: True})
    factors: tuple[Factor, ...] = field(metadata={TOP_LEVEL: True})
    corrections: tuple[Correction, ...] = field(metadata={TOP_LEVEL: True})
    constraints: Constraints = field(metadata={TOP_LEVEL: True})
    rounding: Rounding = field(metadata={TOP_LEVEL: True})
    description: str = ""
    base: str | None = None  # the policy this one reforms (`[policy] base`), if any
    dataset: str | None = None  # the data the policy names: dataset name, db:name@version, or absolute path
    settlement: SettlementRules | None = field(default=None, metadata={TOP_LEVEL: True})
    performance: Performance | None = field(default=None, metadata={TOP_LEVEL: True})
    selfeval: SelfEvaluation | None = field(default=None, metadata={TOP_LEVEL: True})
    # keyed form of the file, and every number with its unit and source (both derived, not read as keys)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False, metadata={IN_FILE: False})
    parameters: tuple[Parameter, ...] = field(default=(), compare=False, repr=False, metadata={IN_FILE: False})

    @property
    def budget(self) -> float:
        return sum(p.total for p in self.pools)

    def value_at(self, path: str, default: Any = None) -> Any:
        """What the policy writes at a dotted path (`factors.need.weight` → 75, as written, in the
        file's unit; `constraints.objective` → "least_squares"; a table as a copy), or `default`."""
        node = node_at(self.raw, path)
        if isinstance(node, dict) and "value" in node:
            return copy.deepcopy(node["value"])
        return default if node is None else copy.deepcopy(node)

    def unit_at(self, path: str) -> str | None:
        """The unit the policy writes a number in (None where it writes none)."""
        node = node_at(self.raw, path)
        return node.get("unit") if isinstance(node, dict) else None

    @cached_property
    def digest(self) -> str:
        """sha256 of the policy as written (keyed form); computed once per policy object."""
        text = json.dumps(self.raw, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    @cached_property
    def blocks(self) -> tuple[Block, ...]:
        """The shared block (pools without a formula of their own), then one block per own-formula pool."""
        shared = tuple(p for p in self.pools if not p.separate)
        blocks = []
        if shared:
            blocks.append(Block("shared", shared, self.factors, self.corrections, self.constraints))
        for p in self.pools:
            if p.separate:
                own = p.factors is not None
                blocks.append(Block(
                    p.id, (p,), p.factors if p.factors is not None else self.factors,
                    p.corrections if own else self.corrections,
                    p.constraints or (Constraints(p.source) if own else self.constraints),
                    p.eligible_column, p.eligible_regions, p.ineligible_note, p.standard))
        return tuple(blocks)

    @property
    def data_columns(self) -> tuple[str, ...]:
        """Every data column the policy reads, in a stable order."""
        cols: list[str] = []
        for block in self.blocks:
            cols += block.data_columns
        for pool in self.pools:
            if pool.base_column:
                cols.append(pool.base_column)
        if self.performance:
            for ind in self.performance.indicators:
                cols += ind.columns
        return tuple(dict.fromkeys(cols))


# ---------------------------------------------------------------- 绩效自评 (year-end self-evaluation)

class ScoreRule(StrEnum):
    """How an indicator's 得分 follows from its 实际完成值 (a province's 评价指标体系 names one per row)."""

    MET = "met"  # full marks when the target is met, else 0
    PROPORTIONAL = "proportional"  # marks × degree of completion (capped at 1)
    BANDED = "banded"  # marks × the share of the band the degree of completion falls in


class Direction(StrEnum):
    """Which side of the 年度指标值 counts as met."""

    AT_LEAST = "≥"
    AT_MOST = "≤"
    EQUAL = "="


@dataclass(frozen=True)
class EvalIndicator:
    """One scored row of the 绩效自评表: 一级/二级/三级指标, 年度指标值, 分值 and the scoring rule.

    The 实际完成值 is the region's value in the self-evaluation data column `column`; the 年度指标值 is
    `target` (the same for every region) or the region's value in `target_column`.
    """

    name: str  # 三级指标
    level1: str
    level2: str
    column: str  # data column with the 实际完成值
    marks: float = field(metadata=quantity(MARK_UNITS, "分值", required=True, lower=0.0, below="分值不能为负"))  # 分值
    source: str = field()
    direction: Direction = Direction.AT_LEAST
    rule: ScoreRule = ScoreRule.MET
    unit: str = ""
    target: float | None = None
    target_column: str | None = None
    # banded: completion thresholds (descending, share of 1) and the share of the marks each earns;
    # a completion below the last threshold earns 0
    bands: tuple[float, ...] = ()
    band_marks: tuple[float, ...] = ()
    decimals: int = 0


@dataclass(frozen=True)
class SelfEvaluation:
    """The province's 绩效评价指标体系 for a fund (泸县医疗保障局《2023年度部门决算》附表《部门预算项目支出绩效自评表（2023年度）》: 预算执行情况 10 分, 绩效指标 90 分)."""

    FILE_EXTRAS: ClassVar[tuple[str, ...]] = ("description",)

    source: str
    goal: str  # 年度总体目标, may use {name}, {total}, {year}
    # 预算执行情况 分值, earned in proportion to the execution rate
    budget_marks: float = field(default=10.0, metadata=quantity(MARK_UNITS, "预算执行情况分值"))
    indicators: tuple[EvalIndicator, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        """The self-evaluation data columns the indicators read, in order."""
        cols = [c for ind in self.indicators for c in (ind.column, ind.target_column) if c]
        return tuple(dict.fromkeys(cols))

    @property
    def total_marks(self) -> float:
        return self.budget_marks + sum(ind.marks for ind in self.indicators)
