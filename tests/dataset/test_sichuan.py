"""The embedded Sichuan dataset: regions, crosswalk, the generator's calibration, and the presets."""
import numpy as np
import pandas as pd
import pytest

from allocator.dataset.reference import load_census, load_crosswalk, load_figures, load_regions, parent_map
from allocator.demo.figures import ANCHORS, build_dataset, county_groups
from allocator.engine import allocate
from allocator.funds import allocate_two_tier
from allocator.policy import load_policy

COUNTS = ("dibao_urban", "dibao_rural", "tekun", "poverty_population", "monitored", "illness_poverty")


@pytest.fixture(scope="module")
def figures():
    return {year: load_figures(year) for year in (2019, 2020)}


def test_the_province_has_21_prefectures_and_183_counties():
    regions = load_regions()
    assert (regions["level"] == "prefecture").sum() == 21
    assert (regions["level"] == "county").sum() == 183
    counties = load_regions("county")
    assert counties["deep_poverty_county"].sum() == 45
    assert counties["former_poverty_county"].sum() == 88
    assert counties["sanzhou_county"].sum() == 48
    assert set(counties["parent_code"]) == set(load_regions("prefecture")["code"])


def test_every_retired_code_maps_to_a_current_county():
    crosswalk = load_crosswalk()
    assert len(crosswalk) == 10
    current = set(load_regions("county")["code"])
    assert set(crosswalk["code"]) <= current
    assert not set(crosswalk["old_code"]) & current
    assert crosswalk.set_index("old_code").loc["510124", "code"] == "510117"  # 郫县 → 郫都区


def test_resident_population_adds_up_to_the_2020_census_in_every_prefecture(figures):
    parent_of, _ = parent_map()
    sums = figures[2020].groupby(figures[2020]["code"].map(parent_of))["resident_population"].sum()
    census = load_census().set_index("code")["resident_population_census2020"]
    pd.testing.assert_series_equal(sums.sort_index(), census.sort_index(), check_names=False)
    assert census.sum() == 83_674_866


def test_hukou_population_adds_up_to_the_province_figure(figures):
    assert figures[2020]["hukou_population"].sum() == 90_815_900
    assert abs(figures[2019]["hukou_population"].sum() / 90_815_900 - 1) < 0.01


def test_dibao_and_tekun_add_up_to_the_402_wan_people_assisted_in_2019(figures):
    f = figures[2019]
    assert (f["dibao_urban"] + f["dibao_rural"] + f["tekun"]).sum() == ANCHORS["assisted_2019"].value
    assert f["dibao_rural"].sum() > 5 * f["dibao_urban"].sum()  # rural 低保 spending is 4.3× urban


def test_local_input_and_balance_match_the_2019_report(figures):
    f = figures[2019]
    assert f["local_input"].sum() == pytest.approx(383_770 * 0.2591, abs=1)
    need = f["dibao_urban"] + f["dibao_rural"] + f["tekun"]
    assert np.average(f["balance_ratio"], weights=need) == pytest.approx(105_543 / 383_770 * 100, abs=0.5)


@pytest.mark.parametrize("year", [2019, 2020])
def test_figures_are_plausible_for_every_county(figures, year):
    f = figures[year]
    assert len(f) == 183 and f["code"].is_unique
    for col in COUNTS:
        assert (f[col] >= 0).all() and (f[col] <= f["hukou_population"]).all(), col
    need = f["dibao_urban"] + f["dibao_rural"] + f["tekun"]
    assert (need / f["hukou_population"]).max() < 0.25
    assert (f["illness_poverty"] <= f["poverty_population"]).all()
    assert f["hukou_population"].min() > 20_000 and f["resident_population"].max() < 3_000_000  # 双流 2.66 million
    self_sufficiency = f["revenue"] / f["expenditure"]
    assert self_sufficiency.between(0.01, 1.0).all()
    per_head = f["expenditure"] * 10_000 / f["resident_population"]  # 元 per resident
    assert per_head.between(3_000, 100_000).all()
    assert f["performance_score"].between(60, 100).all() and f["balance_ratio"].between(0, 100).all()


def test_poverty_counties_have_higher_need_and_weaker_finances_and_chengdu_the_strongest(figures):
    f = figures[2020]
    group = county_groups(load_regions("county")).to_numpy()
    rate = (f["dibao_urban"] + f["dibao_rural"] + f["tekun"]) / f["hukou_population"]
    self_sufficiency = f["revenue"] / f["expenditure"]
    ordinary = np.isin(group, ["rural", "urban"])
    assert rate[group == "deep"].median() > 1.5 * rate[ordinary].median()
    assert rate[group == "poor"].median() > 1.2 * rate[ordinary].median()
    assert self_sufficiency[group == "deep"].median() < 0.5 * self_sufficiency[ordinary].median()
    prefectures = load_figures(2020, level="prefecture")
    strongest = prefectures.loc[(prefectures["revenue"] / prefectures["expenditure"]).idxmax(), "name"]
    assert strongest == "成都市"
    top10 = f.loc[self_sufficiency.sort_values().index[-10:], "code"]
    assert top10.str.startswith("5101").sum() >= 8


def test_the_generator_is_reproducible_and_the_files_are_its_output():
    built = build_dataset()
    for year, frame in built.items():
        stored = load_figures(year, flags=False)
        pd.testing.assert_frame_equal(stored.reset_index(drop=True), frame.reset_index(drop=True),
                                      check_dtype=False)


def test_the_loop_file_is_the_2020_figures_with_the_scored_2019_entries_exactly():
    from allocator.dataset.reference import LOOP_DATASET, load_packaged
    from allocator.demo.loop import loop_figures

    pd.testing.assert_frame_equal(load_packaged(LOOP_DATASET), loop_figures(), check_exact=True)


def test_2019_bases_add_up_to_the_assumed_2018_totals_and_2020_bases_are_the_2019_result(figures):
    policy = load_policy("sichuan-2019")
    for pool in policy.pools:
        assert figures[2019][pool.base_column].sum() == round(pool.total * 0.94)
        assert figures[2020][pool.base_column].sum() == pool.total
    result = allocate(policy, figures[2019])
    table = result.table()
    for pool in policy.pools:
        assert (table[pool.id].to_numpy() == figures[2020][pool.base_column].to_numpy()).all()


def test_the_2019_preset_reproduces_its_pool_totals_exactly_in_every_row_and_column(figures):
    policy = load_policy("sichuan-2019")
    assert {p.id: p.total for p in policy.pools} == {
        "central_general": 186_650, "central_lottery": 14_865, "provincial_general": 35_900,
        "provincial_lottery": 9_740, "deep_poverty": 26_644}
    weights = {f.id: f.weight for f in policy.factors}
    assert weights == pytest.approx({"need": 0.75, "population": 0.05, "effort": 0.20})
    result = allocate(policy, figures[2019])
    assert result.amounts.dtype == np.int64 and (result.amounts >= 0).all()
    assert result.pool_units.tolist() == [186_650, 14_865, 35_900, 9_740, 26_644]
    assert result.region_units.sum() == 273_799  # what Sichuan issued in 2019; the earmark is inside
    table = result.table()
    assert (table[[p.id for p in policy.pools]].sum(axis=1) == table["total"]).all()
    deep = load_regions("county").set_index("code")["deep_poverty_county"]
    received_deep = table.set_index("code")["deep_poverty"] > 0
    assert (received_deep == (deep.loc[received_deep.index] == 1)).all()


def test_the_2020_preset_keeps_every_county_between_90_and_120_percent_of_2019(figures):
    policy = load_policy("sichuan-2020")
    result = allocate(policy, figures[2020])
    shared = [p for p in policy.pools if not p.separate]
    got = result.table()[[p.id for p in shared]].sum(axis=1).to_numpy()
    base = figures[2020][[p.base_column for p in shared]].sum(axis=1).to_numpy()
    assert (got >= np.ceil(0.9 * base)).all() and (got <= np.floor(1.2 * base)).all()
    assert result.pool_units.sum() == round(policy.budget)


def test_province_to_prefecture_to_county_adds_up_on_the_2019_preset(figures):
    policy = load_policy("sichuan-2019")
    parent_of, names = parent_map()
    two_tier = allocate_two_tier(policy, figures[2019], parent_of, names, city_share=0.02)
    assert len(two_tier.top.codes) == 21
    table = two_tier.county_table()
    for pool in policy.pools:
        assert table[pool.id].sum() == pool.total


def test_at_the_prefecture_tier_the_deep_poverty_pool_counts_only_eligible_counties(figures):
    """The deep-poverty formula is linear in raw counts, so each prefecture's share by its eligible
    counties' figures equals the sum of what those counties get directly (up to rounding)."""
    policy = load_policy("sichuan-2019")
    parent_of, names = parent_map()
    top = allocate_two_tier(policy, figures[2019], parent_of, names).top.table().set_index("code")
    direct = allocate(policy, figures[2019]).table()
    by_prefecture = direct.groupby(direct["code"].map(parent_of))["deep_poverty"].sum()
    for code, amount in by_prefecture.items():
        assert abs(top.loc[code, "deep_poverty"] - amount) <= 2, code
    assert top.loc["511100", "deep_poverty"] == pytest.approx(by_prefecture["511100"], abs=2)  # 乐山: 3 of 11 counties
