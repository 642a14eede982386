"""Correction coefficients, e.g. 财政困难程度 (fiscal hardship): poorer finances get more.

Policy source: the 2019 provincial report lists 财政困难程度 as a 修正因素; the national ministry's
transfer rules multiply each region's value inside every factor term by the coefficient before
normalising. The coefficient itself comes from the equalisation-transfer system; provinces publish
classes. We offer three ways to get it, chosen in the policy file.
"""
from __future__ import annotations

import numpy as np

from allocator.policy.model import Correction


def fiscal_capacity(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Fiscal capacity, e.g. 财政自给率 = 一般公共预算收入 / 一般公共预算支出; unit: ratio."""
    return numerator / denominator


def coefficient_from_capacity(capacity: np.ndarray, elasticity: float) -> np.ndarray:
    """(average capacity / own capacity) ^ elasticity: 1 at the average, above 1 where finances are
    weaker. Unit: coefficient (ratio)."""
    return (capacity.mean() / capacity) ** elasticity


def coefficient_by_class(capacity: np.ndarray, thresholds, coefficients) -> np.ndarray:
    """Published hardship classes: capacity below thresholds[0] takes coefficients[0], and so on.
    Unit: coefficient (ratio)."""
    return np.asarray(coefficients, dtype=float)[np.searchsorted(thresholds, capacity, side="right")]


def correction_coefficient(columns: dict[str, np.ndarray], correction: Correction) -> np.ndarray:
    """The coefficient per region for one correction, clipped to its [lower, upper] band if any."""
    if correction.method == "column":
        coef = columns[_named(correction.column)].astype(float)
    else:
        capacity = fiscal_capacity(columns[_named(correction.numerator)], columns[_named(correction.denominator)])
        if correction.method == "classes":
            coef = coefficient_by_class(capacity, correction.thresholds, correction.coefficients)
        else:
            coef = coefficient_from_capacity(capacity, correction.elasticity)
    lower = correction.lower if correction.lower is not None else -np.inf
    upper = correction.upper if correction.upper is not None else np.inf
    return np.clip(coef, lower, upper)


def _named(column: str | None) -> str:
    """A column the loader has required for this correction method."""
    if column is None:
        raise AssertionError("the policy loader requires this column for the correction method")
    return column
