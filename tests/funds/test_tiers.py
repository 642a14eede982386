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
    assert np.allclose(cmp["difference"], cmp["two_tier_total"] - cmp["direct_total"])


def test_a_prefecture_may_use_its_own_policy(policy, counties, links):
    from allocator.policy import apply_overrides
    own = apply_overrides(policy, {"factors.need.weight": 25, "factors.population.weight": 75})
    tt = allocate_two_tier(policy, counties, *links, county_policies={"510100": own})
    same = allocate_two_tier(policy, counties, *links)
    a = tt.county_table().set_index("code").loc["510101", "total"]
    b = same.county_table().set_index("code").loc["510101", "total"]
    assert a > b  # 甲区 has the most people: a population-heavy policy gives it more
