"""Policy files: weights, factors, pools, corrections, floors, caps and rounding, as data."""
from allocator.policy.build import policy_from_keyed
from allocator.policy.io import load_policy, policy_from_text, preset_names
from allocator.policy.model import Policy
from allocator.policy.scenario import Scenario, apply_overrides, diff, to_toml

__all__ = ["Policy", "Scenario", "apply_overrides", "diff", "load_policy", "policy_from_keyed", "policy_from_text",
           "preset_names", "to_toml"]
