"""Fairness figures for an allocation: plain functions over arrays, with optional weights.

Used by the app's headline metrics and by batch and sensitivity runs. Every function takes values per
region (e.g. aid per person in 元/人) and optional non-negative weights (e.g. each region's number of
people, so that the figure describes people rather than regions). Regions with zero weight count for
nothing; NaN values are refused rather than silently dropped.

Definitions (textbook, e.g. Cowell, *Measuring Inequality*, 3rd ed., ch. 2 and 3):
- Gini = Σ_i Σ_j w_i w_j |x_i − x_j| / (2 W² μ), W = Σ w, μ = Σ w x / W.
- Theil T = (1/W) Σ_i w_i (x_i/μ) ln(x_i/μ), with 0 · ln 0 = 0.
- weighted Pearson correlation of x and y.
"""
from __future__ import annotations

import numpy as np

from allocator.errors import InputError, Problem


def _arrays(values, weights=None) -> tuple[np.ndarray, np.ndarray]:
    """Values and weights as float arrays of one length; weights default to 1 each."""
    x = np.asarray(values, dtype=float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    if x.shape != w.shape or x.ndim != 1:
        raise InputError([Problem(f"数值与权数的个数不同（{x.shape} 与 {w.shape}）", key="weights")])
    if np.isnan(x).any() or np.isnan(w).any():
        raise InputError([Problem("数值或权数中有缺失值（NaN），请先说明如何处理", key="values")])
    if (w < 0).any():
        raise InputError([Problem("权数不能为负", key="weights")])
    return x, w


def weighted_mean(values, weights=None) -> float:
    """Σ w x / Σ w (unit: the values' unit); NaN when all weights are zero."""
    x, w = _arrays(values, weights)
    total = w.sum()
    return float((w * x).sum() / total) if total > 0 else float("nan")


def gini(values, weights=None) -> float:
    """Gini coefficient of non-negative values (0 = all equal, → 1 = one region has everything).

    Sorted form of the double sum: G = Σ_i w_i x_i (2 C_i − w_i − W) / (W · Σ_i w_i x_i), x ascending,
    C_i the cumulative weight up to and including i. O(n log n). NaN when Σ w x = 0.
    """
    x, w = _arrays(values, weights)
    if (x < 0).any():
        raise InputError([Problem("基尼系数只适用于非负数值", key="values")])
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    total_w, total_wx = w.sum(), (w * x).sum()
    if total_w == 0 or total_wx == 0:
        return float("nan")
    cumulative = np.cumsum(w)
    g = float((w * x * (2 * cumulative - w - total_w)).sum() / (total_w * total_wx))
    return max(g, 0.0)  # equal values give 0 up to float noise (−1e−17), never a negative index


def theil(values, weights=None) -> float:
    """Theil T index of non-negative values (0 = all equal; ln W at most for equal weights).

    T = (1/W) Σ w_i (x_i/μ) ln(x_i/μ); a zero value contributes 0. NaN when μ = 0.
    """
    x, w = _arrays(values, weights)
    if (x < 0).any():
        raise InputError([Problem("泰尔指数只适用于非负数值", key="values")])
    mu = weighted_mean(x, w)
    if not mu > 0:
        return float("nan")
    ratio = x / mu
    terms = np.where(ratio > 0, ratio * np.log(np.where(ratio > 0, ratio, 1.0)), 0.0)
    return float((w * terms).sum() / w.sum())


def correlation(x, y, weights=None) -> float:
    """Weighted Pearson correlation of x and y (−1 … 1); NaN when either does not vary."""
    a, w = _arrays(x, weights)
    b, _ = _arrays(y, weights)
    if a.shape != b.shape:
        raise InputError([Problem(f"两组数值的个数不同（{a.shape} 与 {b.shape}）", key="values")])
    total = w.sum()
    if total == 0:
        return float("nan")
    da, db = a - (w * a).sum() / total, b - (w * b).sum() / total
    var_a, var_b = (w * da * da).sum(), (w * db * db).sum()
    if var_a == 0 or var_b == 0:
        return float("nan")
    return float((w * da * db).sum() / np.sqrt(var_a * var_b))


def share_reaching(amounts, mask) -> float:
    """The share (0 … 1) of the total amount that goes to the regions where `mask` is true, e.g. to
    deep-poverty counties. NaN when the total is zero."""
    a = np.asarray(amounts, dtype=float)
    m = np.asarray(mask, dtype=bool)
    total = a.sum()
    return float(a[m].sum() / total) if total != 0 else float("nan")


def per_head(amounts, heads, scale: float = 1.0) -> np.ndarray:
    """amount × scale / heads per region (e.g. 万元 → 元 with scale 10,000); NaN where heads = 0."""
    a = np.asarray(amounts, dtype=float)
    h = np.asarray(heads, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(h > 0, a * scale / np.where(h > 0, h, 1.0), np.nan)


__all__ = ["correlation", "gini", "per_head", "share_reaching", "theil", "weighted_mean"]
