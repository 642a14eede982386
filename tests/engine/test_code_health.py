"""Code health: every number in every policy file says its unit and where it comes from.

The files are globbed, so a policy added later is covered without touching this test.
"""
from pathlib import Path

import pytest

from allocator.policy import load_policy
from allocator.policy.schema import MARK_UNITS, MONEY_UNITS, PER_PERSON_UNITS, RATIO_UNITS, SHARE_UNITS

POLICIES = sorted((Path(__file__).resolve().parents[2] / "allocator" / "data" / "presets").glob("*.toml"))
KNOWN_UNITS = {*MONEY_UNITS, *SHARE_UNITS, *RATIO_UNITS, "天", *MARK_UNITS, *PER_PERSON_UNITS}


def test_there_are_policy_files_to_check():
    assert POLICIES, "data/policies/*.toml is empty"


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_every_parameter_has_a_unit_a_source_and_a_description(path):
    policy = load_policy(path)
    assert policy.parameters, f"{path.name} has no parameters"
    missing = [(p.path, p.unit, p.source, p.description) for p in policy.parameters
               if not p.unit or not p.source or not p.description]
    assert not missing, f"{path.name}: parameters without unit, source or description: {missing}"
    unknown = [(p.path, p.unit) for p in policy.parameters if p.unit not in KNOWN_UNITS]
    assert not unknown, f"{path.name}: parameters with an unknown unit: {unknown}"


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_every_weight_and_budget_is_a_listed_parameter(path):
    policy = load_policy(path)
    paths = {p.path for p in policy.parameters}
    for pool in policy.pools:
        assert f"pools.{pool.id}.total" in paths
    for factor in policy.factors:
        assert f"factors.{factor.id}.weight" in paths
    assert "rounding.unit" in paths


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_every_number_has_its_own_description_and_no_default_source(path):
    """A description supplied by the program ("资金总额", "因素权重" …) says nothing about this number:
    every number in a shipped preset describes itself, and none takes its source from the program."""
    policy = load_policy(path)
    defaults = [(p.path, p.source_origin, p.description_origin) for p in policy.parameters
                if "default" in (p.source_origin, p.description_origin)]
    assert not defaults, f"{path.name}: parameters with a default description or source: {defaults}"


@pytest.mark.parametrize("path", POLICIES, ids=lambda p: p.name)
def test_every_pool_names_its_funding_source_and_purpose(path):
    for pool in load_policy(path).pools:
        assert pool.level and pool.kind, pool.id
        assert pool.purpose_name, pool.id
