"""The schema of a policy file's numbers: for every numeric key, the units it may be written in (and
their scale to the engine's units: 万元, shares of 1), its description, whether it is required, and the
range the engine accepts. Declared once, on the model's dataclass field (`quantity(...)` metadata), and
read by the loader, the override paths, the batch and the app.

A range check (`Quantity.outside`) works on a float or on an array of scenario rows alike, so the
single-run loader and the batch refuse the same values with the same words.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from typing import Any

MONEY_UNITS = {"万元": 1.0, "元": 1e-4, "亿元": 1e4}
SHARE_UNITS = {"%": 0.01, "share": 1.0}
RATIO_UNITS = {"ratio": 1.0}
DAY_UNITS = {"天": 1.0}
MARK_UNITS = {"分": 1.0}
PER_PERSON_UNITS = {"元/人": 1e-4, "万元/人": 1.0}

# Money the engine handles exactly: amounts up to 1 亿万元 (10^12 元) are counted in integer units of 0.01
# 万元 (≤ 10^10, far inside float64's exact integers); larger totals are refused in plain words.
MAX_TOTAL = 1e8  # 万元
# No policy number is this large (as written); refused before any arithmetic overflows.
MAX_WRITTEN = 1e12

QUANTITY = "quantity"  # the dataclass field metadata key holding a field's Quantity


@dataclass(frozen=True)
class Quantity:
    """How one numeric policy key is written and what the engine accepts (bounds in engine units)."""

    units: Mapping[str, float]  # unit as written → scale to engine units
    description: str  # the default description of the value (e.g. 因素权重)
    required: bool = False
    lower: float | None = None
    upper: float | None = None
    lower_open: bool = False  # the lower bound itself is refused (> rather than ≥)
    below: str = ""  # the message for a value under the lower bound (the range in words)
    above: str = ""  # … over the upper bound (default: `below`)

    @property
    def default_unit(self) -> str:
        """The unit a value takes when the policy does not write one (the first listed)."""
        return next(iter(self.units))

    def scale(self, unit: str | None) -> float:
        """Engine units per written unit (1.0 for an unknown unit)."""
        return self.units.get(unit or self.default_unit, 1.0)

    def outside(self, value: Any) -> Any:
        """True where an engine-unit value (float or array) is not finite, too large, or outside the
        declared range (comparisons with NaN are False, so NaN fails the first test)."""
        if isinstance(value, float):  # one value (a what-if): plain comparisons, no array overhead
            return (not abs(value) <= MAX_WRITTEN or (self.lower is not None and (
                value <= self.lower if self.lower_open else value < self.lower))
                or (self.upper is not None and value > self.upper))
        import numpy as np  # arrays of scenario rows; the model itself loads without NumPy

        v = np.asarray(value, dtype=float)
        bad = ~(np.abs(v) <= MAX_WRITTEN)
        if self.lower is not None:
            bad |= (v <= self.lower) if self.lower_open else (v < self.lower)
        if self.upper is not None:
            bad |= v > self.upper
        return bad if bad.ndim else bool(bad)

    def reason(self, path: str, value: float, unit: str | None = None) -> str:
        """Why an engine-unit value is refused, naming the path and the value as written."""
        unit = unit or self.default_unit
        written = value / self.scale(unit)
        shown = f"{written:g}" + ("%" if unit == "%" else f" {unit}" if unit in MONEY_UNITS else "")
        if not math.isfinite(value):
            return f"{path} = {shown}：应为有限的数字"
        if abs(written) > MAX_WRITTEN:
            return f"{path} = {shown}：数值过大，超出支持的范围"
        if self.upper is not None and value > self.upper:
            return f"{path} = {shown}：{self.above or self.below}"
        return f"{path} = {shown}：{self.below}"


def quantity(units: Mapping[str, float], description: str, **rules: Any) -> dict[str, Quantity]:
    """Field metadata declaring a numeric key (see `Quantity`)."""
    return {QUANTITY: Quantity(units, description, **rules)}


def quantity_of(cls: type, key: str) -> Quantity | None:
    """The Quantity declared for the file key `key` of dataclass `cls`, or None (not a number)."""
    for f in fields(cls):
        if f.metadata.get("key", f.name) == key and QUANTITY in f.metadata:
            return f.metadata[QUANTITY]
    return None


def default_of(cls: type, name: str) -> Any:
    """The default of the dataclass field `name` (what the program supplies when the file omits it);
    None for a field the file must give."""
    for f in fields(cls):
        if f.name == name:
            if f.default is not MISSING:
                return f.default
            if f.default_factory is not MISSING:
                return f.default_factory()
            return None
    raise KeyError(name)


def numbers(cls: type) -> dict[str, Quantity]:
    """Every numeric key of `cls` (file key → Quantity)."""
    return {f.metadata.get("key", f.name): f.metadata[QUANTITY] for f in fields(cls) if QUANTITY in f.metadata}


__all__ = ["DAY_UNITS", "MARK_UNITS", "MAX_TOTAL", "MAX_WRITTEN", "MONEY_UNITS", "PER_PERSON_UNITS", "QUANTITY",
           "RATIO_UNITS", "SHARE_UNITS", "Quantity", "default_of", "numbers", "quantity", "quantity_of"]
