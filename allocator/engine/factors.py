"""Factor values and shares: the need, population and effort terms of the factor method.

Policy source: 四川省医疗保障局 2019 年度部门决算 附件2（医疗救助补助专项资金绩效自评报告）:
困难群众人数 75%、户籍人口数 5%、自身努力程度 20%，财政困难程度为修正因素. The transforms below are
the ones provincial rules use; which one a factor takes is written in the policy file.
"""
from __future__ import annotations

import numpy as np

from allocator.policy.model import Factor


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


def factor_value(columns: dict[str, np.ndarray], factor: Factor) -> np.ndarray:
    """The transformed factor value per region, before any correction and normalisation."""
    value = composite_value(columns, factor)
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
