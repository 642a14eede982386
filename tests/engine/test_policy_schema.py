"""One schema for the policy's numbers (units, ranges, defaults on the model's fields), one override
path class, and one set of rules for a policy and for scenario rows."""
import math

import numpy as np
import pytest

from allocator.errors import PolicyError
from allocator.policy import apply_overrides, load_policy, override_path, preset_names, refuse_rows
from allocator.policy.derive import derived, with_pool_totals
from allocator.policy.model import Correction, Factor, Pool
from allocator.policy.schema import SHARE_UNITS, default_of, numbers, quantity_of
from allocator.usecases import with_objective

FORMULA = ("pools.", "factors.", "corrections.", "constraints.", "rounding.", "settlement.")


@pytest.fixture(scope="module")
def sichuan():
    return load_policy("sichuan-2019")


@pytest.mark.parametrize("name", preset_names())
def test_every_number_a_preset_writes_resolves_to_its_path_with_its_unit(name):
    policy = load_policy(name)
    checked = 0
    for p in policy.parameters:
        if p.text or not p.path.startswith(FORMULA) or ".standard." in p.path:
            continue
        path = override_path(policy, p.path)
        assert (path.unit, path.base) == (p.unit, p.value), p.path
        assert path.quantity is not None and p.unit in path.quantity.units
        assert not path.outside(path.base), p.path  # every shipped value is inside its declared range
        checked += 1
    assert checked


def test_the_schema_is_declared_on_the_model():
    assert quantity_of(Factor, "weight").units == SHARE_UNITS
    assert set(numbers(Correction)) == {"elasticity", "lower", "upper"}
    assert quantity_of(Pool, "total").outside(np.array([1.0, 0.0, -1.0, math.inf, 2e8])).tolist() == \
        [False, True, True, True, True]
    assert default_of(Correction, "elasticity") == 1.0 and default_of(Factor, "weight") is None


@pytest.mark.parametrize("path, kind, unit, scale, blocks", [
    ("factors.need.weight", "weight", "%", 0.01, ("shared",)),
    ("pools.deep_poverty.total", "total", "万元", 1.0, ("deep_poverty",)),
    ("corrections.hardship.lower", "correction", "ratio", 1.0, ("shared",)),
    ("constraints.floor_share_of_base", "constraint", "%", 0.01, ("shared",)),
    ("factors.effort.components.local_input.weight", "component", "%", 0.01, ("shared",)),
    ("pools.deep_poverty.factors.poverty.weight", "weight", "%", 0.01, ("deep_poverty",)),
    ("settlement.pass_on_days", "value", "天", 1.0, ()),
])
def test_an_override_path_knows_its_unit_scale_and_blocks(sichuan, path, kind, unit, scale, blocks):
    p = override_path(sichuan, path)
    assert (p.kind, p.unit, p.scale, p.blocks) == (kind, unit, scale, blocks)
    assert p.override(1.0) == (1.0 if p.written else {"value": 1.0, "unit": unit})


@pytest.mark.parametrize("path", ["factors.nonsense.weight", "factors.need.label", "policy.year", "pools.x.total"])
def test_a_path_that_is_no_number_of_the_policy_is_refused_in_chinese(sichuan, path):
    with pytest.raises(PolicyError, match=f"情景参数 {path}："):
        override_path(sichuan, path)


@pytest.mark.parametrize("overrides", [
    {"pools.central_general.total": 196000.5}, {"constraints.floor_minimum": -5},
    {"corrections.hardship.elasticity": 11.0}, {"corrections.hardship.lower": 2.0},
    {"factors.need.weight": 80.0}, {"constraints.cap_share_of_base": 80, "constraints.floor_share_of_base": 90},
])
def test_the_single_run_and_the_rows_refuse_with_the_same_words(sichuan, overrides):
    paths = [override_path(sichuan, k) for k in overrides]
    refusal = refuse_rows(sichuan, paths, {k: np.array([float(v)]) for k, v in overrides.items()}, 1)
    assert refusal.refused.tolist() == [True]
    with pytest.raises(PolicyError) as caught:
        apply_overrides(sichuan, overrides)
    assert [p.message for p in caught.value.problems] == refusal.messages(0)


def test_rows_are_checked_together_and_apart(sichuan):
    w = ["factors.need.weight", "factors.population.weight", "factors.effort.weight"]
    paths = [override_path(sichuan, k) for k in w]
    values = {w[0]: np.array([70.0, 70.0, np.nan]), w[1]: np.array([10.0, 20.0, 10.0]),
              w[2]: np.array([20.0, 20.0, 20.0])}
    refusal = refuse_rows(sichuan, paths, values, 3)
    assert refusal.refused.tolist() == [False, True, True]
    assert refusal.reasons().tolist() == ["", "factors：因素权重之和为 110%，应为 100%",
                                          "factors.need.weight = nan%：应为有限的数字"]


def test_none_removes_an_entry_and_the_base_is_untouched(sichuan):
    example = load_policy("example")
    changed = apply_overrides(example, {"constraints.cap_share_of_base": None})
    assert changed.constraints.cap_share is None and example.constraints.cap_share == pytest.approx(1.3)
    assert changed.value_at("constraints.cap_share_of_base") is None
    assert example.value_at("constraints.cap_share_of_base") == 130
    assert changed.dataset == example.dataset


def test_an_objective_for_a_policy_without_constraints_adds_the_table(sichuan):
    bare = derived(sichuan, lambda keyed: keyed.pop("constraints", None))
    assert str(with_objective(bare, "least_absolute").constraints.objective) == "least_absolute"


def test_pool_totals_handed_down_keep_what_the_file_says_about_them(sichuan):
    half = {p.id: p.total // 2 for p in sichuan.pools if p.id != "deep_poverty"}
    lower = with_pool_totals(sichuan, half, title="下级")
    assert [p.id for p in lower.pools] == list(half) and lower.title == "下级"
    assert all(p.advance_total is None for p in lower.pools)
    assert lower.value_at(f"pools.{next(iter(half))}.total") == next(iter(half.values()))
