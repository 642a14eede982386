"""Factor values and shares, worked by hand (allocator/engine/formula.py)."""
import numpy as np
import pytest
from engine_cases import WORKED_DATA, WORKED_POLICY

from allocator.engine import RegionData
from allocator.engine.formula import (
    capped_score,
    composite_value,
    factor_value,
    per_capita,
    ratio_to_mean,
    shares,
)
from allocator.engine.pipeline import formula_amounts
from allocator.policy import policy_from_text
from allocator.policy.model import Component, Factor

COLUMNS = {
    "dibao_rural": np.array([10.0, 20.0, 30.0, 40.0]),
    "tekun": np.array([5.0, 5.0, 10.0, 20.0]),
    "hukou_population": np.array([100.0, 400.0, 200.0, 300.0]),
}


def factor(*components, combine="sum", transform="raw", denominator=None, lower=None, upper=None):
    return Factor("f", "测试因素", 1.0, tuple(Component(c, w) for c, w in components), "scenario",
                  combine=combine, transform=transform, denominator=denominator, lower=lower, upper=upper)


def test_a_sum_composite_adds_the_counts_with_their_sub_weights():
    # 困难群众 = 低保 + 0.5 × 特困: 10 + 2.5, 20 + 2.5, 30 + 5, 40 + 10
    value = composite_value(COLUMNS, factor(("dibao_rural", 1.0), ("tekun", 0.5)))
    assert value == pytest.approx([12.5, 22.5, 35.0, 50.0])


def test_a_shares_composite_adds_each_components_share_of_its_own_total():
    # totals 100 and 40: 0.5 × 10/100 + 0.5 × 5/40 = 0.05 + 0.0625 = 0.1125
    #                    0.5 × 20/100 + 0.5 × 5/40 = 0.10 + 0.0625 = 0.1625
    #                    0.5 × 30/100 + 0.5 × 10/40 = 0.15 + 0.125 = 0.275
    #                    0.5 × 40/100 + 0.5 × 20/40 = 0.20 + 0.25  = 0.45
    value = composite_value(COLUMNS, factor(("dibao_rural", 0.5), ("tekun", 0.5), combine="shares"))
    assert value == pytest.approx([0.1125, 0.1625, 0.275, 0.45])
    assert value.sum() == pytest.approx(1.0)


def test_sum_and_shares_composites_differ_when_the_components_have_different_totals():
    by_sum = shares(composite_value(COLUMNS, factor(("dibao_rural", 0.5), ("tekun", 0.5))))
    by_shares = shares(composite_value(COLUMNS, factor(("dibao_rural", 0.5), ("tekun", 0.5), combine="shares")))
    # by sum: (15, 25, 40, 60) / 140; by shares: (0.1125, 0.1625, 0.275, 0.45)
    assert by_sum == pytest.approx(np.array([15, 25, 40, 60]) / 140)
    assert not np.allclose(by_sum, by_shares)


def test_per_capita_divides_by_the_population():
    # 10/100, 20/400, 30/200, 40/300
    value = factor_value(COLUMNS, factor(("dibao_rural", 1.0), transform="per_capita",
                                         denominator="hukou_population"))
    assert value == pytest.approx([0.1, 0.05, 0.15, 40 / 300])
    assert per_capita(np.array([3.0]), np.array([4.0])) == pytest.approx([0.75])


def test_ratio_to_mean_is_one_at_the_average():
    # mean of 10, 20, 30, 40 is 25
    assert ratio_to_mean(COLUMNS["dibao_rural"]) == pytest.approx([0.4, 0.8, 1.2, 1.6])
    assert factor_value(COLUMNS, factor(("dibao_rural", 1.0), transform="ratio_to_mean")) == pytest.approx(
        [0.4, 0.8, 1.2, 1.6])


def test_a_capped_score_clips_the_ratio_to_the_mean_to_its_band():
    # ratios 0.4, 0.8, 1.2, 1.6 clipped to [0.5, 1.5]
    assert capped_score(COLUMNS["dibao_rural"], 0.5, 1.5) == pytest.approx([0.5, 0.8, 1.2, 1.5])
    assert capped_score(COLUMNS["dibao_rural"], None, 1.5) == pytest.approx([0.4, 0.8, 1.2, 1.5])
    assert capped_score(COLUMNS["dibao_rural"], 0.5, None) == pytest.approx([0.5, 0.8, 1.2, 1.6])
    value = factor_value(COLUMNS, factor(("dibao_rural", 1.0), transform="capped_score", lower=0.5, upper=1.5))
    assert value == pytest.approx([0.5, 0.8, 1.2, 1.5])


def test_shares_without_a_coefficient_are_value_over_total():
    assert shares(np.array([1.0, 3.0, 4.0, 2.0])) == pytest.approx([0.1, 0.3, 0.4, 0.2])


def test_shares_with_an_inside_coefficient_weight_each_value_before_normalising():
    # x·c = 1·2, 3·1, 4·1, 2·0.5 = 2, 3, 4, 1; Σ = 10
    result = shares(np.array([1.0, 3.0, 4.0, 2.0]), np.array([2.0, 1.0, 1.0, 0.5]))
    assert result == pytest.approx([0.2, 0.3, 0.4, 0.1])
    assert result.sum() == pytest.approx(1.0)


def test_a_uniform_coefficient_changes_no_share():
    value = np.array([1.0, 3.0, 4.0, 2.0])
    assert shares(value, np.full(4, 1.7)) == pytest.approx(shares(value))


def test_a_region_with_twice_the_need_gets_twice_the_need_part():
    # 乙县 has 2,000 on 低保 and 丁县 4,000; no coefficient inside the need term:
    # need part = 900 × 60 % × x / 10,000 → 108 and 216
    policy = policy_from_text(WORKED_POLICY.replace('factors = ["need"]', 'factors = ["population"]'))
    stages = formula_amounts(policy.blocks[0], RegionData.from_frame(WORKED_DATA), policy.budget)
    part = stages["part_need"]
    assert part[1] == pytest.approx(108.0)
    assert part[3] == pytest.approx(216.0)
    assert part[3] == pytest.approx(2 * part[1])


def test_each_factor_part_is_budget_times_weight_times_share_and_the_parts_add_up_to_the_budget():
    # need shares with the coefficient inside (x·c = 2000, 2000, 3000, 2000 of 9000): 2/9, 2/9, 1/3, 2/9
    #   → need part = 540 × share = 120, 120, 180, 120
    # population shares 0.2, 0.2, 0.3, 0.3 → population part = 360 × share = 72, 72, 108, 108
    policy = policy_from_text(WORKED_POLICY)
    stages = formula_amounts(policy.blocks[0], RegionData.from_frame(WORKED_DATA), policy.budget)
    assert stages["share_need"] == pytest.approx([2 / 9, 2 / 9, 1 / 3, 2 / 9])
    assert stages["part_need"] == pytest.approx([120, 120, 180, 120])
    assert stages["share_population"] == pytest.approx([0.2, 0.2, 0.3, 0.3])
    assert stages["part_population"] == pytest.approx([72, 72, 108, 108])
    assert stages["formula"] == pytest.approx([192, 192, 288, 228])
    assert stages["formula"].sum() == pytest.approx(900)
