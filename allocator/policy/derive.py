"""Policies derived from another by a rule of the program rather than by a person's override — the
tiers' per-pool totals handed down from the tier above, the prefectures' floors and caps summed from
their counties, eligibility lifted to the prefecture, a pool's formula re-pointed at renamed columns,
the constraints dropped. Each is built and checked like any policy; the base is never changed.
"""
from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from allocator.policy.build import policy_from_keyed
from allocator.policy.model import Policy
from allocator.policy.paths import CONSTRAINT_KEYS

UPPER_SOURCE = "上级分配结果"
COUNTY_BOUNDS_SOURCE = "所辖县保底、封顶之和"


def derived(policy: Policy, edit: Callable[[dict[str, Any]], None]) -> Policy:
    """A new policy from a copy of `policy`'s keyed document changed by `edit` (in place), checked whole."""
    keyed = copy.deepcopy(policy.raw)
    edit(keyed)
    return policy_from_keyed(keyed)


def with_pool_totals(policy: Policy, totals: Mapping[str, float], title: str | None = None,
                     source: str = UPPER_SOURCE) -> Policy:
    """The same policy with new pool totals (万元); pools given 0 are dropped, and so is each pool's
    advance total (it belonged to the old total)."""
    def edit(keyed: dict[str, Any]) -> None:
        for pool_id in list(keyed["pools"]):
            amount = totals.get(pool_id, 0.0)
            if amount <= 0:
                del keyed["pools"][pool_id]
            else:
                old = keyed["pools"][pool_id]["total"]
                keyed["pools"][pool_id]["total"] = {**old, "value": amount, "unit": "万元", "source": source}
                keyed["pools"][pool_id].pop("advance_total", None)
        if title:
            keyed["policy"]["title"] = title
    return derived(policy, edit)


def with_region_bounds(policy: Policy, bounds: Mapping[str, tuple[float, float | None]],
                       source: str = COUNTY_BOUNDS_SOURCE) -> Policy:
    """Per-region floors and caps (万元; cap None: none) added to the shared constraints; a region
    override the policy already writes wins."""
    def edit(keyed: dict[str, Any]) -> None:
        overrides = keyed.setdefault("constraints", {}).setdefault("overrides", {})
        for region, (floor, cap) in bounds.items():
            entry: dict[str, Any] = {"region": region, "source": source, "floor": {"value": floor, "unit": "万元"}}
            if cap is not None:
                entry["cap"] = {"value": cap, "unit": "万元"}
            overrides.setdefault(region, entry)
    return derived(policy, edit)


def with_eligible_regions(policy: Policy, regions: Mapping[str, list[str]]) -> Policy:
    """The pools named replace their list of eligible regions (pool id → region codes)."""
    def edit(keyed: dict[str, Any]) -> None:
        for pool_id, listed in regions.items():
            keyed["pools"][pool_id]["eligible_regions"] = list(listed)
    return derived(policy, edit)


def with_own_formula(policy: Policy, renamed: Mapping[str, Mapping[str, str]]) -> Policy:
    """Pools (pool id → {column: new column}) whose factors and corrections read renamed columns; a pool
    that shares the policy's formula first gets its own copy of it (factors, corrections, constraints)."""
    def edit(keyed: dict[str, Any]) -> None:
        for pool_id, columns in renamed.items():
            own = keyed["pools"][pool_id]
            if "factors" not in own:  # shares the policy's formula: give it its own copy to re-point
                own["factors"] = copy.deepcopy(keyed.get("factors", {}))
                own["corrections"] = copy.deepcopy(keyed.get("corrections", {}))
                if "constraints" in keyed:
                    own.setdefault("constraints", copy.deepcopy(keyed["constraints"]))
            _point_at(own, columns)
    return derived(policy, edit)


def _point_at(pool: dict[str, Any], renamed: Mapping[str, str]) -> None:
    """Re-point a keyed pool's factor components, denominators and correction columns at renamed columns."""
    for factor in pool.get("factors", {}).values():
        factor["components"] = {renamed.get(k, k): {**c, "column": renamed.get(c["column"], c["column"])}
                                for k, c in factor["components"].items()}
        if factor.get("denominator"):
            factor["denominator"] = renamed.get(factor["denominator"], factor["denominator"])
    for correction in pool.get("corrections", {}).values():
        for key in ("column", "numerator", "denominator"):
            if correction.get(key):
                correction[key] = renamed.get(correction[key], correction[key])


def without_constraints(policy: Policy) -> Policy:
    """The policy without its shared floors, caps and region overrides (the objective stays)."""
    def edit(keyed: dict[str, Any]) -> None:
        constraints = keyed.get("constraints", {})
        for key in (*CONSTRAINT_KEYS, "overrides"):
            constraints.pop(key, None)
    return derived(policy, edit)
