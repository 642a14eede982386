"""Correction coefficients and where they apply, worked by hand (allocator/engine/formula.py)."""
import numpy as np
import pytest
from engine_cases import WORKED_DATA, WORKED_POLICY

from allocator.engine import RegionData, allocate
from allocator.engine.formula import coefficient_by_class, coefficient_from_capacity, correction_coefficient
from allocator.engine.pipeline import formula_amounts
from allocator.policy import policy_from_text
from allocator.policy.model import Correction

# fiscal capacity = revenue / expenditure = 0.2, 0.4, 0.6, 0.8 (mean 0.5)
CAPACITY_COLUMNS = {
    "revenue": np.array([20.0, 40.0, 60.0, 80.0]),
    "expenditure": np.array([100.0, 100.0, 100.0, 100.0]),
    "hardship_coef": np.array([0.6, 1.0, 1.3, 2.0]),
}

RESULT_POLICY = WORKED_POLICY.replace('apply = "inside"\nfactors = ["need"]\n', 'apply = "result"\n')


def correction(method, **kw):
    return Correction("hardship", "财政困难程度", kw.pop("apply", "inside"), method, "scenario", **kw)


def test_the_capacity_coefficient_is_the_mean_over_own_capacity_to_the_elasticity():
    # (0.5 / c)^1 = 2.5, 1.25, 0.8333…, 0.625
    capacity = np.array([0.2, 0.4, 0.6, 0.8])
    assert coefficient_from_capacity(capacity, 1.0) == pytest.approx([2.5, 1.25, 5 / 6, 0.625])
    # (0.5 / c)^2 = 6.25, 1.5625, 0.6944…, 0.390625
    assert coefficient_from_capacity(capacity, 2.0) == pytest.approx([6.25, 1.5625, 25 / 36, 0.390625])


def test_a_region_at_the_average_capacity_has_coefficient_one():
    assert coefficient_from_capacity(np.array([0.3, 0.5, 0.7]), 0.5)[1] == pytest.approx(1.0)


def test_the_capacity_coefficient_is_clipped_to_its_band():
    # (0.5 / c)^1 = 2.5, 1.25, 0.833, 0.625 clipped to [0.8, 1.5] → 1.5, 1.25, 0.833, 0.8
    coef = correction_coefficient(CAPACITY_COLUMNS, correction(
        "capacity_ratio", numerator="revenue", denominator="expenditure", elasticity=1.0, lower=0.8, upper=1.5))
    assert coef == pytest.approx([1.5, 1.25, 5 / 6, 0.8])
    # with elasticity 2: 6.25, 1.5625, 0.694, 0.39 → 1.5, 1.5, 0.8, 0.8
    coef = correction_coefficient(CAPACITY_COLUMNS, correction(
        "capacity_ratio", numerator="revenue", denominator="expenditure", elasticity=2.0, lower=0.8, upper=1.5))
    assert coef == pytest.approx([1.5, 1.5, 0.8, 0.8])


def test_a_coefficient_can_be_read_from_a_column_and_clipped():
    coef = correction_coefficient(CAPACITY_COLUMNS, correction("column", column="hardship_coef"))
    assert coef == pytest.approx([0.6, 1.0, 1.3, 2.0])
    coef = correction_coefficient(CAPACITY_COLUMNS, correction("column", column="hardship_coef", lower=0.8, upper=1.5))
    assert coef == pytest.approx([0.8, 1.0, 1.3, 1.5])


def test_published_classes_give_one_coefficient_per_capacity_class():
    # thresholds 0.3 and 0.6: below 0.3 → 1.2; from 0.3 to below 0.6 → 1.0; 0.6 and above → 0.9
    coef = correction_coefficient(CAPACITY_COLUMNS, correction(
        "classes", numerator="revenue", denominator="expenditure", thresholds=(0.3, 0.6),
        coefficients=(1.2, 1.0, 0.9)))
    assert coef == pytest.approx([1.2, 1.0, 0.9, 0.9])
    assert coefficient_by_class(np.array([0.29, 0.3]), (0.3, 0.6), (1.2, 1.0, 0.9)) == pytest.approx([1.2, 1.0])


def test_inside_and_result_corrections_are_both_expressible_and_give_different_amounts():
    data = RegionData.from_frame(WORKED_DATA)
    inside = policy_from_text(WORKED_POLICY)
    result = policy_from_text(RESULT_POLICY)
    assert [c.apply for c in inside.corrections] == ["inside"]
    assert [c.apply for c in result.corrections] == ["result"]

    # inside the need term: need x·c = 2000, 2000, 3000, 2000 (Σ 9000) → 540 × (2/9, 2/9, 1/3, 2/9)
    #   = 120, 120, 180, 120; population 360 × (0.2, 0.2, 0.3, 0.3) = 72, 72, 108, 108
    #   formula = corrected = 192, 192, 288, 228
    stages = formula_amounts(inside.blocks[0], data, 900)
    assert stages["formula"] == pytest.approx([192, 192, 288, 228])
    assert stages["corrected"] == pytest.approx([192, 192, 288, 228])

    # on the result: formula without coefficient = 540 × (0.1, 0.2, 0.3, 0.4) + 72, 72, 108, 108
    #   = 126, 180, 270, 324; × c (2, 1, 1, 0.5) = 252, 180, 270, 162 (Σ 864)
    #   corrected = 900 × that / 864 = 262.5, 187.5, 281.25, 168.75
    stages = formula_amounts(result.blocks[0], data, 900)
    assert stages["formula"] == pytest.approx([126, 180, 270, 324])
    assert stages["corrected"] == pytest.approx([262.5, 187.5, 281.25, 168.75])
    assert stages["corrected"].sum() == pytest.approx(900)
    assert stages["coef_hardship"] == pytest.approx([2, 1, 1, 0.5])


def test_a_correction_on_the_result_carries_through_to_the_final_amounts():
    # corrected 262.5, 187.5, 281.25, 168.75 against floors 144, 180, 261, 243 and caps 176, 220, 319, 297:
    # 甲区 capped at 176, 丁县 held at 243; the other two share 900 − 176 − 243 = 481 in proportion to
    # 187.5 : 281.25 (= 2 : 3) → 192.4 and 288.6 → rounded 192 and 289 (larger remainder to 丙县)
    result = allocate(policy_from_text(RESULT_POLICY), WORKED_DATA)
    assert result.region_units.tolist() == [176, 192, 289, 243]
    assert result.trace["constrained"] == pytest.approx([176, 192.4, 288.6, 243])
    assert result.binding.tolist() == ["cap", "none", "none", "floor"]


def test_a_correction_limited_to_some_factors_leaves_the_others_alone():
    policy = policy_from_text(WORKED_POLICY)
    stages = formula_amounts(policy.blocks[0], RegionData.from_frame(WORKED_DATA), 900)
    # the population term is not corrected: its shares are plain 0.2, 0.2, 0.3, 0.3
    assert stages["share_population"] == pytest.approx([0.2, 0.2, 0.3, 0.3])
