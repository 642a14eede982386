"""Figures to fill templates with: the embedded 2020 demo figures, as official ones would arrive."""
import pandas as pd
import pytest

from allocator.dataset.reference import load_crosswalk, load_figures, load_regions
from allocator.dataset.template import template_columns
from allocator.policy import load_policy
from allocator.dataset.reference import DATA_DIR


@pytest.fixture(scope="session")
def regions():
    return load_regions("county")


@pytest.fixture(scope="session")
def crosswalk():
    return load_crosswalk()


@pytest.fixture(scope="session")
def policy():
    return load_policy(DATA_DIR / "policies" / "sichuan-2020.toml")


@pytest.fixture
def official(policy):
    """The 2020 figures with Chinese template headers (what a filled template holds)."""
    figures = load_figures(2020, flags=False)
    headers = template_columns([c for c in figures.columns if not c.startswith("base_")], policy.pools)
    return figures[[c for c in headers if c in figures.columns]].rename(columns=headers)


@pytest.fixture(scope="session")
def as_file_grid():
    """Turns a table into the grid of a file with a title row above the header and a 合计 row below."""
    return with_title_and_total


def with_title_and_total(frame: pd.DataFrame, title: str = "2021年医疗救助资金分配因素数据") -> pd.DataFrame:
    header = pd.DataFrame([frame.columns.tolist()], columns=frame.columns)
    title_row = pd.DataFrame([[title] + [None] * (len(frame.columns) - 1)], columns=frame.columns)
    sums = frame.iloc[:, 2:].apply(lambda col: pd.to_numeric(col, errors="coerce").sum())
    total = pd.DataFrame([["合计", ""] + sums.tolist()], columns=frame.columns)
    return pd.concat([title_row, header, frame, total], ignore_index=True)
