"""Factor values and shares: the need, population and effort terms of the factor method.

Policy source: 四川省医疗保障局 2019 年度部门决算 附件2（医疗救助补助专项资金绩效自评报告）:
困难群众人数 75%、户籍人口数 5%、自身努力程度 20%，财政困难程度为修正因素. The transforms below are
the ones provincial rules use; which one a factor takes is written in the policy file.
"""
from __future__ import annotations

import numpy as np

from allocator.policy.model import Factor, Standard


def composite_value(columns: dict[str, np.ndarray], factor: Factor) -> np.ndarray:
    """The factor's raw value per region from its components.

    combine = "sum": Σ sub-weight × column (counts that add up, e.g. 困难群众 = 低保 + 特困 + 监测对象;
    unit: the columns' unit, 人). combine = "shares": Σ sub-weight × column / column total (for
    components in different units, e.g. effort = local input in 万元 + performance score; unit: share).
    """
    total = np.zeros(len(next(iter(columns.values()))))
    for comp in factor.components:
        col = columns[comp.column]
        if factor.combine == "shares":
            col = _share_of_total(col)
        total = total + comp.weight * col
    return total


def _share_of_total(col: np.ndarray) -> np.ndarray:
    """col / Σcol; an all-zero column (only allowed in a factor of weight 0) gives zeros, not NaN."""
    total = col.sum()
    return col / total if total != 0 else np.zeros_like(col, dtype=float)


def per_capita(value: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Value per person (e.g. 困难群众 per 户籍人口); unit: the value's unit per 人."""
    return value / population


def ratio_to_mean(value: np.ndarray) -> np.ndarray:
    """Value relative to the unweighted average across regions (1 = average); unit: ratio."""
    mean = value.mean()
    return value / mean if mean != 0 else np.zeros_like(value, dtype=float)


def capped_score(value: np.ndarray, lower: float | None, upper: float | None) -> np.ndarray:
    """Ratio to the mean, clipped to [lower, upper] so no region gains or loses beyond a band; unit: ratio."""
    return np.clip(ratio_to_mean(value), lower if lower is not None else -np.inf,
                   upper if upper is not None else np.inf)


def intensity_index(columns: dict[str, np.ndarray], factor: Factor, scale_value: np.ndarray) -> np.ndarray:
    """An effort index per region: Σ sub-weight × (component / its `per`) ÷ the regions' mean, clipped
    to [lower, upper]; `per` is a column or the scale factor (then divided by `scale_value`, e.g.
    本级投入 per 困难群众; a region with no 困难群众 has no intensity on that component, 0, and gets
    nothing from the term anyway). 1 = average effort. Unit: ratio.

    Source: the 2019 provincial report lists 市县财政努力程度、资金使用绩效和管理工作水平 as effort
    factors; measured as intensity (e.g. 本级投入 relative to own revenue, a score), not as size.
    """
    index = np.zeros(len(next(iter(columns.values()))))
    for comp in factor.components:
        value = columns[comp.column].astype(float)
        if comp.per:
            divisor = scale_value if comp.per == factor.scale else columns[comp.per]
            value = np.divide(value, divisor, out=np.zeros_like(value), where=divisor != 0)
        index = index + comp.weight * ratio_to_mean(value)
    index = index / sum(c.weight for c in factor.components)
    return np.clip(index, factor.lower if factor.lower is not None else -np.inf,
                   factor.upper if factor.upper is not None else np.inf)


def intensity_value(columns: dict[str, np.ndarray], factor: Factor, scale: Factor) -> np.ndarray:
    """The intensity factor's value: the scale factor's value (e.g. 困难群众, 人) × the effort index,
    so the term's money follows need and tilts towards regions of greater effort per head."""
    scale_value = composite_value(columns, scale)
    return scale_value * intensity_index(columns, factor, scale_value)


def bonus_penalty(value: np.ndarray, slope: float, lower: float | None, upper: float | None) -> np.ndarray:
    """A bonus above the mean and a penalty below it: 1 + slope × (x − mean) / mean, clipped to
    [lower, upper] and never below 0; unit: ratio (1 = the mean region). Used on last year's 绩效自评得分
    (资金分配与绩效评价结果挂钩, seeds/004): the mean region keeps an equal part, each point above or below
    the mean moves the part by `slope` × its relative distance."""
    relative = ratio_to_mean(value) - 1.0 if value.mean() != 0 else np.zeros_like(value, dtype=float)
    out = 1.0 + slope * relative
    return np.clip(out, max(lower if lower is not None else 0.0, 0.0), upper if upper is not None else np.inf)


def balance_penalty(value: np.ndarray, balance: np.ndarray, threshold: float, penalty: float) -> np.ndarray:
    """The value reduced by `penalty` (share of 1) where the balance exceeds `threshold`: the 2019
    indicator 基金累计结余占筹集总额比重 ≤ 15 % (DOMAIN; seeds/004) as a penalty on last year's score.
    Unit: the value's unit (分); balance and threshold in %."""
    return np.where(balance > threshold, value * (1.0 - penalty), value)


def rank_linear(rank: np.ndarray) -> np.ndarray:
    """Rank → points, linear: with n regions, rank 1 (best) gets n points and rank n gets 1 (ranks
    beyond n get 0). Unit: points. 广元 allocates by 上年县区综合考核排名 (seeds/004)."""
    n = len(rank)
    return np.clip(n + 1.0 - rank, 0.0, None)


def bands(value: np.ndarray, thresholds: tuple[float, ...], values: tuple[float, ...]) -> np.ndarray:
    """A value per band: x ≤ thresholds[0] → values[0], … , x above the last threshold → values[-1]
    (e.g. ranks 1–2 → 1.2, 3–5 → 1.0, 6+ → 0.8). Unit: as the values are written."""
    index = np.searchsorted(np.asarray(thresholds, dtype=float), value, side="left")
    return np.asarray(values, dtype=float)[index]


def factor_value(columns: dict[str, np.ndarray], factor: Factor, others: tuple[Factor, ...] = ()) -> np.ndarray:
    """The transformed factor value per region, before any correction and normalisation.

    `others`: the factors of the same formula, where an intensity factor finds its scale factor."""
    if factor.transform == "intensity":
        scale = next(f for f in others if f.id == factor.scale)
        return intensity_value(columns, factor, scale)
    value = composite_value(columns, factor)
    if factor.transform == "bonus_penalty":
        return bonus_penalty(value, factor.slope, factor.lower, factor.upper)
    if factor.transform == "balance_penalty":
        assert factor.penalty_column is not None and factor.threshold is not None, "checked by the loader"
        return balance_penalty(value, columns[factor.penalty_column], factor.threshold, factor.penalty)
    if factor.transform == "rank_linear":
        return rank_linear(value)
    if factor.transform == "bands":
        return bands(value, factor.thresholds, factor.values)
    if factor.transform == "per_capita":
        assert factor.denominator is not None, "the policy loader requires a denominator for per_capita"
        return per_capita(value, columns[factor.denominator])
    if factor.transform == "ratio_to_mean":
        return ratio_to_mean(value)
    if factor.transform == "capped_score":
        return capped_score(value, factor.lower, factor.upper)
    return value


def shares(value: np.ndarray, coefficient: np.ndarray | None = None) -> np.ndarray:
    """Each region's share of the factor: (x_i·c_i) / Σ_j (x_j·c_j) — MOF's pattern when a
    correction applies inside the term; with no coefficient, x_i / Σ x_j. Unit: share of 1."""
    return _share_of_total(value if coefficient is None else value * coefficient)


def standard_amounts(standard: Standard, columns: dict[str, np.ndarray]) -> np.ndarray:
    """The per-person part in 万元: people × rate (a rate written in 元/人, held in 万元/人, or each region's
    rate column in 元/人). E.g. 城乡居民医保 各级财政实际补助标准 640 元/人 (seeds/004)."""
    people = columns[standard.column]
    if standard.rate_column is not None:
        return people * columns[standard.rate_column] * 1e-4
    assert standard.rate is not None, "the loader requires a rate or a rate column"
    return people * standard.rate
