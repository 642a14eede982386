"""The reference data that ship inside the package (allocator/data/): Sichuan regions, flags, crosswalk,
census, boundaries, the demo figures, the toy example, and the policy presets.

Read through `importlib.resources`, so a plain (non-editable) `pip install` works from any directory.
County figures are 示例数据 made by `allocator.demo` (which runs the engine; this layer only reads them);
see allocator/data/sichuan/SOURCES.md.
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

import pandas as pd

from allocator.dataset.aggregate import aggregate
from allocator.errors import DataError, Problem

PROVINCE_CODE = "510000"
DEMO_LABEL = "示例数据"  # shown wherever the generated figures are displayed or exported
DEMO_NOTE = f"注：县级因素数据为{DEMO_LABEL}（按公开数据校准生成，非官方统计）"

# Flags from the public designations (sichuan_county_flags.csv), carried as 0/1 or class numbers so
# that a policy can use them as an eligibility column.
FLAG_COLUMNS = ("former_poverty_county", "deep_poverty_county", "sanzhou_county", "ethnic_autonomous_unit",
                "hardship_area_class")

EXAMPLE_DATASET = "example"  # a toy table of six made-up regions (codes 99xxxx), for examples and tests


def package_data() -> Traversable:
    """The folder of data shipped with the package."""
    return resources.files("allocator") / "data"


def sichuan_dir() -> Traversable:
    return package_data() / "sichuan"


def _csv(resource: Traversable, **kwargs: Any) -> pd.DataFrame:
    with resource.open("rb") as handle:
        return pd.read_csv(handle, **kwargs)


@lru_cache(maxsize=1)
def _regions() -> pd.DataFrame:
    frame = _csv(sichuan_dir() / "regions.csv", dtype={"code": str, "parent_code": str, "poverty_tier": str})
    for col in FLAG_COLUMNS:
        frame[col] = frame[col].fillna(0).astype(int)
    return frame


def load_regions(level: str | None = None) -> pd.DataFrame:
    """The 21 prefectures (level="prefecture") and 183 counties (level="county") with their flags.

    Columns: code, name, level, parent_code, prefecture_name, kind, longitude, latitude, the flags.
    Sorted by administrative code. A copy: callers may change it freely.
    """
    if level not in (None, "county", "prefecture"):
        raise DataError([Problem(f"地区层级应为 county（县）或 prefecture（市州），而不是「{level}」", key="level")])
    frame = _regions()
    if level is not None:
        frame = frame[frame["level"] == level]
    return frame.reset_index(drop=True).copy()


def parent_map() -> tuple[dict[str, str], dict[str, str]]:
    """county code → prefecture code, and prefecture code → prefecture name."""
    regions = _regions()
    counties = regions[regions["level"] == "county"]
    prefectures = regions[regions["level"] == "prefecture"]
    return dict(zip(counties["code"], counties["parent_code"])), dict(zip(prefectures["code"], prefectures["name"]))


def load_crosswalk() -> pd.DataFrame:
    """Retired codes → current codes (old_code, old_name, code, name, year, change)."""
    return _csv(sichuan_dir() / "code_crosswalk.csv", dtype={"old_code": str, "code": str})


def load_census() -> pd.DataFrame:
    """2020 census resident population by prefecture (code, name, resident_population_census2020)."""
    return _csv(sichuan_dir() / "prefecture_census2020.csv", dtype={"adcode": str}).rename(columns={"adcode": "code"})


# Census-only statistical zones (not county-level units) and the district that hosts each of them:
# their residents are added to the host district (see data/sichuan/SOURCES.md).
CENSUS_ZONE_HOSTS = {"511071": "511002",  # 内江经济开发区 → 市中区
                     "511771": "511703",  # 达州经济开发区 → 达川区
                     "511971": "511902"}  # 巴中经济开发区 → 巴州区


def load_county_census(fold_zones: bool = True) -> pd.DataFrame:
    """2020 census (七普, 常住 at 2020-11-01) per county-level unit, people (人) and shares (%).

    Columns: code, prefecture_code, prefecture, name, is_standard_unit, pop_resident_2020, pop_male_2020,
    pop_female_2020, pop_urban_2020, pop_rural_2020, family_households_2020, family_household_pop_2020,
    share_age_0_14_pct, share_age_65plus_pct, minority_share_pct. Source: NBS《中国人口普查分县资料-2020》
    (see SOURCES.md). With `fold_zones`, the three census-only zones' counts are added to their host
    districts (shares re-weighted by population) and the 183 units remain; codes are 2020 codes.
    """
    frame = _csv(sichuan_dir() / "county_census2020.csv",
                 dtype={"code": str, "prefecture_code": str}).drop(columns=["source", "crosscheck_tudigong_POPU"])
    if not fold_zones:
        return frame
    counts = [c for c in frame.columns if c.startswith(("pop_", "family_"))]
    shares = [c for c in frame.columns if c.endswith("_pct")]
    frame = frame.copy()
    frame[shares] = frame[shares].mul(frame["pop_resident_2020"], axis=0)
    for zone, host in CENSUS_ZONE_HOSTS.items():
        zone_row = frame.index[frame["code"] == zone][0]
        host_row = frame.index[frame["code"] == host][0]
        frame.loc[host_row, counts + shares] += frame.loc[zone_row, counts + shares]
    frame = frame[~frame["code"].isin(CENSUS_ZONE_HOSTS)].reset_index(drop=True)
    frame[shares] = frame[shares].div(frame["pop_resident_2020"], axis=0).round(2)
    return to_current_codes(frame)


def to_current_codes(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows keyed by an older code (e.g. 会理县 513425 in the 2020 census) take the current code and
    name (会理市 513402) through the crosswalk; other rows are unchanged."""
    cross = load_crosswalk().set_index("old_code")
    out = frame.copy()
    old = out["code"].isin(cross.index)
    out.loc[old, "name"] = out.loc[old, "code"].map(cross["name"])
    out.loc[old, "code"] = out.loc[old, "code"].map(cross["code"])
    return out


def region_name(code: str, year: int) -> tuple[str, str]:
    """The (code, name) a table of `year` shows for a current county code: a unit renamed or recoded
    after `year` (e.g. 会理市 513402, 会理县 513425 until 2020) takes its old code and name."""
    codes, names = names_in_year([code], [_regions().set_index("code").loc[code, "name"]], year)
    return codes[0], names[0]


def names_in_year(codes, names, year: int) -> tuple[list[str], list[str]]:
    """Codes and names as a table of `year` shows them, from current codes and names: a unit changed
    after `year` (crosswalk year > `year`) takes the code and name it had before its first later
    change; every other row passes through unchanged."""
    cross = load_crosswalk().sort_values("year")
    later = cross[cross["year"] > year].drop_duplicates("code")
    old = dict(zip(later["code"], zip(later["old_code"].astype(str), later["old_name"].astype(str))))
    pairs = [old.get(str(c), (str(c), str(n))) for c, n in zip(codes, names)]
    return [p[0] for p in pairs], [p[1] for p in pairs]


@lru_cache(maxsize=1)
def load_topology() -> dict[str, Any]:
    """County boundaries as TopoJSON (object `data`; properties adcode, name, prefecture_adcode …)."""
    return json.loads((sichuan_dir() / "counties.topo.json").read_text(encoding="utf-8"))


def available_years() -> list[int]:
    return sorted(int(p.name[len("figures_"):-len(".csv")]) for p in sichuan_dir().iterdir()
                  if p.name.startswith("figures_") and p.name.endswith(".csv"))


def packaged_datasets() -> dict[str, str]:
    """Names of the datasets that ship with the package → a short Chinese description."""
    names = {f"sichuan-{year}": f"四川 {year} 年县级因素数据（{DEMO_LABEL}）" for year in available_years()}
    names[EXAMPLE_DATASET] = "六个虚构地区的小例子（代码 99xxxx）"
    return names | {name: label for name, (_, label) in EXTRA_DATASETS.items()}


def is_packaged(name: str) -> bool:
    return name in packaged_datasets()


def load_packaged(name: str) -> pd.DataFrame:
    """A dataset that ships with the package, by name (`sichuan-2020`, `example`)."""
    if name == EXAMPLE_DATASET:
        return _csv(package_data() / "examples" / "regions.csv", dtype={"code": str})
    if name in EXTRA_DATASETS:
        return _csv(package_data().joinpath(*extra_dataset_path(name).split("/")), dtype={"code": str})
    if not is_packaged(name):
        known = "、".join(packaged_datasets())
        raise DataError([Problem(f"没有名为「{name}」的内置数据集（可用：{known}）", key="dataset", value=name)])
    return load_figures(int(name.rsplit("-", 1)[1]))


def demo_note(name: str | None) -> str | None:
    """The label to print with a result when its data are the embedded demo figures, else None."""
    if name in EXTRA_DATASETS and name != LOOP_DATASET and not name.startswith("sichuan-"):
        return f"注：{EXTRA_DATASETS[name][1]}"
    return DEMO_NOTE if name and name.startswith("sichuan-") and is_packaged(name) else None


def load_figures(year: int, level: str = "county", flags: bool = True) -> pd.DataFrame:
    """The demo factor figures of one year, one row per county, or added up per prefecture.

    level="prefecture" aggregates the counties (counts and money add up; scores and percentages are
    averages weighted by 户籍人口; flags become 1 if any county has them). With `flags`, the region
    flags are joined as numeric columns so a policy can name them (e.g. eligible_column =
    "deep_poverty_county").
    """
    if year not in available_years():
        raise DataError([Problem(f"没有 {year} 年的示例数据（可用年份：{available_years()}）", key="year", value=year)])
    frame = _csv(sichuan_dir() / f"figures_{year}.csv", dtype={"code": str})
    if flags:
        frame = frame.merge(load_regions("county")[["code", *FLAG_COLUMNS]], on="code", how="left")
    if level == "county":
        return frame
    if level != "prefecture":
        raise DataError([Problem(f"地区层级应为 county 或 prefecture，而不是「{level}」", key="level")])
    parent_of, parent_names = parent_map()
    return aggregate(frame, parent_of, parent_names)


# Datasets of the performance loop and of other programs (files under allocator/data/), all 示例数据.
LOOP_DATASET = "sichuan-2020-loop"
SELFEVAL_DATASET = "sichuan-selfeval-2019"
EXTRA_DATASETS = {
    SELFEVAL_DATASET: ("sichuan/selfeval_2019.csv", f"四川 2019 年县级医疗救助绩效自评填报数据（{DEMO_LABEL}）"),
    LOOP_DATASET: ("sichuan/loop_2020.csv", f"四川 2020 年县级因素数据并入 2019 年绩效自评得分（{DEMO_LABEL}）"),
    "guangyuan-2023": ("guangyuan/figures_2023.csv",
                       f"广元市 7 个县区与市本级 2023 年因素数据（{DEMO_LABEL}，按广元市2023年度转移支付区域绩效目标自评表的全市合计校准）"),
}


def extra_dataset_path(name: str) -> str:
    """Where a dataset of `EXTRA_DATASETS` lives under allocator/data/ (folders separated by "/")."""
    return EXTRA_DATASETS[name][0]
