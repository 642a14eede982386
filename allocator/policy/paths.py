"""Override paths: a dotted address of one number in a policy (`factors.need.weight`,
`pools.deep_poverty.total`, `corrections.hardship.lower`, `constraints.floor_share_of_base`,
`pools.<pool>.factors.<f>.components.<column>.weight` …) resolved once against a base policy — its
schema (units, range: `allocator.policy.schema`), the unit and value the base writes, and the blocks
the value acts on. Scenario overrides, the batch, the app's controls and the tiers all address numbers
this way.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any

from allocator.errors import PolicyError, Problem
from allocator.policy.keyed import node_at
from allocator.policy.model import (
    Block,
    Component,
    Constraints,
    Correction,
    Factor,
    Policy,
    Pool,
    RegionOverride,
    Rounding,
    SelfEvaluation,
    SettlementRules,
    Standard,
)
from allocator.policy.schema import Quantity, default_of, quantity_of

# What a path changes, as the batch computes it: a factor weight, a component's sub-weight, a
# correction's parameter, a constraint, a pool total; any other number of the policy is a "value".
WEIGHT, COMPONENT, CORRECTION, CONSTRAINT, TOTAL, VALUE = "weight", "component", "correction", "constraint", \
    "total", "value"
CORRECTION_KEYS = ("elasticity", "lower", "upper")
CONSTRAINT_KEYS = ("floor_share_of_base", "cap_share_of_base", "floor_minimum")
FORMULA_SECTIONS = ("factors", "corrections", "constraints")
# The value that leaves a rule off, for a constraint the base does not write (in engine units)
NEUTRAL = {"floor_share_of_base": 0.0, "floor_minimum": 0.0, "cap_share_of_base": math.inf}
TITLE = "情景参数有误"


@dataclass(frozen=True)
class OverridePath:
    """One number of a policy addressed by its dotted path, resolved against a base policy."""

    path: str  # e.g. "factors.need.weight", "pools.deep_poverty.factors.poverty.weight"
    block: str  # the first block it acts on ("shared" or a pool id; "" for a number outside the blocks)
    kind: str  # weight | component | correction | constraint | total | value
    key: str  # factor id, factor id + "." + column, correction id + "." + attribute, constraint key, pool id
    unit: str  # as the base writes it, else the schema's default unit (%, ratio, 万元 …)
    base: float  # the base policy's value in that unit (NaN where the base does not write it)
    # every block the path acts on: a top-level factor, correction or constraint also acts on each
    # pool of its own (eligibility, per-person part) that takes the policy's formula
    blocks: tuple[str, ...] = ()
    quantity: Quantity | None = None  # the schema of the key
    neutral: float = math.nan  # a valid stand-in in the path's unit: the base's value, else the default
    scale: float = 1.0  # engine units (万元, share of 1) per unit of the path (`Quantity.scale`)

    @property
    def written(self) -> bool:
        """Whether the base policy writes this number."""
        return not math.isnan(self.base)

    def acts_on(self, block_id: str) -> bool:
        return block_id in (self.blocks or (self.block,))

    def outside(self, values: Any) -> Any:
        """True where values (in the path's unit; float or array) are outside the declared range."""
        assert self.quantity is not None
        return self.quantity.outside(values * self.scale)

    def reason(self, value: float) -> str:
        """Why a value (in the path's unit) is outside the declared range, in words."""
        assert self.quantity is not None
        return self.quantity.reason(self.path, value * self.scale, self.unit)

    def override(self, value: float) -> Any:
        """The entry `apply_overrides` takes for this path: the bare number where the base writes the
        quantity (its unit is kept), else the number with its unit."""
        return value if self.written else {"value": value, "unit": self.unit}


def _unknown(path: str, why: str) -> PolicyError:
    return PolicyError([Problem(f"情景参数 {path}：{why}", key=path)], title=TITLE)


def _owner(rest: list[str]) -> type | None:
    """The model class whose field the path's last part is, from the shape of the path."""
    shapes: dict[tuple[str, ...], type] = {
        ("factors", "*", "*"): Factor, ("factors", "*", "components", "*", "*"): Component,
        ("corrections", "*", "*"): Correction, ("constraints", "*"): Constraints,
        ("constraints", "overrides", "*", "*"): RegionOverride, ("rounding", "*"): Rounding,
        ("settlement", "*"): SettlementRules, ("selfeval", "*"): SelfEvaluation, ("pools", "*", "*"): Pool,
        ("pools", "*", "standard", "*"): Standard,
    }
    for shape, cls in shapes.items():
        if len(shape) == len(rest) and all(s in ("*", p) for s, p in zip(shape, rest)):
            return cls
    return None


def _field_name(cls: type, key: str) -> str:
    """The dataclass field a file key is read into (floor_share_of_base → floor_share)."""
    return next(f.name for f in fields(cls) if f.metadata.get("key", f.name) == key)


def block_of_pool(policy: Policy, pool_id: str) -> Block | None:
    """The block a pool is allocated in."""
    return next((b for b in policy.blocks if any(p.id == pool_id for p in b.pools)), None)


def top_level_blocks(policy: Policy, section: str) -> list[Block]:
    """The blocks a top-level `factors.`, `corrections.` or `constraints.` path acts on: the shared
    block and every separate pool that takes the policy's own (`Policy.blocks`)."""
    if section not in FORMULA_SECTIONS:
        return []
    return [b for b in policy.blocks if getattr(b, section) is getattr(policy, section)]


def _kind(block: Block, rest: list[str]) -> tuple[str, str] | None:
    """(kind, key) of a formula path within a block, or None when the block has no such entry."""
    factors = {f.id: f for f in block.factors}
    if rest[0] == "factors" and len(rest) == 3 and rest[1] in factors:
        return (WEIGHT, rest[1]) if rest[2] == "weight" else (VALUE, rest[1])
    if rest[0] == "factors" and len(rest) == 5 and rest[2] == "components" and rest[1] in factors \
            and any(c.column == rest[3] for c in factors[rest[1]].components):
        return (COMPONENT, f"{rest[1]}.{rest[3]}") if rest[4] == "weight" else None
    if rest[0] == "corrections" and len(rest) == 3 and any(c.id == rest[1] for c in block.corrections):
        return (CORRECTION, f"{rest[1]}.{rest[2]}") if rest[2] in CORRECTION_KEYS else (VALUE, rest[1])
    if rest[0] == "constraints" and len(rest) == 2:
        return (CONSTRAINT, rest[1]) if rest[1] in CONSTRAINT_KEYS else (VALUE, rest[1])
    if rest[0] == "constraints" and len(rest) == 4 and rest[1] == "overrides":
        return VALUE, rest[2]
    return None


def override_path(policy: Policy, path: str) -> OverridePath:
    """Resolve a dotted path to one number of `policy`; PolicyError naming the path when it addresses
    no number of this policy (an unknown factor, a text, a table)."""
    parts = path.split(".")
    owner = _owner(parts[2:] if parts[0] == "pools" and len(parts) > 3 and parts[2] in FORMULA_SECTIONS
                   else parts)
    spec = quantity_of(owner, parts[-1]) if owner else None
    if spec is None:
        raise _unknown(path, "不是政策中的数值参数")
    blocks: tuple[str, ...] = ()
    block_id, kind, key = "", VALUE, parts[-2] if len(parts) > 1 else ""
    if parts[0] == "pools" and len(parts) == 3:
        block = block_of_pool(policy, parts[1])
        if block is None:
            raise _unknown(path, f"基础政策中没有资金池「{parts[1]}」")
        block_id, blocks = block.id, (block.id,)
        kind, key = (TOTAL, parts[1]) if parts[2] == "total" else (VALUE, parts[1])
    elif parts[0] in FORMULA_SECTIONS or (parts[0] == "pools" and len(parts) > 3 and parts[2] in FORMULA_SECTIONS):
        own = parts[0] == "pools"
        rest = parts[2:] if own else parts
        found = [b for b in policy.blocks if b.id == parts[1]] if own else top_level_blocks(policy, rest[0])
        resolved = _kind(found[0], rest) if found else None
        if resolved is None:
            raise _unknown(path, "基础政策中没有这一项")
        kind, key = resolved
        block_id, blocks = found[0].id, tuple(b.id for b in found)
    node = node_at(policy.raw, path)
    new_region = path.startswith("constraints.overrides.")  # a region override may be added
    if node is None and kind == VALUE and not new_region and node_at(policy.raw, path.rpartition(".")[0]) is None:
        raise _unknown(path, "基础政策中没有这一项")
    unit = node.get("unit", spec.default_unit) if isinstance(node, dict) else spec.default_unit
    value = node.get("value") if isinstance(node, dict) else node
    base = float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan
    return OverridePath(path, block_id, kind, key, unit, base, blocks, spec,
                        _neutral(owner, parts[-1], base, spec, unit), spec.scale(unit))


def _neutral(owner: type | None, key: str, base: float, spec: Quantity, unit: str) -> float:
    """A valid stand-in for a path (in its unit): the base's value, else the model's default, else a
    value that leaves the rule off (no floor, no cap; NaN: no clip)."""
    if not math.isnan(base) or owner is None:
        return base
    default = default_of(owner, _field_name(owner, key))
    engine = default if isinstance(default, int | float) else NEUTRAL.get(key, math.nan)
    return float(engine) / spec.scale(unit)
