"""A seeded generator of demo county figures (示例数据) for Sichuan, calibrated to public anchors.

County head-counts, finances, scores and past allocations are not public, so the demo dataset is
generated — reproducibly (one seed) and calibrated so that a Sichuan official finds it plausible:

- 常住人口 is the real 2020 census figure of every county (data/sichuan/county_census2020.csv, NBS
  《中国人口普查分县资料-2020》; the three census-only development zones folded into their host districts);
- 户籍人口 is an estimate: 常住 × the prefecture's 户籍/常住 ratio, scaled so the province adds up exactly
  to 9,081.59 万 (end 2020);
- 低保, 特困 and poverty follow real structure rather than noise: rural 低保 and 特困 scale with the rural
  population (特困 also with the share aged 65+), urban 低保 with the urban population, and rates rise
  from 成都's core districts to former poverty and deep-poverty counties; 低保 + 特困 add up to the 402 万
  people whose premiums were paid in 2019, 特困 about 5 % of them (public anchor about 4 %);
- poverty: 建档立卡 (cumulative, 625 万) and the people still poor at year end (end 2018 about 72 万, 假设;
  end 2019 20.3 万), more of them where the county left poverty late; 因病致贫 falls 55.32 % in 2019 (seed);
- finances: self-sufficiency rises with the urban share and is lowest in deep-poverty counties;
  effort (local input per 困难群众), performance and management scores vary around the province's
  mean, independent of wealth;
- last year's allocation per pool comes from running the allocation rule itself (see `write_dataset`).

Every anchor is listed in `ANCHORS` and in data/sichuan/SOURCES.md with its source or "假设".
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from allocator.dataset.reference import load_county_census, load_regions
from allocator.engine import allocate
from allocator.funds.tiers import with_pool_totals
from allocator.policy import load_policy
from allocator.rounding import largest_remainder

SEED = 20191231
SOURCE_DIR = Path(__file__).resolve().parents[1] / "data" / "sichuan"  # where the demo files are written


@dataclass(frozen=True)
class Anchor:
    value: float
    unit: str
    source: str


ANCHORS = {
    "hukou_population_2020": Anchor(90_815_900, "人", "四川省2020年末户籍人口9,081.59万人（公开统计数）"),
    "assisted_2019": Anchor(4_020_000, "人", "四川省医疗保障局2019年度部门决算附件2：全年共资助402万人参保"),
    "dibao_spending_urban": Anchor(155_811.8, "万元", "四川省最低生活保障支出（城市）155,811.8万元"),
    "dibao_spending_rural": Anchor(663_088.8, "万元", "四川省最低生活保障支出（农村）663,088.8万元"),
    "expenditure_2020": Anchor(112_007_000, "万元", "四川省2020年一般公共预算支出11,200.7亿元"),
    "funds_raised_2019": Anchor(383_770, "万元", "2019年全省筹集城乡医疗救助资金383,770万元（自评报告）"),
    "local_share_2019": Anchor(0.2591, "share", "其中地方资金占25.91%（自评报告）"),
    "balance_2019": Anchor(105_543, "万元", "2019年末结余105,543万元（自评报告）"),
    "poverty_registered": Anchor(6_250_000, "人", "四川省2020年政府工作报告：贫困人口由2013年底的625万人减少到2019年底的20.3万人"),
    "poverty_remaining_2019": Anchor(203_000, "人", "四川省2020年政府工作报告：2019年底剩余贫困人口20.3万人"),
    "illness_fall_2019": Anchor(0.5532, "share", "四川省医疗保障局2019年度部门决算附件2：2019年农村因病致贫人数较上年减少55.32%"),
    # Assumptions (假设), documented as such:
    "tekun_share_of_assisted": Anchor(0.05, "share", "假设：特困人员约占低保与特困之和的5%（对照：民政事业统计月报表2020年1月，"
                                      "城市特困9,358人、农村特困113,575人、低保2,909,554人，约4.1%）"),
    "county_share_of_expenditure": Anchor(0.78, "share", "假设：县级支出约占全省一般公共预算支出的78%"),
    "poverty_remaining_2018": Anchor(720_000, "人", "假设：2018年底未脱贫贫困人口约72万人（介于625万与2019年底20.3万之间）"),
    "illness_share_of_remaining": Anchor(0.35, "share", "假设：2018年底因病致贫人口约为当年未脱贫贫困人口的35%"),
    "monitored_2020": Anchor(150_000, "人", "假设：2020年新建防止返贫监测对象约15万人；2019年尚无此机制，记为0"),
}

# 户籍人口 / 常住人口 by prefecture (2020, approximate public yearbook ratios; an estimate, scaled to the anchor).
HUKOU_RATIO = {
    "510100": 0.72, "510300": 1.18, "510400": 0.93, "510500": 1.20, "510600": 1.12, "510700": 1.11,
    "510800": 1.31, "510900": 1.17, "511000": 1.18, "511100": 1.09, "511300": 1.28, "511400": 1.13,
    "511500": 1.19, "511600": 1.39, "511700": 1.22, "511800": 1.06, "511900": 1.34, "512000": 1.19,
    "513200": 1.10, "513300": 1.02, "513400": 1.10,
}
CHENGDU = "510100"
CHENGDU_CORE = ("510104", "510105", "510106", "510107", "510108")  # 锦江 青羊 金牛 武侯 成华


def county_groups(regions: pd.DataFrame) -> pd.Series:
    """A class per county that drives rates and finances: deep (深度贫困县), poor (other former poverty
    county), core (成都 central districts), chengdu (other 成都 units), urban (other districts), rural."""
    group = np.where(regions["deep_poverty_county"] == 1, "deep",
                     np.where(regions["former_poverty_county"] == 1, "poor",
                              np.where(regions["code"].isin(CHENGDU_CORE), "core",
                                       np.where(regions["parent_code"] == CHENGDU, "chengdu",
                                                np.where(regions["kind"] == "district", "urban", "rural")))))
    return pd.Series(group, index=regions.index)


# Per group: rate multipliers of rural 低保 (per rural resident), urban 低保 (per urban resident),
# 特困 (per rural resident aged 65+), 建档立卡 poverty (per rural resident); fiscal self-sufficiency
# (revenue / expenditure) at the province's mean urban share; expenditure per resident multiplier.
GROUP_PROFILE = pd.DataFrame.from_dict({
    #          rural urban tekun poor  self  spend
    "core":    (0.30, 0.45, 0.40, 0.02, 0.75, 0.80),
    "chengdu": (0.40, 0.60, 0.55, 0.10, 0.50, 0.85),
    "urban":   (0.70, 1.15, 0.85, 0.50, 0.30, 0.90),
    "rural":   (0.90, 1.00, 1.00, 0.70, 0.22, 1.00),
    "poor":    (1.35, 1.05, 1.15, 1.60, 0.14, 1.20),
    "deep":    (2.10, 1.15, 1.40, 2.80, 0.08, 2.40),
}, orient="index", columns=["rural", "urban", "tekun", "poverty", "self_sufficiency", "spend"])

# Share of the cumulative 建档立卡 still poor at the end of 2018 / 2019, by the county's exit year
# (假设: counties that left poverty late kept more poor people; 0 = never a poverty county).
REMAINING_BY_EXIT = {2018: {0: 0.08, 2016: 0.04, 2017: 0.05, 2018: 0.07, 2019: 0.16, 2020: 0.32},
                     2019: {0: 0.02, 2016: 0.01, 2017: 0.01, 2018: 0.015, 2019: 0.03, 2020: 0.20}}


def integer_split(total: int, weights: np.ndarray, codes) -> np.ndarray:
    """Split a whole number in proportion to weights, exactly (largest remainder, ties by code)."""
    quota = total * weights / weights.sum()
    return largest_remainder(quota, int(total), tie_keys=np.asarray(codes))


def census_frame(regions: pd.DataFrame) -> pd.DataFrame:
    """The 2020 census row of every county, in the order of `regions` (current codes, zones folded)."""
    return load_county_census().set_index("code").loc[regions["code"]].reset_index()


def hukou_population(regions: pd.DataFrame, resident: np.ndarray) -> np.ndarray:
    """户籍人口 2020 (人), an estimate: resident × the prefecture's 户籍/常住 ratio, scaled so the
    province adds up exactly to 9,081.59 万 (2020 statistical communiqué). No county-level 户籍 table
    was found in a usable form, so the county split inside a prefecture follows the census."""
    ratio = regions["parent_code"].map(HUKOU_RATIO).to_numpy()
    return integer_split(int(ANCHORS["hukou_population_2020"].value), resident * ratio, regions["code"])


def assistance_counts(regions: pd.DataFrame, census: pd.DataFrame, hukou: np.ndarray, rng) -> dict[str, np.ndarray]:
    """低保 (城市/农村), 特困, 建档立卡 (cumulative), end-2018 poor and 因病致贫 head-counts for 2019 (人).

    Weights follow the census structure (rural and urban residents, share aged 65+) times group rates,
    scaled by the registered/resident ratio; totals: 低保 + 特困 = 402 万 (people assisted with premiums
    in 2019), 特困 5 % of them; urban:rural 低保 in the proportion of 低保 spending with urban benefits per
    head assumed 1.6× rural.
    """
    profile = GROUP_PROFILE.loc[county_groups(regions)]
    n = len(regions)
    registered = hukou / census["pop_resident_2020"].to_numpy()
    rural = census["pop_rural_2020"].to_numpy() * registered
    urban = census["pop_urban_2020"].to_numpy() * registered
    elderly = census["share_age_65plus_pct"].to_numpy() / 100
    assisted = ANCHORS["assisted_2019"].value
    tekun_total = assisted * ANCHORS["tekun_share_of_assisted"].value
    urban_spend, rural_spend = ANCHORS["dibao_spending_urban"].value, ANCHORS["dibao_spending_rural"].value
    urban_share = (urban_spend / 1.6) / (urban_spend / 1.6 + rural_spend)
    weights = {
        "dibao_urban": urban * profile["urban"].to_numpy() * rng.lognormal(0, 0.15, n),
        "dibao_rural": rural * profile["rural"].to_numpy() * rng.lognormal(0, 0.15, n),
        "tekun": (rural + 0.15 * urban) * elderly * profile["tekun"].to_numpy() * rng.lognormal(0, 0.12, n),
        "poverty_population": rural * profile["poverty"].to_numpy() * rng.lognormal(0, 0.15, n),
    }
    totals = {"dibao_urban": (assisted - tekun_total) * urban_share,
              "dibao_rural": (assisted - tekun_total) * (1 - urban_share),
              "tekun": tekun_total, "poverty_population": ANCHORS["poverty_registered"].value}
    counts = {col: integer_split(int(round(totals[col])), w, regions["code"]) for col, w in weights.items()}
    counts["poverty_remaining"] = remaining_poor(regions, counts["poverty_population"], 2018, rng)
    illness = counts["poverty_remaining"] * rng.lognormal(0, 0.15, n)
    counts["illness_poverty"] = np.minimum(integer_split(
        int(ANCHORS["poverty_remaining_2018"].value * ANCHORS["illness_share_of_remaining"].value), illness,
        regions["code"]), counts["poverty_population"])
    return counts


def remaining_poor(regions: pd.DataFrame, registered: np.ndarray, year_end: int, rng) -> np.ndarray:
    """People still poor at the end of `year_end` (人): the cumulative 建档立卡 × a share by the county's
    poverty-exit year (REMAINING_BY_EXIT), adding up to the year's anchor (end 2018 72 万 假设, end 2019
    20.3 万), never above the cumulative count."""
    exit_year = regions["poverty_exit_year"].fillna(0).astype(int).to_numpy()
    share = np.array([REMAINING_BY_EXIT[year_end][int(y)] for y in exit_year])
    total = ANCHORS[f"poverty_remaining_{year_end}"].value
    out = integer_split(int(total), registered * share * rng.lognormal(0, 0.15, len(regions)), regions["code"])
    return np.minimum(out, registered)


def finances(regions: pd.DataFrame, census: pd.DataFrame, rng) -> dict[str, np.ndarray]:
    """一般公共预算支出 and 收入 (万元, 2020): expenditure per resident rises with remoteness
    (艰苦边远地区类别) and poverty; self-sufficiency (收入/支出) rises with the urban share, highest in 成都's
    core districts and lowest in deep-poverty counties. County expenditure adds up to 78 % (假设) of the
    province's 11,200.7 亿元."""
    profile = GROUP_PROFILE.loc[county_groups(regions)]
    n = len(regions)
    resident = census["pop_resident_2020"].to_numpy(dtype=float)
    remote = regions["hardship_area_class"].to_numpy(dtype=float)
    per_head = profile["spend"].to_numpy() * (1 + 0.35 * remote) * rng.lognormal(0, 0.12, n)
    spend_total = ANCHORS["expenditure_2020"].value * ANCHORS["county_share_of_expenditure"].value
    expenditure = spend_total * resident * per_head / (resident * per_head).sum()
    urban_share = census["pop_urban_2020"].to_numpy() / resident
    self_sufficiency = np.clip(profile["self_sufficiency"].to_numpy() * (0.6 + 0.8 * urban_share)
                               * rng.lognormal(0, 0.15, n), 0.03, 0.95)
    return {"expenditure": np.round(expenditure).astype(np.int64),
            "revenue": np.round(expenditure * self_sufficiency).astype(np.int64)}


def effort_and_management(regions: pd.DataFrame, need: np.ndarray, revenue: np.ndarray,
                          expenditure: np.ndarray, rng) -> dict[str, np.ndarray]:
    """本级财政医疗救助投入 (万元), 绩效评价得分 and 管理工作水平得分 (分), 基金结余率 (%), 2019.

    Local input grows with need and a little with fiscal capacity and adds up to the local share of
    2019 funds raised (25.91 % × 383,770 万元); its intensity (input per 困难群众) varies by about
    ±25 %, independent of fiscal capacity (effort is what a region chooses). The balance ratio's need-weighted mean is the province's 2019 balance
    (105,543 / 383,770 ≈ 27.5 %); performance scores centre on 85 within 60–99; management scores fall
    with the balance ratio (large balances are the known management problem).
    """
    n = len(regions)
    capacity = revenue / expenditure
    weight = need * rng.lognormal(0, 0.25, n)
    local_total = ANCHORS["funds_raised_2019"].value * ANCHORS["local_share_2019"].value
    local_input = np.round(local_total * weight / weight.sum(), 2)
    score = np.round(np.clip(rng.normal(85, 5.5, n) + 3 * (capacity - capacity.mean()), 60, 99), 1)
    target = ANCHORS["balance_2019"].value / ANCHORS["funds_raised_2019"].value * 100
    raw = rng.lognormal(0, 0.55, n)
    balance = np.clip(raw * target / np.average(raw, weights=need), 1.0, 85.0)
    management = np.round(np.clip(96 - 0.35 * balance + rng.normal(0, 4.0, n), 60, 99), 1)
    return {"local_input": local_input, "performance_score": score, "management_score": management,
            "balance_ratio": np.round(balance, 2)}


def next_year(figures: pd.DataFrame, regions: pd.DataFrame, rng) -> pd.DataFrame:
    """The following year's figures: small population drift, 低保 widened by about 3 % (2020 epidemic
    relief), the poor left at the end of 2019 (20.3 万), 因病致贫 down 55.32 % (seed), the first
    防止返贫监测对象 (a mechanism set up in 2020), inputs, scores and balances moved."""
    out = figures.copy()
    n = len(out)
    group = county_groups(regions)
    drift = np.where(group.isin(["core", "chengdu"]), 0.012, -0.002) + rng.normal(0, 0.003, n)
    out["resident_population"] = np.round(out["resident_population"] * (1 + drift)).astype(np.int64)
    out["hukou_population"] = np.round(out["hukou_population"] * (1 + rng.normal(0.001, 0.002, n))).astype(np.int64)
    for col in ("dibao_urban", "dibao_rural", "tekun"):
        out[col] = np.round(out[col] * (1 + rng.normal(0.03, 0.05, n))).astype(np.int64)
    out["poverty_remaining"] = remaining_poor(regions, out["poverty_population"].to_numpy(), 2019, rng)
    poverty_weight = GROUP_PROFILE.loc[group, "poverty"].to_numpy() + 0.1
    out["monitored"] = integer_split(int(ANCHORS["monitored_2020"].value),
                                     out["poverty_population"] * poverty_weight * rng.lognormal(0, 0.3, n),
                                     out["code"])
    fallen = int(round(figures["illness_poverty"].sum() * (1 - ANCHORS["illness_fall_2019"].value)))
    out["illness_poverty"] = np.minimum(integer_split(fallen, out["illness_poverty"] * rng.lognormal(0, 0.1, n),
                                                      out["code"]), out["poverty_population"])
    out["local_input"] = np.round(out["local_input"] * rng.lognormal(0.05, 0.2, n), 2)
    out["revenue"] = np.round(out["revenue"] * rng.lognormal(0.03, 0.06, n)).astype(np.int64)
    out["expenditure"] = np.round(out["expenditure"] * rng.lognormal(0.05, 0.04, n)).astype(np.int64)
    out["performance_score"] = np.round(np.clip(out["performance_score"] + rng.normal(0.5, 4.0, n), 60, 99), 1)
    out["balance_ratio"] = np.round(np.clip(out["balance_ratio"] * rng.lognormal(-0.1, 0.2, n), 1, 85), 2)
    out["management_score"] = np.round(np.clip(out["management_score"] + rng.normal(0.5, 3.0, n), 60, 99), 1)
    return out


def county_figures(regions: pd.DataFrame, seed: int = SEED) -> dict[int, pd.DataFrame]:
    """Demo figures for 2019 and 2020, one row per county (no allocation columns yet).

    Population and finances are 2020 figures (the census and the 2020 anchors) and carried back one
    year with the opposite drift; head-counts, inputs, scores and balances are 2019 figures (where
    those anchors are) and moved forward by `next_year`.
    """
    rng = np.random.default_rng(seed)
    counties = regions[regions["level"] == "county"].sort_values("code").reset_index(drop=True)
    census = census_frame(counties)
    resident = census["pop_resident_2020"].to_numpy(dtype=np.int64)
    hukou = hukou_population(counties, resident)
    money = finances(counties, census, rng)
    counts = assistance_counts(counties, census, hukou, rng)
    need = counts["dibao_urban"] + counts["dibao_rural"] + counts["tekun"] + counts["poverty_population"]
    effort = effort_and_management(counties, need.astype(float), money["revenue"], money["expenditure"], rng)
    y2019 = pd.DataFrame({
        "code": counties["code"], "name": counties["name"],
        "hukou_population": hukou, "resident_population": resident,
        "dibao_urban": counts["dibao_urban"], "dibao_rural": counts["dibao_rural"], "tekun": counts["tekun"],
        "poverty_population": counts["poverty_population"], "poverty_remaining": counts["poverty_remaining"],
        "monitored": np.zeros(len(counties), dtype=np.int64), "illness_poverty": counts["illness_poverty"],
        **effort,
        "revenue": money["revenue"], "expenditure": money["expenditure"],
    })
    y2020 = next_year(y2019, counties, rng)
    # population and finances were drawn at their 2020 anchors: swap them so 2020 holds the anchored values
    for col in ("hukou_population", "resident_population", "revenue", "expenditure"):
        y2019[col], y2020[col] = _back_cast(y2020[col], y2019[col]), y2019[col]
    return {2019: y2019, 2020: y2020}


def _back_cast(moved: pd.Series, anchored: pd.Series) -> pd.Series:
    """The earlier year's value: the anchored value moved by the inverse of the drawn drift."""
    return (anchored * anchored / moved).round().astype(np.int64)


# 2018 pool totals are not in the source documents: assumed at 94 % of 2019 (假设), whole 万元.
SHARE_OF_2019_IN_2018 = 0.94
POOL_BASES = ("base_central_general", "base_central_lottery", "base_provincial_general",
              "base_provincial_lottery", "base_deep_poverty")


def past_allocations(policy, figures: pd.DataFrame, totals: dict[str, float], rng=None) -> pd.DataFrame:
    """Last year's amount per county and pool (万元): the policy's own rule run with `totals`, on
    figures perturbed by a few per cent when `rng` is given (last year's figures were not this year's).

    Returns code + one base column per pool, integers of 万元 adding up exactly to each total.
    """
    frame = figures.copy()
    if rng is not None:
        for col in ("dibao_urban", "dibao_rural", "tekun", "poverty_population", "poverty_remaining",
                    "illness_poverty", "local_input"):
            frame[col] = frame[col] * rng.lognormal(0, 0.06, len(frame))
    for pool in policy.pools:
        frame[pool.base_column] = frame.get(pool.base_column, 0.0)
    result = allocate(with_pool_totals(policy, totals), frame)
    table = result.table()
    return pd.DataFrame({"code": table["code"],
                         **{p.base_column: table[p.id].astype(np.int64) for p in policy.pools}})


def build_dataset(seed: int = SEED) -> dict[int, pd.DataFrame]:
    """The demo figures of 2019 and 2020 with last year's allocation per pool.

    2019's base columns are the 2018 allocation (the 2019 rule on slightly different figures, with
    2018 totals assumed at 94 % of 2019); 2020's base columns are exactly the sichuan-2019 preset's
    result on the 2019 figures, so the 2020 floors and caps and the 2020 advance rest on it.
    """
    figures = county_figures(load_regions(), seed)
    policy_2019 = load_policy("sichuan-2019")
    rng = np.random.default_rng(seed + 2018)
    totals_2018 = {p.id: float(round(p.total * SHARE_OF_2019_IN_2018)) for p in policy_2019.pools}
    bases_2019 = past_allocations(policy_2019, figures[2019], totals_2018, rng)
    figures[2019] = figures[2019].merge(bases_2019, on="code")
    bases_2020 = past_allocations(policy_2019, figures[2019], {p.id: p.total for p in policy_2019.pools})
    figures[2020] = figures[2020].merge(bases_2020, on="code")
    return figures


def write_dataset(seed: int = SEED) -> list[str]:
    """Write allocator/data/sichuan/figures_<year>.csv (UTF-8) in the source checkout; return the paths."""
    written = []
    for year, frame in build_dataset(seed).items():
        path = SOURCE_DIR / f"figures_{year}.csv"
        frame.to_csv(path, index=False, encoding="utf-8")
        written.append(str(path))
    return written


if __name__ == "__main__":
    for written_path in write_dataset():
        print(f"已写出 {written_path}")
