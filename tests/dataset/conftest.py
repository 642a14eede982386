"""Synthetic figures for the 183 Sichuan counties, as a planner would type them into a template.

The numbers are simple arithmetic on the row position (not the embedded demo figures), so these tests
depend only on the region list and the crosswalk.
"""
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from allocator.columns import FIGURES
from allocator.dataset.reference import load_crosswalk, load_regions
from allocator.dataset.template import pool_base_column, template_columns

# Pool-like objects (.id, .label[, .base_column]) as a loaded policy's pools are.
POOLS = (
    SimpleNamespace(id="central", label="中央财政补助", base_column="base_central"),
    SimpleNamespace(id="provincial", label="省级财政补助"),  # no base_column: its column is base_provincial
)
FIGURE_IDS = [c.id for c in FIGURES]


@pytest.fixture(scope="session")
def regions():
    return load_regions("county")


@pytest.fixture(scope="session")
def crosswalk():
    return load_crosswalk()


@pytest.fixture(scope="session")
def pools():
    return POOLS


def synthetic_figures(regions: pd.DataFrame, pools=POOLS) -> pd.DataFrame:
    """One row per region with column ids; every value a simple function of the row position i."""
    i = np.arange(len(regions))
    # lists, not .to_numpy(): a frame built on the arrays would write through into `regions`
    frame = pd.DataFrame({"code": regions["code"].astype(str).tolist(), "name": regions["name"].astype(str).tolist()})
    figures = {
        "hukou_population": 200_000 + 1_000 * i,
        "resident_population": 190_000 + 1_000 * i,
        "dibao_urban": 1_000 + i,
        "dibao_rural": 2_000 + 2 * i,
        "tekun": 300 + i,
        "poverty_population": 500 + 3 * i,
        "poverty_remaining": 60 + i,
        "monitored": 50 + i,
        "illness_poverty": 100 + i,
        "local_input": 100 + 0.25 * i,
        "revenue": 50_000 + 100.5 * i,
        "expenditure": 150_000 + 200 * i,
        "performance_score": 80 + (i % 20) * 0.5,
        "management_score": 75 + (i % 10) * 0.5,
        "balance_ratio": 10 + (i % 30) * 0.5,
        "hardship_coef": 1 + (i % 5) * 0.1,
    }
    for col in FIGURE_IDS:
        frame[col] = np.asarray(figures[col], dtype=float)
    for k, pool in enumerate(pools):
        frame[pool_base_column(pool)] = 1_000 + 10 * i + k + 0.5
    return frame


def with_headers(frame: pd.DataFrame, pools=POOLS) -> pd.DataFrame:
    """The same table under the template's Chinese headers (地区代码, 户籍人口(人), 上年分配·…(万元))."""
    headers = template_columns([c for c in frame.columns if not c.startswith("base_")], pools)
    return frame.rename(columns=headers)


def file_grid(frame: pd.DataFrame, titles=("2021年医疗救助资金分配因素数据",), total=True) -> pd.DataFrame:
    """The cells of a file: title rows, the header, the rows, and a 合计 row; integer column labels."""
    width = len(frame.columns)
    rows = [[t] + [None] * (width - 1) for t in titles]
    rows.append(list(frame.columns))
    rows += frame.astype(object).to_numpy().tolist()
    if total:
        sums = frame.iloc[:, 2:].apply(lambda col: pd.to_numeric(col, errors="coerce").sum())
        rows.append(["合计", None, *sums.tolist()])
    return pd.DataFrame(rows, dtype=object)


@pytest.fixture
def figures(regions):
    """Synthetic figures with column ids (a fresh copy for each test)."""
    return synthetic_figures(regions)


@pytest.fixture
def filled(figures):
    """The synthetic figures under Chinese template headers: what a filled template holds."""
    return with_headers(figures)


@pytest.fixture(scope="session")
def grid():
    """Turns a table into a file's grid (title row above the header, 合计 row below)."""
    return file_grid


@pytest.fixture(scope="session")
def make_figures():
    """synthetic_figures(regions, pools): figures with base columns for other pools (e.g. a policy's)."""
    return synthetic_figures


@pytest.fixture(scope="session")
def to_headers():
    """with_headers(frame, pools): column ids → the template's Chinese headers."""
    return with_headers
