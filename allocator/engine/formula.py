"""The formula: factor values and shares, correction coefficients and the corrected amounts, as kernels
over arrays — one region row (m,) for a single run, or scenarios × regions (c, m) for a batch; regions
are always the last axis. A single run is a batch of one: both paths call these functions.

Policy source: 四川省医疗保障局《2019年度部门决算》附件2《四川省医疗救助补助专项资金绩效自评报告》(2020):
困难群众人数 75%、户籍人口数 5%、自身努力程度 20%，财政困难程度为修正因素; the transforms below are the
ones provincial rules use, and which one a factor takes is written in the policy file. The national
ministry's transfer rules multiply each region's value inside every factor term by the correction
coefficient before normalising; provinces publish the coefficient as classes or derive it from
fiscal capacity.

Parameters a scenario may vary arrive as arrays of one value per row (shape (c,)); the base policy's
values are taken from the policy objects where none are given.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from allocator.policy.model import Block, Correction, CorrectionApply, CorrectionMethod, Factor, Standard, Transform

Array = np.ndarray


# ---------------------------------------------------------------- shares and means along the regions axis

def share_of_total(col: Array) -> Array:
    """col / Σcol along the regions axis; an all-zero row (only allowed in a factor of weight 0) gives
    zeros, not NaN. Unit: share of 1."""
    total = col.sum(axis=-1, keepdims=True)
    return np.divide(col, total, out=np.zeros(np.broadcast_shapes(col.shape, total.shape)), where=total != 0)


def ratio_to_mean(value: Array) -> Array:
    """Value relative to the unweighted average across regions (1 = average); unit: ratio."""
    mean = value.mean(axis=-1, keepdims=True)
    return np.divide(value, mean, out=np.zeros(np.broadcast_shapes(value.shape, mean.shape)), where=mean != 0)


def clip_band(value: Array, lower, upper) -> Array:
    """Clip to [lower, upper]; None (or NaN in a per-scenario array) means no bound on that side."""
    return np.clip(value, _bound(lower, -np.inf), _bound(upper, np.inf))


def _bound(b, none: float):
    if b is None:
        return none
    if isinstance(b, np.ndarray):
        b = np.where(np.isnan(b), none, b)
        return b[:, None] if b.ndim == 1 else b
    return b


def _sub_weight(sub: Array | None, j: int, default: float):
    """Component j's sub-weight: the policy's, or per scenario a (c, 1) column of `sub` (c, J)."""
    return default if sub is None else sub[:, j:j + 1]


# ---------------------------------------------------------------- factor values

def composite_value(columns: Mapping[str, Array], factor: Factor, sub: Array | None = None) -> Array:
    """The factor's raw value per region from its components.

    combine = "sum": Σ sub-weight × column (counts that add up, e.g. 困难群众 = 低保 + 特困 + 监测对象;
    unit: the columns' unit, 人). combine = "shares": Σ sub-weight × column / column total (components
    in different units, e.g. effort = local input in 万元 + performance score; unit: share).
    `sub`: (c, J) sub-weights per scenario, where a batch varies them.
    """
    total: Array | float = 0.0
    for j, comp in enumerate(factor.components):
        col = columns[comp.column]
        total = total + _sub_weight(sub, j, comp.weight) * (share_of_total(col) if factor.combine == "shares" else col)
    return np.asarray(total, dtype=float)


def per_capita(value: Array, population: Array) -> Array:
    """Value per person (e.g. 困难群众 per 户籍人口); unit: the value's unit per 人."""
    return value / population


def capped_score(value: Array, lower: float | None, upper: float | None) -> Array:
    """Ratio to the mean, clipped to [lower, upper] so no region gains or loses beyond a band; unit: ratio."""
    return clip_band(ratio_to_mean(value), lower, upper)


def intensity_index(columns: Mapping[str, Array], factor: Factor, scale_value: Array,
                    sub: Array | None = None) -> Array:
    """An effort index per region: Σ sub-weight × (component / its `per`) ÷ the regions' mean, over
    Σ sub-weights, clipped to [lower, upper]; `per` is a column or the scale factor (then divided by
    `scale_value`, e.g. 本级投入 per 困难群众; a region with no 困难群众 has no intensity on that component,
    0, and gets nothing from the term anyway). 1 = average effort. Unit: ratio.

    Source: 四川省医疗保障局《四川省医疗救助补助专项资金绩效自评报告》(2019 年度部门决算附件2, 2020)
    lists 市县财政努力程度、资金使用绩效和管理工作水平 as effort factors; measured as intensity (本级投入
    relative to a base, a score), not as size.
    """
    index: Array | float = 0.0
    weight_sum: Array | float = 0.0
    for j, comp in enumerate(factor.components):
        value = np.asarray(columns[comp.column], dtype=float)
        if comp.per:
            divisor = scale_value if comp.per == factor.scale else columns[comp.per]
            value, divisor = np.broadcast_arrays(value, divisor)
            value = np.divide(value, divisor, out=np.zeros(value.shape), where=divisor != 0)
        w = _sub_weight(sub, j, comp.weight)
        index = index + w * ratio_to_mean(value)
        weight_sum = weight_sum + w
    return clip_band(np.asarray(index) / weight_sum, factor.lower, factor.upper)


def intensity_value(columns: Mapping[str, Array], factor: Factor, scale: Factor,
                    sub: Mapping[str, Array] | None = None) -> Array:
    """The intensity factor's value: the scale factor's value (e.g. 困难群众, 人) × the effort index, so
    the term's money follows need and tilts towards regions of greater effort per head."""
    sub = sub or {}
    scale_value = composite_value(columns, scale, sub.get(scale.id))
    return scale_value * intensity_index(columns, factor, scale_value, sub.get(factor.id))


def bonus_penalty(value: Array, slope: float, lower: float | None, upper: float | None) -> Array:
    """A bonus above the mean and a penalty below it: 1 + slope × (x − mean) / mean, clipped to [lower,
    upper] and never below 0; unit: ratio (1 = the mean region). Used on last year's 绩效自评得分
    (资金分配与绩效评价结果挂钩, 广元市医疗保障局《广元市转移支付区域（项目）绩效目标自评表（2023年度）》): the mean region keeps an equal part, each point above or
    below the mean moves the part by `slope` × its relative distance."""
    mean = value.mean(axis=-1, keepdims=True)
    relative = np.where(mean != 0, ratio_to_mean(value) - 1.0, 0.0)
    lower = max(lower if lower is not None else 0.0, 0.0)
    return clip_band(1.0 + slope * relative, lower, upper)


def balance_penalty(value: Array, balance: Array, threshold: float, penalty: float) -> Array:
    """The value reduced by `penalty` (share of 1) where the balance exceeds `threshold`: the performance
    indicator 基金累计结余占筹集总额比重 ≤ 15 % (广元市医疗保障局《广元市转移支付区域（项目）绩效目标自评表（2023年度）》) as a penalty on last year's score.
    Unit: the value's unit (分); balance and threshold in %."""
    return np.where(balance > threshold, value * (1.0 - penalty), value)


def rank_linear(rank: Array) -> Array:
    """Rank → points, linear: with n regions, rank 1 (best) gets n points and rank n gets 1 (ranks
    beyond n get 0). Unit: points. 广元 allocates by 上年县区综合考核排名 (广元市医疗保障局《广元市转移支付区域（项目）绩效目标自评表（2023年度）》)."""
    return np.clip(rank.shape[-1] + 1.0 - rank, 0.0, None)


def bands(value: Array, thresholds: Sequence[float], values: Sequence[float]) -> Array:
    """A value per band: x ≤ thresholds[0] → values[0], … , x above the last threshold → values[-1]
    (e.g. ranks 1–2 → 1.2, 3–5 → 1.0, 6+ → 0.8). Unit: as the values are written."""
    index = np.searchsorted(np.asarray(thresholds, dtype=float), value, side="left")
    return np.asarray(values, dtype=float)[index]


def factor_value(columns: Mapping[str, Array], factor: Factor, others: Sequence[Factor] = (),
                 sub: Mapping[str, Array] | None = None) -> Array:
    """The transformed factor value per region, before any correction and normalisation.

    `others`: the factors of the same formula, where an intensity factor finds its scale factor;
    `sub`: factor id → (c, J) sub-weights per scenario, for the factors whose sub-weights vary."""
    sub = sub or {}
    if factor.transform == Transform.INTENSITY:
        scale = next(f for f in others if f.id == factor.scale)
        return intensity_value(columns, factor, scale, sub)
    value = composite_value(columns, factor, sub.get(factor.id))
    t = factor.transform
    if t == Transform.BONUS_PENALTY:
        return bonus_penalty(value, factor.slope, factor.lower, factor.upper)
    if t == Transform.BALANCE_PENALTY:
        assert factor.penalty_column is not None and factor.threshold is not None, "checked by the loader"
        return balance_penalty(value, columns[factor.penalty_column], factor.threshold, factor.penalty)
    if t == Transform.RANK_LINEAR:
        return rank_linear(value)
    if t == Transform.BANDS:
        return bands(value, factor.thresholds, factor.values)
    if t == Transform.PER_CAPITA:
        assert factor.denominator is not None, "the policy loader requires a denominator for per_capita"
        return per_capita(value, columns[factor.denominator])
    if t == Transform.RATIO_TO_MEAN:
        return ratio_to_mean(value)
    if t == Transform.CAPPED_SCORE:
        return capped_score(value, factor.lower, factor.upper)
    return value


def shares(value: Array, coefficient: Array | None = None) -> Array:
    """Each region's share of the factor: (x_i·c_i) / Σ_j (x_j·c_j) — the ministry's pattern when a
    correction applies inside the term; with no coefficient, x_i / Σ x_j. Unit: share of 1."""
    return share_of_total(value if coefficient is None else value * coefficient)


def standard_amounts(standard: Standard, columns: Mapping[str, Array]) -> Array:
    """The per-person part in 万元: people × rate (a rate written in 元/人, held in 万元/人, or each
    region's rate column in 元/人), e.g. 城乡居民医保 各级财政实际补助标准 640 元/人 (广元市医疗保障局《广元市转移支付区域（项目）绩效目标自评表（2023年度）》)."""
    people = columns[standard.column]
    if standard.rate_column is not None:
        return people * columns[standard.rate_column] * 1e-4
    assert standard.rate is not None, "the loader requires a rate or a rate column"
    return people * standard.rate


# ---------------------------------------------------------------- corrections

def fiscal_capacity(numerator: Array, denominator: Array) -> Array:
    """Fiscal capacity, e.g. 财政自给率 = 一般公共预算收入 / 一般公共预算支出; unit: ratio."""
    return numerator / denominator


def coefficient_from_capacity(capacity: Array, elasticity) -> Array:
    """(average capacity / own capacity) ^ elasticity: 1 at the average, above 1 where finances are
    weaker. `elasticity`: a number, or one per scenario (c,). Unit: coefficient (ratio)."""
    e = elasticity[:, None] if isinstance(elasticity, np.ndarray) and elasticity.ndim == 1 else elasticity
    return (capacity.mean(axis=-1, keepdims=True) / capacity) ** e


def coefficient_by_class(capacity: Array, thresholds, coefficients) -> Array:
    """Published hardship classes: capacity below thresholds[0] takes coefficients[0], and so on.
    Unit: coefficient (ratio)."""
    return np.asarray(coefficients, dtype=float)[np.searchsorted(thresholds, capacity, side="right")]


def correction_coefficient(columns: Mapping[str, Array], correction: Correction,
                           params: Mapping[str, Array] | None = None) -> Array:
    """The coefficient per region for one correction, clipped to its [lower, upper] band if any.

    `params`: per-scenario values of "elasticity", "lower", "upper" (c,) (NaN: no bound), where a
    batch varies them; the correction's own values otherwise."""
    if correction.method == CorrectionMethod.COLUMN:
        coef = np.asarray(columns[_named(correction.column)], dtype=float)
    else:
        capacity = fiscal_capacity(columns[_named(correction.numerator)], columns[_named(correction.denominator)])
        if correction.method == CorrectionMethod.CLASSES:
            coef = coefficient_by_class(capacity, correction.thresholds, correction.coefficients)
        else:
            coef = coefficient_from_capacity(capacity, correction.elasticity if params is None
                                             else params["elasticity"])
    if params is None:
        return clip_band(coef, correction.lower, correction.upper)
    return clip_band(coef, params["lower"], params["upper"])


def _named(column: str | None) -> str:
    """A column the loader has required for this correction method."""
    if column is None:
        raise AssertionError("the policy loader requires this column for the correction method")
    return column


def inside_coefficient(block: Block, factor: Factor, coefs: Mapping[str, Array]) -> Array | None:
    """The product of the corrections applied inside this factor's term (None where none is)."""
    inside = [coefs[c.id] for c in block.corrections
              if c.apply == CorrectionApply.INSIDE and (c.factors is None or factor.id in c.factors)]
    if not inside:
        return None
    return inside[0] if len(inside) == 1 else np.prod(inside, axis=0)


# ---------------------------------------------------------------- the formula amounts

def factor_terms(block: Block, columns: Mapping[str, Array], coefs: Mapping[str, Array],
                 sub: Mapping[str, Array] | None = None) -> list[tuple[Array, Array]]:
    """(value, share) of each factor of the block, the inside corrections applied to the share;
    (m,) where nothing in a term varies between scenarios, else (c, m)."""
    terms = []
    for f in block.factors:
        value = factor_value(columns, f, block.factors, sub)
        terms.append((value, shares(value, inside_coefficient(block, f, coefs))))
    return terms


def factors_budget(budget: Array, standard: Array | None) -> Array:
    """What the factors share, 万元 per scenario: the budget less the per-person part, never below 0
    (a part larger than the budget is refused before the formula runs)."""
    return budget if standard is None else np.maximum(budget - standard.sum(axis=-1), 0.0)


def formula_rows(budget: Array, weights: Array, share_matrix: Array | None = None,
                 term_shares: Sequence[Array] | None = None) -> Array:
    """B·Σ_k w_k·share_k in 万元, scenarios × regions (c, m): `budget` (c,) is what the factors share,
    `weights` (c, K); the shares one (K, m) matrix common to every scenario, or one array per factor,
    (m,) or (c, m)."""
    if share_matrix is not None:
        return budget[:, None] * (weights @ share_matrix)
    assert term_shares is not None, "shares as a matrix or per factor"
    formula = np.zeros((len(budget), term_shares[0].shape[-1]))
    for k, share in enumerate(term_shares):
        formula += weights[:, k:k + 1] * share
    formula *= budget[:, None]
    return formula


def target_amounts(budget: Array, weights: Array, share_matrix: Array | None = None,
                   term_shares: Sequence[Array] | None = None, result_coefs: Sequence[Array] = (),
                   standard: Array | None = None, unit: float = 1.0) -> Array:
    """Corrected formula amounts in `unit`s (万元 by default), scenarios × regions (c, m):
    B·Σ_k w_k·share_k, 'result' corrections applied and renormalised, plus the per-person part where
    the block has one (the factors then share B − Σ part). The targets the constrained step starts from.

    With one share matrix, no result correction and no per-person part (the common case) the
    targets are one matrix product, the budget in units folded into the weights.
    """
    b = factors_budget(budget, standard)
    if share_matrix is not None and not result_coefs and standard is None:
        return (weights * (b / unit)[:, None]) @ share_matrix
    formula = formula_rows(b, weights, share_matrix, term_shares)
    if result_coefs:
        formula = result_corrected(formula, result_coefs, b)
    formula = formula if standard is None else formula + standard
    return formula if unit == 1.0 else formula / unit


def result_corrected(formula: Array, coefs: Sequence[Array], budget: Array) -> Array:
    """'result' corrections on the whole formula amount, renormalised to the budget (万元, per row)."""
    weighted = formula * (coefs[0] if len(coefs) == 1 else np.prod(coefs, axis=0))
    return budget[:, None] * weighted / weighted.sum(axis=-1, keepdims=True)
