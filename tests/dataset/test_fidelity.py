"""Faithful to the documents and to Sichuan: the money the province issued, real county populations,
funding source × purpose exact, names by year, and the demo figures' public anchors."""
import numpy as np
import pandas as pd
import pytest

from allocator.analysis.realism import CHENGDU_CENTRAL, group_aid_per_need, need_rate_correlation, realism_table
from allocator.dataset.reference import (
    CENSUS_ZONE_HOSTS,
    load_county_census,
    load_figures,
    names_in_year,
    region_name,
)
from allocator.demo.figures import ANCHORS
from allocator.engine import allocate
from allocator.funds.sources import source_table, source_totals
from allocator.policy import load_policy
from allocator.policy.model import Level, Purpose


@pytest.fixture(scope="module")
def figures():
    return {year: load_figures(year) for year in (2019, 2020)}


@pytest.fixture(scope="module")
def results(figures):
    return {year: allocate(load_policy(f"sichuan-{year}"), figures[year]) for year in (2019, 2020)}


def test_2019_issues_exactly_273799_with_the_four_source_totals_and_the_earmark_inside(results):
    totals = source_totals(results[2019]).set_index(["资金来源", "用途"])["金额(万元)"]
    assert totals[("中央一般公共预算", "常规分配")] == 186_650
    assert totals[("中央一般公共预算", "深度贫困定向")] == 26_644
    assert totals[("中央一般公共预算", "小计")] == 213_294
    assert totals[("中央彩票公益金", "常规分配")] == 14_865
    assert totals[("省级一般公共预算", "常规分配")] == 35_900
    assert totals[("省级彩票公益金", "常规分配")] == 9_740
    assert totals[("合计", "")] == 273_799
    assert 213_294 + 14_865 == 228_159 and 35_900 + 9_740 == 45_640  # central and provincial, as the seed says


def test_2020_keeps_the_earmark_inside_the_central_general_budget(results):
    totals = source_totals(results[2020]).set_index(["资金来源", "用途"])["金额(万元)"]
    assert totals[("中央一般公共预算", "小计")] == 224_000
    assert totals[("中央一般公共预算", "深度贫困定向")] == 28_000
    assert totals[("合计", "")] == round(load_policy("sichuan-2020").budget) == 287_500


@pytest.mark.parametrize("year", [2019, 2020])
def test_the_source_table_is_exact_on_both_dimensions(results, year):
    result = results[year]
    table = source_table(result)
    leaves = [c for c in table.columns if c[1] not in ("", "小计")]
    assert (table[leaves].sum(axis=1) == table[("合计", "")]).all()
    for source in {c[0] for c in table.columns if c[1] == "小计"}:
        parts = [c for c in leaves if c[0] == source]
        assert (table[parts].sum(axis=1) == table[(source, "小计")]).all()
    by_pool = dict(zip([p.id for p in result.policy.pools], result.pool_units))
    for pool in result.policy.pools:
        assert by_pool[pool.id] == pool.total
    assert table[("合计", "")].sum() == result.amounts.sum()


def test_pools_carry_funding_source_and_purpose_as_two_dimensions():
    pools = {p.id: p for p in load_policy("sichuan-2019").pools}
    assert pools["central_general"].funding_source == pools["deep_poverty"].funding_source == (Level.CENTRAL, "一般公共预算")
    assert pools["central_general"].purpose == Purpose.REGULAR and pools["deep_poverty"].purpose == Purpose.EARMARKED
    assert pools["deep_poverty"].purpose_name == "深度贫困定向" and pools["central_general"].purpose_name == "常规分配"


def test_county_populations_are_the_census_for_all_183_units(figures):
    census = load_county_census().set_index("code")["pop_resident_2020"]
    resident = figures[2020].set_index("code")["resident_population"]
    assert len(resident) == 183
    pd.testing.assert_series_equal(resident.sort_index(), census.loc[resident.index].sort_index(), check_names=False)
    raw = load_county_census(fold_zones=False).set_index("code")["pop_resident_2020"]
    assert raw.sum() == resident.sum() == 83_674_866
    for zone, host in CENSUS_ZONE_HOSTS.items():  # the census-only zones are in their host districts
        assert resident[host] == raw[host] + raw[zone]
    assert resident["511702"] == raw["511702"] == 905_678  # 通川区, no longer a random split (was 1.64 million)
    assert resident["511725"] == raw["511725"]  # 渠县


def test_names_and_codes_follow_the_year():
    assert region_name("513402", 2019) == ("513425", "会理县")
    assert region_name("513402", 2020) == ("513425", "会理县")
    assert region_name("513402", 2021) == ("513402", "会理市")
    assert region_name("510104", 2019) == ("510104", "锦江区")


def test_deep_poverty_factors_are_end_of_year_poor_and_illness_falling_as_the_seed_reports(figures):
    f19, f20 = figures[2019], figures[2020]
    assert f19["poverty_remaining"].sum() == ANCHORS["poverty_remaining_2018"].value
    assert f20["poverty_remaining"].sum() == ANCHORS["poverty_remaining_2019"].value == 203_000
    assert (f19["poverty_remaining"] <= f19["poverty_population"]).all()
    fall = 1 - f20["illness_poverty"].sum() / f19["illness_poverty"].sum()
    assert fall == pytest.approx(0.5532, abs=0.0005)
    deep_pool = next(p for p in load_policy("sichuan-2019").pools if p.id == "deep_poverty")
    assert {c.column for f in deep_pool.factors for c in f.components} == {"poverty_remaining", "illness_poverty"}


def test_group_rates_are_near_their_anchors(figures):
    f = figures[2019]
    tekun = f["tekun"].sum() / (f["dibao_urban"].sum() + f["dibao_rural"].sum() + f["tekun"].sum())
    assert tekun == pytest.approx(0.05, abs=0.002)
    urban = f["dibao_urban"].sum() / (f["dibao_urban"].sum() + f["dibao_rural"].sum())
    assert 0.10 < urban < 0.16


def test_more_per_head_where_need_and_hardship_are_greater(figures, results):
    for year in (2019, 2020):
        deep = figures[year].loc[figures[year]["deep_poverty_county"] == 1, "code"]
        core = group_aid_per_need(results[year], figures[year], CHENGDU_CENTRAL)
        assert group_aid_per_need(results[year], figures[year], deep) > 1.1 * core
        assert need_rate_correlation(results[year], figures[year]) > 0.5


def test_effort_is_intensity_and_few_hardship_coefficients_sit_on_a_bound(figures, results):
    table = {f.name: f.value for f in realism_table(results[2019], figures[2019])}
    assert table["锦江区资金中来自努力程度项的比例"] < 0.35
    assert table["财政困难程度系数位于上下限的地区数"] <= 18  # at most 10 % of 183
    coef = results[2019].trace["coef_hardship"]
    assert np.unique(np.round(coef, 3)).size > 150  # a continuous spread, not a few clipped values


def test_a_table_of_a_year_shows_the_names_of_that_year(results):
    result = results[2019]
    codes, names = names_in_year(result.codes, result.names, result.policy.year)
    row = list(result.codes).index("513402")
    assert (codes[row], names[row]) == ("513425", "会理县")
    changed = {o: (c, n) for c, n, o in zip(codes, names, result.codes) if c != o}
    assert changed == {"513402": ("513425", "会理县"), "510118": ("510132", "新津县")}  # changed in 2021, 2020
    codes_2020, names_2020 = names_in_year(results[2020].codes, results[2020].names, 2020)
    assert sum(c != o for c, o in zip(codes_2020, results[2020].codes)) == 1  # only 会理 changed after 2020
    assert names_in_year(["513402"], ["会理市"], 2021) == (["513402"], ["会理市"])
    assert names_in_year(["510117"], ["郫都区"], 2015) == (["510124"], ["郫县"])
