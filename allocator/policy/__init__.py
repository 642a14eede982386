"""Policy files: weights, factors, pools, corrections, floors, caps and rounding, as data.

`io` reads files and presets, `keyed` is the keyed form overrides address, `build` checks a document
and builds the model, `schema` declares how each number is written and its range, `paths` resolves an
override path, `rules` holds the rules across numbers (for one policy or many scenario rows),
`scenario` applies overrides and `derive` builds the policies the program derives from another.
"""
from allocator.policy.build import policy_from_keyed
from allocator.policy.io import load_policy, policy_from_text, preset_names
from allocator.policy.model import Policy
from allocator.policy.paths import OverridePath, override_path
from allocator.policy.rules import Refusal, refuse_rows
from allocator.policy.scenario import Scenario, apply_overrides, diff, to_toml

__all__ = ["OverridePath", "Policy", "Refusal", "Scenario", "apply_overrides", "diff", "load_policy", "override_path",
           "policy_from_keyed", "policy_from_text", "preset_names", "refuse_rows", "to_toml"]
