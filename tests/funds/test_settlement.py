from datetime import date

import numpy as np

from allocator.engine import allocate
from allocator.funds import advance_amounts, advance_from_policy, deadlines, next_year_advance, settle


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
