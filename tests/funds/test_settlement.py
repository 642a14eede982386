from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from allocator.engine import allocate
from allocator.errors import PolicyError
from allocator.funds import advance_amounts, advance_from_policy, deadlines, next_year_advance, settle
from allocator.funds.advance import central_ratio
from allocator.policy import load_policy
from allocator.policy.model import AdvanceRule, Level, Policy


def test_the_advance_is_last_years_allocation_scaled_to_the_advance_total_with_an_exact_total(policy, data):
    advance = advance_from_policy(policy, data)
    # central: bases 200,190,150,170,140,100 (Σ 950) scaled to 900
    quotas = np.array([200, 190, 150, 170, 140, 100]) * 900 / 950
    assert advance[:, 0].sum() == 900
    assert (np.abs(advance[:, 0] - quotas) < 1).all()
    assert advance[:, 1:].sum() == 0  # no advance total for the other pools


def test_amount_still_to_issue_is_full_year_minus_advance(policy, data):
    s = settle(policy, data)
    assert (s.to_issue == s.full_year.amounts - s.advance).all()
    table = s.table()
    assert (table["合计·全年"] - table["合计·提前下达"] == table["合计·此次下达"]).all()


def _large_advance(policy, data):
    """An advance that gives 甲区 far more than its factor-method amount."""
    advance = np.zeros((len(data), len(policy.pools)), dtype=np.int64)
    advance[:, 0] = advance_amounts(np.array([350, 100, 100, 100, 50, 50]), 900, data.codes)
    return advance


def test_claw_back_keeps_the_factor_amounts_and_shows_the_money_to_recover(policy, data):
    advance = _large_advance(policy, data)
    s = settle(policy, data, advance=advance, rule="claw_back")
    plain = allocate(policy, data)
    assert (s.full_year.amounts == plain.amounts).all()
    assert s.advance_exceeds[0] and s.to_issue[0].sum() < 0
    assert "收回" in s.notes()[0]


def test_raise_to_advance_lifts_the_region_to_its_advance_at_the_others_expense(policy, data):
    advance = _large_advance(policy, data)
    s = settle(policy, data, advance=advance, rule="raise_to_advance")
    assert s.advance_exceeds[0]
    shared = s.full_year.amounts[:, :2].sum(axis=1)
    assert shared[0] >= advance[0].sum()  # the floor holds on the region total
    assert s.full_year.pool_units.tolist() == [1000, 203, 301]  # every pool still exact
    plain = settle(policy, data, advance=advance, rule="claw_back").full_year
    assert (s.full_year.amounts[1:, :2].sum() < plain.amounts[1:, :2].sum())
    assert "提高到提前下达数" in s.notes()[0]


def test_next_years_advance_is_this_years_allocation_times_the_advance_ratio(policy, data):
    result = allocate(policy, data)
    nxt = next_year_advance(result, {"central": 700})
    assert nxt[:, 0].sum() == 700 and nxt[:, 1:].sum() == 0
    # each region's advance is 70 % of its allocation (700 of 1000), off by less than one 万元 of rounding
    assert (np.abs(nxt[:, 0] - 0.7 * result.amounts[:, 0]) < 1).all()


def test_funds_are_passed_on_within_30_days_of_receipt(policy):
    d = deadlines(date.fromisoformat(policy.settlement.received), policy.settlement.pass_on_days)
    assert d.pass_on_by == date(2019, 7, 10)
    assert d.next_advance_by == date(2019, 10, 31)


def test_raise_to_advance_leaves_no_pool_below_its_advance_in_a_raised_region(policy, data):
    advance = np.zeros((len(data), len(policy.pools)), dtype=np.int64)
    advance[:, 0] = advance_amounts(np.array([300, 100, 100, 100, 50, 50]), 900, data.codes)
    advance[:, 1] = advance_amounts(np.array([60, 20, 20, 20, 10, 10]), 120, data.codes)  # another ratio
    s = settle(policy, data, advance=advance, rule="raise_to_advance")
    assert s.advance_exceeds[0]
    assert (s.full_year.amounts[0] >= advance[0]).all()
    assert s.full_year.pool_units.tolist() == [1000, 203, 301]
    assert (s.full_year.region_units == s.full_year.trace["rounded"] + s.full_year.amounts[:, 2]).all()
    assert "收回" not in s.notes()[0]


def test_exchanging_units_between_pools_keeps_every_row_and_column_total():
    from allocator.funds.advance import cover_pool_advances

    amounts = np.array([[5, 5], [10, 0], [3, 7]])
    advance = np.array([[7, 2], [4, 0], [0, 0]])
    out = cover_pool_advances(amounts, advance, [[0, 1]], np.array(["1", "2", "3"]))
    assert (out >= advance).all()
    assert (out.sum(axis=0) == amounts.sum(axis=0)).all() and (out.sum(axis=1) == amounts.sum(axis=1)).all()


def test_raise_to_advance_covers_a_pool_short_of_its_advance_even_when_the_region_total_is_not(policy, data):
    plain = allocate(policy, data)
    advance = np.zeros_like(plain.amounts)
    advance[:, 0] = plain.amounts[:, 0]
    advance[0, 0] += 5  # 甲区's central advance above its central amount, its total still covered
    advance[1, 0] -= 5
    s = settle(policy, data, advance=advance, rule="raise_to_advance")
    assert (s.full_year.amounts >= advance).all()
    assert (s.full_year.region_units == plain.region_units).all()  # only pools exchanged, totals kept
    assert not any("收回" in n for n in s.notes())


def test_an_unknown_settlement_rule_is_refused(policy, data):
    import pytest

    from allocator.errors import PolicyError

    with pytest.raises(PolicyError, match="「foo」不可用"):
        settle(policy, data, rule="foo")


def test_an_advance_total_above_the_pool_total_or_off_the_unit_is_refused(tmp_path, policy_text):
    import pytest

    from allocator.errors import PolicyError
    from allocator.policy import load_policy

    path = tmp_path / "p.toml"
    path.write_text(policy_text.replace("value = 900, unit", "value = 1500, unit"), encoding="utf-8")
    with pytest.raises(PolicyError, match="advance_total = 1500 万元：提前下达数应在 0 与资金总额 1000 万元之间"):
        load_policy(path)
    path.write_text(policy_text.replace("value = 900, unit", "value = 900.5, unit"), encoding="utf-8")
    with pytest.raises(PolicyError, match="不是取整单位 1 万元的整数倍"):
        load_policy(path)


def _prefecture_ratio_policy(tmp_path, policy_text, central_advance=475):
    text = (policy_text.replace('advance_total = { value = 900, unit = "万元" }',
                                f'advance_total = {{ value = {central_advance}, unit = "万元" }}')
            .replace('advance_excess = "claw_back"', 'advance_excess = "claw_back"\nadvance_rule = "prefecture_ratio"'))
    path = tmp_path / "seed_rule.toml"
    path.write_text(text, encoding="utf-8")
    return load_policy(path)


def test_the_seed_rule_applies_one_central_ratio_to_central_and_provincial_bases(tmp_path, policy_text, data):
    """2019 seed: 提前通知数 ÷ 上年中央补助资金 = 475 / 950 = 0.5, applied to each 市州's central and
    provincial base; counties then receive from their 市州 (甲市 central 540 → 270: 100, 95, 75)."""
    policy = _prefecture_ratio_policy(tmp_path, policy_text)
    assert policy.settlement.advance_rule == AdvanceRule.PREFECTURE_RATIO
    assert central_ratio(policy, data) == 0.5
    advance = advance_from_policy(policy, data)
    assert advance[:, 0].tolist() == [100, 95, 75, 85, 70, 50]  # central: half of 200,190,150,170,140,100
    assert advance[:, 1].tolist() == [20, 19, 15, 17, 14, 10]  # provincial by the same ratio
    assert advance[:, 2].sum() == 0  # the earmarked pool is allocated when it arrives, not in advance


def test_under_the_seed_rule_prefecture_and_pool_totals_are_exact_and_counties_add_up_to_their_prefecture(
        tmp_path, policy_text, data):
    policy = _prefecture_ratio_policy(tmp_path, policy_text, central_advance=613)
    advance = advance_from_policy(policy, data)
    ratio = 613 / 950
    base = np.column_stack([data.columns["base_central"], data.columns["base_provincial"]])
    assert advance[:, 0].sum() == 613 and advance[:, 1].sum() == round(ratio * base[:, 1].sum())
    for rows in (slice(0, 3), slice(3, 6)):  # 甲市, 乙州
        prefecture = ratio * base[rows].sum(axis=0)
        assert (np.abs(advance[rows, :2].sum(axis=0) - prefecture) < 1).all()
    assert (np.abs(advance[:, :2] - ratio * base) < 2).all()


def test_the_seed_rule_needs_a_central_advance_notice(tmp_path, policy_text, data):
    text = policy_text.replace('advance_total = { value = 900, unit = "万元" }\n', '').replace(
        'advance_excess = "claw_back"', 'advance_excess = "claw_back"\nadvance_rule = "prefecture_ratio"')
    path = tmp_path / "no_notice.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match="提前通知数"):
        advance_from_policy(load_policy(path), data)


def test_the_2019_preset_uses_the_seed_rule_with_a_central_advance_near_published_practice():
    from allocator.usecases import load_inputs
    inputs = load_inputs("sichuan-2019")
    assert inputs.policy.settlement.advance_rule == AdvanceRule.PREFECTURE_RATIO
    advance = advance_from_policy(inputs.policy, inputs.data)
    central = [j for j, p in enumerate(inputs.policy.pools) if p.level == "中央" and p.advance_total]
    notice = sum(inputs.policy.pools[j].advance_total for j in central)
    assert advance[:, central].sum() == notice == 92_700
    for j in central:  # each budget account forwards exactly its own notice
        assert advance[:, j].sum() == inputs.policy.pools[j].advance_total
    full_year = sum(inputs.policy.pools[j].total for j in central)
    assert 0.40 < notice / full_year < 0.65  # 2018: 107.9 of 235 亿元 (46 %) was advanced
    s = settle(inputs.policy, inputs.data)
    assert (s.to_issue.sum(axis=1) + s.advance.sum(axis=1) == s.full_year.region_units).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["510100", "510300", "513300"]), st.integers(0, 5_000), st.integers(0, 2_000)),
                min_size=1, max_size=15),
       st.floats(0.05, 1.0))
def test_the_seed_rule_keeps_pool_and_prefecture_totals_exact_on_random_bases(rows, share):
    """Property: whatever the bases, each pool's advance adds up to its total, every county is within two
    units of ratio × base, nobody gets a negative advance, and counties add up to their 市州's notice."""
    from allocator.engine import RegionData
    from allocator.funds.advance import advance_by_prefecture, prefecture_ratio_advance
    from allocator.policy.model import Constraints, Pool, Rounding, SettlementRules

    assume(sum(r[1] for r in rows) > 0)
    codes = [f"{p[:4]}{i + 1:02d}" for i, (p, _, _) in enumerate(rows)]
    frame = pd.DataFrame({"code": codes, "name": codes, "base_c": [float(r[1]) for r in rows],
                          "base_p": [float(r[2]) for r in rows]}).sort_values("code", ignore_index=True)
    codes = frame["code"].tolist()  # RegionData keeps regions in code order
    notice = float(round(share * frame["base_c"].sum()))
    pools = (Pool("c", "中央", 1e6, Level.CENTRAL, "一般公共预算", "s", base_column="base_c", advance_total=notice),
             Pool("p", "省级", 1e6, Level.PROVINCIAL, "一般公共预算", "s", base_column="base_p"))
    policy = Policy("t", "t", 2019, "s", pools, (), (), Constraints("s"), Rounding(1.0, "s"),
                    settlement=SettlementRules("s", advance_rule=AdvanceRule.PREFECTURE_RATIO))
    advance = prefecture_ratio_advance(policy, RegionData.from_frame(frame))
    ratio = notice / frame["base_c"].sum()
    assert advance[:, 0].sum() == notice and advance[:, 1].sum() == round(ratio * frame["base_p"].sum())
    assert (advance >= 0).all()
    assert (np.abs(advance - ratio * frame[["base_c", "base_p"]].to_numpy()) < 2).all()
    prefectures, by_prefecture = advance_by_prefecture(advance, codes)
    for p, row in zip(prefectures, by_prefecture):
        inside = frame["code"].str.startswith(p[:4]).to_numpy()
        assert (np.abs(row - ratio * frame.loc[inside, ["base_c", "base_p"]].sum().to_numpy()) < 1).all()
