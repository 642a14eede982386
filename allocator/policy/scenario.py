"""Scenarios: a base policy plus named overrides, checked whole before use, never mutating the base.

Overrides address the keyed form of a policy by dotted paths, e.g.
`{"factors.need.weight": 70, "factors.effort.weight": 25, "constraints.cap_share_of_base": 115}`.
A bare number replaces the value and keeps the unit written in the base file; its source becomes
"scenario". A table replaces or adds the whole entry (e.g. a new region override). None removes the
entry (a floor share turned off, a correction's factor list when it acts on the result). Numbers are
addressed as `allocator.policy.paths.OverridePath`s.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import tomli_w

from allocator.errors import PolicyError, Problem
from allocator.policy.build import policy_from_keyed
from allocator.policy.keyed import from_keyed
from allocator.policy.model import Policy
from allocator.policy.paths import OverridePath, override_path
from allocator.policy.rules import refuse_rows

SCENARIO_SOURCE = "scenario"
MAX_OVERRIDES = 10_000  # named changes in one scenario (a per-region override for each of 2,850 counties fits)


@dataclass(frozen=True)
class Scenario:
    """A named what-if: the base policy and the overrides that make it differ."""

    name: str
    base: Policy
    overrides: dict[str, Any] = field(default_factory=dict)

    def policy(self) -> Policy:
        """The base policy with the overrides applied, validated as a whole."""
        return apply_overrides(self.base, self.overrides)


def apply_overrides(base: Policy, overrides: dict[str, Any]) -> Policy:
    """A new Policy from `base` and dotted-path overrides; the base is left untouched."""
    if len(overrides) > MAX_OVERRIDES:
        raise PolicyError([Problem(f"情景参数有 {len(overrides):,} 项，超过上限 {MAX_OVERRIDES:,} 项")], title="情景参数有误")
    refuse_numbers(base, overrides)
    keyed = copy.deepcopy(base.raw)
    problems: list[Problem] = []
    for path, value in overrides.items():
        problem = _set_path(keyed, path, value)
        if problem:
            problems.append(problem)
    if problems:
        raise PolicyError(problems, title="情景参数有误")
    policy = policy_from_keyed(keyed, base_dir=None)
    # keep the base's dataset path (already absolute) unless the scenario names another
    if "policy.dataset" not in overrides and policy.dataset != base.dataset:
        policy = replace(policy, dataset=base.dataset)
    return policy


def refuse_numbers(base: Policy, overrides: dict[str, Any]) -> None:
    """The scenario's plain numbers checked as a batch checks its rows (`refuse_rows`: declared ranges
    and the rules across keys), one row; PolicyError with every reason."""
    paths: list[OverridePath] = []
    values: dict[str, np.ndarray] = {}
    for path, value in overrides.items():
        number = _number(value)
        if number is None:
            continue
        try:
            paths.append(override_path(base, path))
        except PolicyError:
            continue  # not a number of the base: `_set_path` and the loader say what is wrong
        values[path] = np.array([number])
    if not paths:
        return
    refusal = refuse_rows(base, paths, values, 1)
    if refusal.any:
        raise PolicyError([Problem(m, key=key) for key, m in refusal.problems(0)], title="情景参数有误")


def _number(value: Any) -> float | None:
    """A plain number as a float (None for anything else, or an integer too large for a float)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return float(value)
    except OverflowError:
        return None


def _set_path(keyed: dict[str, Any], path: str, value: Any) -> Problem | None:
    parts = path.split(".")
    node: Any = keyed
    for i, part in enumerate(parts[:-1]):
        if not isinstance(node, dict):
            return Problem(f"情景参数 {path}：{'.'.join(parts[:i])} 不是表", key=path)
        if part not in node:
            # new entries may be added only as region overrides, or a [constraints] table the base
            # lacks; elsewhere a missing key is a typo
            if path.startswith("constraints.") and i == 0:
                node[part] = {"source": SCENARIO_SOURCE}
            elif path.startswith("constraints.overrides."):
                node[part] = {}
            else:
                return Problem(f"情景参数 {path}：基础政策中没有「{part}」", key=path)
        node = node[part]
    leaf = parts[-1]
    if not isinstance(node, dict):
        return Problem(f"情景参数 {path}：无法设置", key=path)
    if value is None:
        node.pop(leaf, None)
        return None
    current = node.get(leaf)
    if isinstance(current, dict) and "value" in current and not isinstance(value, dict):
        node[leaf] = {**current, "value": value, "source": SCENARIO_SOURCE}
    elif isinstance(value, dict) and "value" in value:
        node[leaf] = {"source": SCENARIO_SOURCE, **value}
    else:
        node[leaf] = copy.deepcopy(value)
    return None


def diff(a: Policy, b: Policy) -> list[tuple[str, Any, Any]]:
    """Every leaf that differs between two policies: (dotted path, value in a, value in b)."""
    out: list[tuple[str, Any, Any]] = []

    def walk(x: Any, y: Any, trail: str) -> None:
        if isinstance(x, dict) and isinstance(y, dict):
            if "value" in x and "value" in y:  # a quantity: compare value and unit, not its source
                if (x.get("value"), x.get("unit")) != (y.get("value"), y.get("unit")):
                    out.append((trail, _show(x), _show(y)))
                return
            for k in list(dict.fromkeys([*x, *y])):
                walk(x.get(k), y.get(k), f"{trail}.{k}" if trail else k)
        elif x != y:
            out.append((trail, _show(x), _show(y)))

    walk(a.raw, b.raw, "")
    return out


def _show(v: Any) -> Any:
    if isinstance(v, dict) and "value" in v:
        return f"{v['value']:g} {v.get('unit', '')}".strip() if isinstance(v["value"], (int, float)) else v["value"]
    return v


def to_toml(policy: Policy) -> str:
    """The policy as a TOML document (the same content a file would hold)."""
    return tomli_w.dumps(from_keyed(policy.raw))


def save_policy(policy: Policy, path: str | Path) -> None:
    Path(path).write_text(to_toml(policy), encoding="utf-8")
