"""The embedded Sichuan reference data under data/sichuan/: regions, flags, crosswalk, census, figures.

Everything is read from the project's own `data/` folder (never from outside the project). County
figures are 示例数据 made by `allocator.dataset.generate`; see data/sichuan/SOURCES.md.
"""
from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import pandas as pd

DATA_DIR = Path(os.environ.get("ALLOCATOR_DATA", Path(__file__).resolve().parents[2] / "data"))
SICHUAN_DIR = DATA_DIR / "sichuan"
PROVINCE_CODE = "510000"
DEMO_LABEL = "示例数据"  # shown wherever the generated figures are displayed or exported

# Flags from the public designations (sichuan_county_flags.csv), carried as 0/1 or class numbers so
# that a policy can use them as an eligibility column.
FLAG_COLUMNS = ("former_poverty_county", "deep_poverty_county", "sanzhou_county", "ethnic_autonomous_unit",
                "hardship_area_class")


@lru_cache(maxsize=1)
def _regions() -> pd.DataFrame:
    frame = pd.read_csv(SICHUAN_DIR / "regions.csv", dtype={"code": str, "parent_code": str,
                                                             "poverty_tier": str})
    for col in FLAG_COLUMNS:
        frame[col] = frame[col].fillna(0).astype(int)
    return frame


def load_regions(level: str | None = None) -> pd.DataFrame:
    """The 21 prefectures (level="prefecture") and 183 counties (level="county") with their flags.

    Columns: code, name, level, parent_code, prefecture_name, kind, longitude, latitude, the flags.
    Sorted by administrative code. A copy: callers may change it freely.
    """
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
    return pd.read_csv(SICHUAN_DIR / "code_crosswalk.csv", dtype={"old_code": str, "code": str})


def load_census() -> pd.DataFrame:
    """2020 census resident population by prefecture (code, name, resident_population_census2020)."""
    return pd.read_csv(SICHUAN_DIR / "prefecture_census2020.csv", dtype={"adcode": str}).rename(
        columns={"adcode": "code"})


def demo_note(path) -> str | None:
    """The label to print with a result when its data are the embedded demo figures, else None."""
    try:
        demo = Path(path).resolve().parent == SICHUAN_DIR.resolve() and Path(path).stem.startswith("figures_")
    except (OSError, TypeError):
        return None
    return f"注：县级因素数据为{DEMO_LABEL}（按公开数据校准生成，非官方统计）" if demo else None


def figures_path(year: int) -> Path:
    return SICHUAN_DIR / f"figures_{year}.csv"


def available_years() -> list[int]:
    return sorted(int(p.stem.split("_")[1]) for p in SICHUAN_DIR.glob("figures_*.csv"))


def load_figures(year: int, level: str = "county", flags: bool = True) -> pd.DataFrame:
    """The demo factor figures of one year, one row per county, or added up per prefecture.

    level="prefecture" aggregates the counties (counts and money add up; scores and percentages are
    averages weighted by 户籍人口; flags become 1 if any county has them). With `flags`, the region
    flags are joined as numeric columns so a policy can name them (e.g. eligible_column =
    "deep_poverty_county").
    """
    path = figures_path(year)
    if not path.exists():
        raise FileNotFoundError(f"没有 {year} 年的示例数据：{path}（可用年份：{available_years()}）")
    frame = pd.read_csv(path, dtype={"code": str})
    if flags:
        frame = frame.merge(load_regions("county")[["code", *FLAG_COLUMNS]], on="code", how="left")
    if level == "county":
        return frame
    if level != "prefecture":
        raise ValueError(f"level 应为 county 或 prefecture，而不是 {level!r}")
    from allocator.funds.tiers import aggregate  # tiers imports the engine; keep this module light

    parent_of, parent_names = parent_map()
    return aggregate(frame, parent_of, parent_names)
