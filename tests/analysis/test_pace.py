"""Pace of change: each year moves from the last year's amounts within the floor and cap shares."""
import numpy as np
import pytest

from allocator.analysis.pace import pace
from allocator.policy import apply_overrides
from allocator.usecases import load_inputs


@pytest.fixture(scope="module")
def tight():
    """The example with a narrow band (−2 % … +21 %): eight years to reach the formula target."""
    inputs = load_inputs("example")
    policy = apply_overrides(inputs.policy, {"constraints.floor_share_of_base": 98,
                                             "constraints.cap_share_of_base": 121})
    return policy, inputs.data


def test_every_year_stays_within_the_band_of_the_year_before(tight):
    policy, data = tight
    result = pace(policy, data, years=5)
    table = result.years.pivot(index="地区代码", columns="年度", values="分配额(万元)")
    for year in range(2, 6):
        ratio = table[year] / table[year - 1]
        assert (ratio >= 0.98 - 1e-9).all() and (ratio <= 1.21 + 1e-9).all()
    assert np.allclose(table.sum(), 1200)


def test_distance_from_target_shrinks_until_nothing_is_held(tight):
    policy, data = tight
    result = pace(policy, data, years=8)
    gaps = result.summary["距目标合计(万元)"].to_numpy()
    assert (np.diff(gaps) <= 1e-9).all()
    assert result.converged_year == 8  # one region's floor lets it down by 2 % a year
    year = result.converged_year
    assert result.summary.loc[year - 1, ["保底地区数", "封顶地区数"]].sum() == 0
    assert not result.held_back(year - 1).empty  # the year before, someone was still held back


def test_a_region_held_back_sits_on_its_bound_and_reports_its_distance(tight):
    policy, data = tight
    result = pace(policy, data, years=2)
    table = result.years.pivot(index="地区代码", columns="年度", values="分配额(万元)")
    last_year = data.columns["base_central"] + data.columns["base_provincial"]
    capped = result.held_back(1)
    assert not capped.empty and (capped["约束"] == "封顶").all()
    codes = list(data.codes)
    for _, row in capped.iterrows():
        assert row["分配额(万元)"] == np.floor(1.21 * last_year[codes.index(row["地区代码"])] + 1e-9)
    floored = result.held_back(2)
    assert not floored.empty and (floored["约束"] == "保底").all()
    for _, row in floored.iterrows():
        assert row["分配额(万元)"] == np.ceil(0.98 * table.loc[row["地区代码"], 1] - 1e-9)
        assert row["距目标(万元)"] == pytest.approx(row["分配额(万元)"] - row["目标额(万元)"])


def test_growth_raises_every_pool_total(tight):
    policy, data = tight
    result = pace(policy, data, years=3, growth=10)
    totals = result.years.groupby("年度")["分配额(万元)"].sum().to_numpy()
    assert totals == pytest.approx([1200, 1320, 1452])
