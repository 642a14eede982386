"""A whole allocation by hand: formula → corrected → constrained → rounded → split by pool."""
import numpy as np
import pandas as pd
import pytest
from engine_cases import WORKED_DATA, WORKED_POLICY, policy_from_document, simple_document

from allocator.engine import RegionData, allocate
from allocator.errors import InfeasibleError
from allocator.policy import apply_overrides, policy_from_text

HUNDREDTHS_POLICY = (WORKED_POLICY
                     .replace('unit = { value = 1, unit = "万元"', 'unit = { value = 0.01, unit = "万元"')
                     .replace("value = 700,", "value = 700.01,")
                     .replace("value = 200,", "value = 200.02,"))


@pytest.fixture
def policy():
    return policy_from_text(WORKED_POLICY)


@pytest.fixture
def result(policy):
    return allocate(policy, WORKED_DATA)


def test_the_formula_amounts_follow_the_weights_shares_and_the_inside_coefficient(result):
    # need: 低保 × 困难系数 = 1000·2, 2000·1, 3000·1, 4000·0.5 = 2000, 2000, 3000, 2000 (Σ 9000)
    #   need part = 900 × 60 % × (2/9, 2/9, 3/9, 2/9) = 120, 120, 180, 120
    # population: 200k, 200k, 300k, 300k (Σ 1,000k) → 900 × 40 % × (.2, .2, .3, .3) = 72, 72, 108, 108
    # formula = corrected (the coefficient is inside the need term) = 192, 192, 288, 228
    trace = result.trace
    assert trace["coef_hardship"] == pytest.approx([2, 1, 1, 0.5])
    assert trace["part_need"] == pytest.approx([120, 120, 180, 120])
    assert trace["part_population"] == pytest.approx([72, 72, 108, 108])
    assert trace["formula"] == pytest.approx([192, 192, 288, 228])
    assert trace["corrected"] == pytest.approx([192, 192, 288, 228])


def test_floors_and_caps_come_from_last_years_amounts(result):
    # base = base_central + base_provincial = 160, 200, 290, 270
    # floor 90 %: 144, 180, 261, 243; cap 110 %: 176, 220, 319, 297
    trace = result.trace
    assert trace["base"] == pytest.approx([160, 200, 290, 270])
    assert trace["floor"] == pytest.approx([144, 180, 261, 243])
    assert trace["cap"] == pytest.approx([176, 220, 319, 297])


def test_the_constrained_amounts_cap_one_region_hold_one_at_its_floor_and_share_the_rest(result):
    # 甲区 192 > cap 176 → 176 (封顶); 丁县 228 < floor 243 → 243 (保底).
    # 乙县 and 丙县 share 900 − 176 − 243 = 481 in proportion 192 : 288 → ×481/480 = 192.4 and 288.6
    # (check: 192.4 ∈ [180, 220], 288.6 ∈ [261, 319]; 甲区 at ×481/480 would be 192.4 > 176, 丁县 228.5 < 243).
    assert result.trace["constrained"] == pytest.approx([176, 192.4, 288.6, 243])
    assert result.solution.scale == pytest.approx(481 / 480)
    assert result.binding.tolist() == ["cap", "none", "none", "floor"]


def test_rounding_gives_the_larger_remainder_its_unit_and_splits_each_region_by_pool(result):
    # 192.4 + 288.6 = 481: ⌊⌋ = 192 + 288 = 480, the one unit left goes to .6 (丙县) → 176, 192, 289, 243
    assert result.trace["rounded"] == pytest.approx([176, 192, 289, 243])
    assert result.trace["rounding_adjustment"] == pytest.approx([0, -0.4, 0.4, 0])
    # split 7 : 2 — 甲 136.89/39.11, 乙 149.33/42.67, 丙 224.78/64.22, 丁 189/54; floors leave central two
    # units and provincial one short; largest fractions first: 甲·central, 丙·central, 乙·provincial.
    assert result.amounts.tolist() == [[137, 39], [149, 43], [225, 64], [189, 54]]
    assert result.pool_units.tolist() == [700, 200]


def test_the_table_has_one_row_per_region_and_its_row_totals_are_the_sum_of_the_pools(result):
    table = result.table()
    assert table.columns.tolist() == ["code", "name", "central", "provincial", "total"]
    assert table["code"].tolist() == ["510101", "510102", "510103", "510104"]
    assert (table["central"] + table["provincial"] == table["total"]).all()
    assert table["total"].tolist() == [176, 192, 289, 243]
    assert table[["central", "provincial"]].sum().tolist() == [700, 200]


def test_the_trace_keeps_every_stage_with_a_chinese_header(result):
    trace = result.trace_frame()
    stages = ["coef_hardship", "value_need", "share_need", "part_need", "value_population",
              "share_population", "part_population", "formula", "corrected", "base", "floor", "cap",
              "constrained", "rounded", "rounding_adjustment", "binding"]
    assert trace.columns.tolist() == ["code", "name", *stages]
    labels = result.column_labels()
    assert labels["formula"] == "公式测算额(万元)"
    assert labels["corrected"] == "修正后测算额(万元)"
    assert labels["constrained"] == "约束后金额(万元)"
    assert labels["rounded"] == "取整后金额(万元)"
    assert labels["binding"] == "约束情况"
    assert labels["part_need"] == "困难群众人数·测算额(万元)"
    assert labels["coef_hardship"] == "财政困难程度系数"
    assert labels["total"] == "合计"
    assert all(stage in labels for stage in stages)


def test_the_summary_names_the_binding_constraints(result):
    summary = result.summary()
    assert "保底约束生效 1 个地区" in summary and "封顶约束生效 1 个地区" in summary
    assert "资金合计 900 万元" in summary


def test_the_fingerprint_is_stable_for_the_same_inputs(policy, tmp_path):
    first = allocate(policy, WORKED_DATA).fingerprint
    again = allocate(policy_from_text(WORKED_POLICY), RegionData.from_frame(WORKED_DATA.copy()))
    assert again.fingerprint == first
    assert len(first) == 64


def test_the_fingerprint_changes_when_the_data_or_the_policy_change(policy, result):
    changed = WORKED_DATA.copy()
    changed.loc[1, "dibao_rural"] = 2001
    assert allocate(policy, changed).fingerprint != result.fingerprint
    scenario = apply_overrides(policy, {"factors.need.weight": 50, "factors.population.weight": 50})
    assert allocate(scenario, WORKED_DATA).fingerprint != result.fingerprint
    assert allocate(policy, WORKED_DATA, method="lp").fingerprint != result.fingerprint


def test_a_rounding_unit_of_a_hundredth_gives_exact_amounts_in_hundredths():
    # Budgets 700.01 + 200.02 = 900.03 万元. Formula amounts grow by 900.03/900; floors and caps do
    # not. 乙县 and 丙县 share 900.03 − 176 − 243 = 481.03 in proportion 2 : 3 → 192.412, 288.618
    # → in hundredths 19241.2 and 28861.8: ⌊⌋ leave one hundredth, which goes to .8 (丙县).
    result = allocate(policy_from_text(HUNDREDTHS_POLICY), WORKED_DATA)
    assert result.trace["constrained"] == pytest.approx([176, 192.412, 288.618, 243])
    assert result.region_units.tolist() == [17600, 19241, 28862, 24300]
    assert result.pool_units.tolist() == [70001, 20002]
    table = result.table()
    assert table["total"].tolist() == [176.0, 192.41, 288.62, 243.0]
    assert np.allclose(table["central"] + table["provincial"], table["total"])
    assert round(table["central"].sum(), 2) == 700.01 and round(table["provincial"].sum(), 2) == 200.02
    # each cell is within one hundredth of the exact split 70001 : 20002
    exact = np.outer(result.region_units, np.array([70001, 20002]) / 90003)
    assert np.all(np.abs(result.amounts - exact) < 1)


def test_the_lp_method_gives_the_same_amounts_for_a_linear_objective(policy):
    scenario = apply_overrides(policy, {"constraints.objective": "least_absolute"})
    fast = allocate(scenario, WORKED_DATA)
    lp = allocate(scenario, WORKED_DATA, method="lp")
    assert lp.amounts.tolist() == fast.amounts.tolist()
    assert lp.solution.method == "lp" and fast.solution.method == "fast"


def test_a_region_override_replaces_the_general_rule(policy):
    # 乙县's cap set to 190: it is capped too; 丙县 alone takes 900 − 176 − 190 − 243 = 291
    scenario = apply_overrides(policy, {"constraints.overrides.510102": {"cap": {"value": 190, "unit": "万元"}}})
    result = allocate(scenario, WORKED_DATA)
    assert result.trace["cap"][1] == 190
    assert result.region_units.tolist() == [176, 190, 291, 243]
    assert result.binding.tolist() == ["cap", "cap", "none", "floor"]


def test_an_override_cap_below_the_floor_is_explained_in_chinese_naming_the_region(policy):
    scenario = apply_overrides(policy, {"constraints.overrides.510102": {"cap": {"value": 170, "unit": "万元"}}})
    with pytest.raises(InfeasibleError) as err:
        allocate(scenario, WORKED_DATA)
    assert "510102 乙县 保底 180 万元 > 封顶 170 万元" in str(err.value)


def test_floors_above_the_budget_are_explained_with_the_smallest_fix(policy):
    scenario = apply_overrides(policy, {"constraints.floor_share_of_base": 105, "constraints.cap_share_of_base": 120})
    with pytest.raises(InfeasibleError) as err:
        allocate(scenario, WORKED_DATA)
    # floors 105 % of 160, 200, 290, 270 = 168, 210, 304.5 → 305, 283.5 → 284; Σ 967 > 900
    assert "各地区保底额合计 967 万元，超过预算 900 万元" in str(err.value)
    assert "将预算增加 67 万元" in str(err.value)


def test_a_region_with_no_formula_amount_never_pushes_the_others_past_their_caps():
    # 甲区 has no need (weight 100 %) so its target is 0 and it is held at its floor 0; 乙县 and 丙县
    # are capped at 120 % of 100 = 120 each, so 242 cannot be placed. Before the fix this ran and
    # gave 乙县 121 (above its cap) and 甲区 1.
    document = simple_document(pools=(("central", 242),), weights=(("need", 100),), cap_pct=120)
    data = pd.DataFrame({"code": ["510101", "510102", "510103"], "name": ["甲区", "乙县", "丙县"],
                         "dibao_rural": [0, 100, 100], "base_central": [100, 100, 100]})
    with pytest.raises(InfeasibleError, match="各地区封顶额合计 240 万元，低于预算 242 万元"):
        allocate(policy_from_document(document), data)
