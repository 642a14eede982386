"""The rules a policy's numbers obey together — weights add up to 100 %, a weighted factor keeps a
positive sub-weight, a lower bound is not above its upper bound, a floor share is not above the cap
share, a pool total is a whole number of rounding units and not below its advance — each written once
over arrays, so that the loader (one policy) and `refuse_rows` (many scenario rows of a batch, or the
overrides of one scenario) refuse the same values with the same words.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from allocator.policy.model import Block, Policy
from allocator.policy.paths import COMPONENT, CONSTRAINT, CORRECTION, TOTAL, WEIGHT, OverridePath

WEIGHT_TOLERANCE = 1e-9
SECTIONS = {WEIGHT: "factors", COMPONENT: "factors", CORRECTION: "corrections", CONSTRAINT: "constraints"}


# ---------------------------------------------------------------- the rules, over floats or arrays
# (written with operators, so that one value — a what-if — costs no array overhead)

def weights_off(total: Any) -> Any:
    """Factor weights (shares of 1) whose sum is not 100 %."""
    return abs(total - 1.0) > WEIGHT_TOLERANCE


def weights_reason(where: str, total: float, parts: str = "") -> str:
    return f"{where}：因素权重之和为 {total * 100:.6g}%，应为 100%" + (f"（{parts}）" if parts else "")


def nothing_to_share(weight: Any, largest_sub_weight: Any) -> Any:
    """A factor with weight whose sub-weights are all zero: its money would have nowhere to go."""
    return (weight > 0) & (largest_sub_weight <= 0)


def nothing_to_share_reason(where: str, weight: float) -> str:
    return f"{where}：权重为 {weight * 100:g}%，但各数据列的子权重全部为 0，这一因素的资金将无处可分"


def crossed(lower: Any, upper: Any) -> Any:
    """A lower bound above its upper bound (a missing bound, NaN, never crosses)."""
    return lower > upper


def crossed_coefficients_reason(where: str, lower: float, upper: float) -> str:
    return f"{where}：系数下限 lower = {lower:g} 大于上限 upper = {upper:g}"


def floor_above_cap_reason(where: str, floor: float, cap: float) -> str:
    return f"保底比例 {floor * 100:g}% 高于封顶比例 {cap * 100:g}%（{where}）"


def not_multiple(amount: Any, unit: float) -> Any:
    """An amount (万元) that is not a whole number of rounding units, judged on the digits as written
    to 6 decimals (1234567.12 is a multiple of 0.01 even though its binary float is not)."""
    if isinstance(amount, float):
        if not math.isfinite(amount):
            return True
        one = round(amount, 6) / unit
        return abs(one - round(one)) > 1e-7 + 1e-15 * abs(one)
    with np.errstate(invalid="ignore"):
        units = np.round(np.asarray(amount, dtype=float), 6) / unit
        return ~(np.abs(units - np.round(units)) <= 1e-7 + 1e-15 * np.abs(units))


def not_multiple_reason(path: str, amount: float, unit: float) -> str:
    return f"{path} = {amount} 万元：不是取整单位 {unit:g} 万元的整数倍"


def advance_over(advance: Any, total: Any) -> Any:
    """An advance (提前下达数) below 0 or above the pool's total."""
    return (advance < 0) | (advance > total)


def advance_reason(path: str, advance: float, total: float) -> str:
    return f"{path} = {advance:g} 万元：提前下达数应在 0 与资金总额 {total:g} 万元之间"


# ---------------------------------------------------------------- scenario rows

@dataclass(frozen=True)
class Refusal:
    """Which scenario rows break a rule, and why (the words are made only when asked for)."""

    refused: np.ndarray  # (n,) bool
    # (rows that break it, the key it names, its words for a row)
    rules: list[tuple[np.ndarray, str, Callable[[int], str]]] = field(default_factory=list, repr=False)

    @property
    def any(self) -> bool:
        return bool(self.refused.any())

    def messages(self, row: int) -> list[str]:
        """Every rule row `row` breaks, in words (none for a valid row)."""
        return [message(row) for mask, _, message in self.rules if mask[row]]

    def problems(self, row: int) -> list[tuple[str, str]]:
        """(key, message) of every rule row `row` breaks (the key: the path or table it concerns)."""
        return [(key, message(row)) for mask, key, message in self.rules if mask[row]]

    def reason(self, row: int) -> str:
        """The messages of row `row` as one text (empty for a valid row)."""
        return "；".join(self.messages(row))

    def reasons(self) -> np.ndarray:
        """(n,) the reason of every row, "" where the row is valid."""
        out = np.full(len(self.refused), "", dtype=object)
        for row in np.flatnonzero(self.refused):
            out[row] = self.reason(int(row))
        return out


def _prefix(policy: Policy, block: Block, section: str) -> str:
    """`pools.<id>.` where the block has its own factors / corrections / constraints, else ""."""
    return "" if getattr(block, section) is getattr(policy, section) else f"pools.{block.id}."


def refuse_rows(policy: Policy, paths: Sequence[OverridePath], values: Mapping[str, np.ndarray],
                n: int) -> Refusal:
    """The rows of a scenario table (columns = override paths, values in the paths' units, n rows) that
    a single run would refuse: each value within its declared range, and the rules above across the
    values a row changes and the base's values it keeps. Vectorised over the rows."""
    rules: list[tuple[np.ndarray, str, Callable[[int], str]]] = []
    refused = np.zeros(n, dtype=bool)

    def add(mask: Any, key: str, message: Callable[[int], str]) -> None:
        nonlocal refused
        if mask is True or (mask is not False and mask.any()):
            mask = np.broadcast_to(mask, (n,))
            rules.append((mask, key, message))
            refused = refused | mask

    by_path = {p.path: p for p in paths}
    # one row (a what-if): plain floats; several: float arrays
    rows: dict[str, Any] = {p.path: float(values[p.path][0]) if n == 1 else np.asarray(values[p.path], dtype=float)
                            for p in paths}

    def value(path: str, base: float | None) -> Any:
        """A number in engine units: the rows' values where the table varies the path, else the base's."""
        p = by_path.get(path)
        if p is None:
            return math.nan if base is None else base
        return rows[path] * p.scale

    for p in paths:
        if p.quantity is not None:
            v = rows[p.path]
            add(p.outside(v), p.path, _range_message(p, v))
    blocks = {b.id: b for b in policy.blocks}
    seen: set[tuple[str, str]] = set()
    for p in paths:
        section = SECTIONS.get(p.kind)
        if section is None:
            continue
        for block_id in p.blocks or (p.block,):
            block = blocks.get(block_id)
            if block is None or (section, _prefix(policy, block, section)) in seen:
                continue
            seen.add((section, _prefix(policy, block, section)))
            if section == "factors":
                _factor_rules(policy, block, value, add, {q.kind for q in paths if q.acts_on(block.id)})
            elif section == "corrections":
                _correction_rules(policy, block, value, add)
            elif section == "constraints":
                _constraint_rules(policy, block, value, add)
    for p in paths:
        if p.kind == TOTAL:
            _total_rules(policy, p, value, add)
    return Refusal(refused, rules)


def _range_message(p: OverridePath, v: Any) -> Callable[[int], str]:
    return lambda r: p.reason(_at(v, r))


def _factor_rules(policy: Policy, block: Block, value, add, kinds: set[str]) -> None:
    where = f"{_prefix(policy, block, 'factors')}factors"
    weights = [value(f"{where}.{f.id}.weight", f.weight) for f in block.factors]
    if WEIGHT in kinds:
        total = sum(weights)
        add(weights_off(total), f"{where}.*.weight", lambda r: weights_reason(where, _at(total, r)))
    if COMPONENT not in kinds:
        return
    for f, w in zip(block.factors, weights):
        subs = [value(f"{where}.{f.id}.components.{c.column}.weight", c.weight) for c in f.components]
        scalar = all(isinstance(x, float) for x in subs)
        largest = max(subs) if scalar else np.max(np.broadcast_arrays(*subs), axis=0)
        add(nothing_to_share(w, largest), f"{where}.{f.id}.components",
            lambda r, w=w, fid=f.id: nothing_to_share_reason(f"{where}.{fid}", _at(w, r)))


def _at(a: Any, r: int) -> float:
    """Row r of a broadcastable value (a scalar is every row's)."""
    a = np.atleast_1d(a)
    return float(a[r if len(a) > 1 else 0])


def _correction_rules(policy: Policy, block: Block, value, add) -> None:
    where = f"{_prefix(policy, block, 'corrections')}corrections"
    for c in block.corrections:
        lower = value(f"{where}.{c.id}.lower", c.lower)
        upper = value(f"{where}.{c.id}.upper", c.upper)
        add(crossed(lower, upper), f"{where}.{c.id}.lower", lambda r, lo=lower, hi=upper, cid=c.id:
            crossed_coefficients_reason(f"{where}.{cid}", _at(lo, r), _at(hi, r)))


def _constraint_rules(policy: Policy, block: Block, value, add) -> None:
    where = f"{_prefix(policy, block, 'constraints')}constraints"
    k = block.constraints
    floor = value(f"{where}.floor_share_of_base", k.floor_share)
    cap = value(f"{where}.cap_share_of_base", k.cap_share)
    add(crossed(floor, cap), f"{where}.floor_share_of_base",
        lambda r: floor_above_cap_reason(where, _at(floor, r), _at(cap, r)))


def _total_rules(policy: Policy, p: OverridePath, value, add) -> None:
    pool = next(q for q in policy.pools if q.id == p.key)
    total = value(p.path, pool.total)
    unit = policy.rounding.unit
    add(not_multiple(total, unit), p.path, lambda r: not_multiple_reason(p.path, _at(total, r), unit))
    if pool.advance_total is not None:
        add(advance_over(pool.advance_total, total), f"pools.{pool.id}.advance_total", lambda r: advance_reason(
            f"pools.{pool.id}.advance_total", float(pool.advance_total or 0), _at(total, r)))
