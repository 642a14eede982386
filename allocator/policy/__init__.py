"""Policy files: weights, factors, pools, corrections, floors, caps and rounding, as data.

`io` reads files and presets, `keyed` is the keyed form overrides address, `build` checks a document
and builds the model, `schema` declares how each number is written and its range, `paths` resolves an
override path, `rules` holds the rules across numbers (for one policy or many scenario rows),
`scenario` applies overrides and `derive` builds the policies the program derives from another.

The names below load their module on first use, so `import allocator.policy.model` (all the command
line needs to start) does not bring NumPy in.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from allocator.policy.build import policy_from_keyed
    from allocator.policy.io import load_policy, policy_from_text, preset_names
    from allocator.policy.model import Policy
    from allocator.policy.paths import OverridePath, override_path
    from allocator.policy.rules import Refusal, refuse_rows
    from allocator.policy.scenario import Scenario, apply_overrides, diff, to_toml

_HOMES = {
    "build": ("policy_from_keyed",),
    "io": ("load_policy", "policy_from_text", "preset_names"),
    "model": ("Policy",),
    "paths": ("OverridePath", "override_path"),
    "rules": ("Refusal", "refuse_rows"),
    "scenario": ("Scenario", "apply_overrides", "diff", "to_toml"),
}
_HOME_OF = {name: module for module, names in _HOMES.items() for name in names}

__all__ = ["OverridePath", "Policy", "Refusal", "Scenario", "apply_overrides", "diff", "load_policy", "override_path",
           "policy_from_keyed", "policy_from_text", "preset_names", "refuse_rows", "to_toml"]


def __getattr__(name: str) -> Any:
    if name not in _HOME_OF:
        raise AttributeError(f"module 'allocator.policy' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"allocator.policy.{_HOME_OF[name]}"), name)
    globals()[name] = value
    return value
