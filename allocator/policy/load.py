"""Compatibility names: `allocator.policy.load` was split into `io` (files, presets, bases), `keyed` (the
keyed form) and `build` (checking and building the dataclasses), with the units in `schema`. Import from
those modules (or from `allocator.policy`); this module only keeps older imports working."""
from allocator.policy.build import ALLOWED_KEYS, policy_from_keyed
from allocator.policy.io import keyed_from_text, load_policy, policy_from_text, preset_names, presets, read_keyed
from allocator.policy.keyed import KEYED_LISTS, dataset_reference, from_keyed, merge_keyed, to_keyed
from allocator.policy.rules import WEIGHT_TOLERANCE
from allocator.policy.schema import MARK_UNITS, MAX_TOTAL, MONEY_UNITS, PER_PERSON_UNITS, RATIO_UNITS, SHARE_UNITS

__all__ = ["ALLOWED_KEYS", "KEYED_LISTS", "MARK_UNITS", "MAX_TOTAL", "MONEY_UNITS", "PER_PERSON_UNITS", "RATIO_UNITS",
           "SHARE_UNITS", "WEIGHT_TOLERANCE", "dataset_reference", "from_keyed", "keyed_from_text", "load_policy",
           "merge_keyed", "policy_from_keyed", "policy_from_text", "preset_names", "presets", "read_keyed", "to_keyed"]
