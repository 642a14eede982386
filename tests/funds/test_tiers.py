import numpy as np

from allocator.engine import allocate
from allocator.funds import aggregate, allocate_two_tier, compare_paths

POOLS = ["central", "provincial", "deep"]


def test_prefecture_figures_are_the_sums_of_their_counties(counties, links):
    agg = aggregate(counties, *links).set_index("code")
    assert agg.loc["510100", "dibao"] == 6000 + 9000 + 7000
    assert agg.loc["513300", "deep_poverty"] == 1  # a flag: any county


def test_two_tier_totals_add_up_at_both_tiers(policy, counties, links):
    tt = allocate_two_tier(policy, counties, *links, city_share=0.05)
    top = tt.top.table().set_index("code")
    assert top[POOLS].sum().tolist() == [1000, 203, 301]
    table = tt.county_table()
    assert table[POOLS].sum().tolist() == [1000, 203, 301]
    for parent in ("510100", "513300"):
        rows = table[table["parent_code"] == parent]
        assert rows[POOLS].sum().tolist() == top.loc[parent, POOLS].tolist()
    city = table[table["path"] == "市本级"]
    assert len(city) == 2


def test_only_eligible_counties_get_the_special_pool_through_the_two_tier_path(policy, counties, links):
    tt = allocate_two_tier(policy, counties, *links)
    table = tt.county_table().set_index("code")
    assert table.loc[["510101", "510102", "510103"], "deep"].sum() == 0
    assert table.loc[["513301", "513302", "513303"], "deep"].sum() == 301


def test_a_county_funded_directly_by_the_province_is_a_prefecture_level_recipient(policy, counties, links):
    tt = allocate_two_tier(policy, counties, *links, direct=("510103",))
    assert "510103" in tt.top.codes
    table = tt.county_table().set_index("code")
    assert table.loc["510103", "path"] == "省直管"
    assert table[POOLS].sum().tolist() == [1000, 203, 301]


def test_the_two_paths_can_be_compared_county_by_county(policy, counties, data, links):
    tt = allocate_two_tier(policy, counties, *links)
    direct = allocate(policy, data)
    cmp = compare_paths(tt, direct)
    assert len(cmp) == 6
    assert cmp["two_tier_total"].sum() == cmp["direct_total"].sum() == 1504
    # the same money takes two paths: what one county gains another loses
    assert cmp["difference"].sum() == 0
    assert (cmp["difference"].abs() <= cmp["direct_total"]).all()


def test_a_prefecture_may_use_its_own_policy(policy, counties, links):
    from allocator.policy import apply_overrides
    own = apply_overrides(policy, {"factors.need.weight": 25, "factors.population.weight": 75})
    tt = allocate_two_tier(policy, counties, *links, county_policies={"510100": own})
    same = allocate_two_tier(policy, counties, *links)
    a = tt.county_table().set_index("code").loc["510101", "total"]
    b = same.county_table().set_index("code").loc["510101", "total"]
    assert a > b  # 甲区 has the most people: a population-heavy policy gives it more


def test_the_city_keeps_a_share_of_the_shared_pools_but_none_of_a_special_pool(policy, counties, links):
    table = allocate_two_tier(policy, counties, *links, city_share=0.1).county_table()
    city = table[table["path"] == "市本级"]
    assert (city["deep"] == 0).all() and (city["central"] > 0).all()
    deep_rows = table[table["deep"] > 0]
    assert set(deep_rows["code"]) <= {"513301", "513302", "513303"}


def test_a_count_column_of_zeros_and_ones_adds_up_rather_than_being_taken_for_a_flag(links):
    import pandas as pd

    frame = pd.DataFrame({"code": ["510101", "510102", "510103"], "name": ["甲", "乙", "丙"], "tekun": [1, 1, 0]})
    assert aggregate(frame, *links).set_index("code").loc["510100", "tekun"] == 2


def test_a_bad_city_share_or_a_prefecture_given_as_a_direct_county_is_refused(policy, counties, links):
    import pytest

    from allocator.errors import InputError

    with pytest.raises(InputError, match="市本级留用比例 = -50%"):
        allocate_two_tier(policy, counties, *links, city_share=-0.5)
    with pytest.raises(InputError, match="省直管县代码 510100 是市州代码，不是县"):
        allocate_two_tier(policy, counties, *links, direct=("510100",))
    with pytest.raises(InputError, match="省直管县代码 999999 不在数据中"):
        allocate_two_tier(policy, counties, *links, direct=("999999",))


def test_prefecture_floors_are_the_sum_of_their_counties_rounded_floors(policy, counties, links):
    """Floors at 105 % of last year leave the shared pools (1,203 万元) almost no room. Rounded at the
    prefecture tier, ⌈1.05·Σbase⌉ is less than the counties' Σ⌈1.05·base⌉, and the counties' floors would
    not fit in what their prefecture receives; summing the counties' rounded floors keeps both tiers feasible."""
    from allocator.policy import apply_overrides

    tight = apply_overrides(policy, {"constraints.floor_share_of_base": 105})
    tt = allocate_two_tier(tight, counties, *links)  # infeasible at the county tier before the fix
    top = tt.top.table().set_index("code")
    for parent, members in (("510100", ["510101", "510102", "510103"]), ("513300", ["513301", "513302", "513303"])):
        base = counties.set_index("code").loc[members, ["base_central", "base_provincial"]].sum(axis=1)
        county_floors = np.ceil(1.05 * base.to_numpy() - 1e-9).sum()
        assert top.loc[parent, ["central", "provincial"]].sum() >= county_floors
    assert not tt.notes
