"""Tornado data and incentives: hand-worked figures and what floors and caps do to them."""
import numpy as np
import pytest

from allocator.analysis.batch import what_if
from allocator.analysis.sensitivity import incentives, marginal_gain, moved_weights, tornado


def test_moving_one_weight_up_takes_the_points_from_the_others_in_proportion():
    moved = moved_weights({"need": 75, "population": 5, "effort": 20}, "need", 5)
    assert moved == pytest.approx({"need": 80, "population": 4, "effort": 16})
    assert sum(moved.values()) == pytest.approx(100)


def test_a_weight_cannot_be_moved_below_zero():
    assert moved_weights({"need": 97, "population": 3}, "population", -5) is None


def test_one_more_person_in_a_two_region_case_gains_the_hand_worked_amount(two_regions):
    # 100 万元 by need, 1 and 3 persons: 25 and 75; with 2 and 3 persons: 40 and 60 → +15 for one more.
    gain = marginal_gain(two_regions, "dibao_rural", 1.0)
    assert gain == pytest.approx([15.0, 100 * 4 / 5 - 75])


def test_a_capped_county_gains_nothing_from_more_need(example):
    frame = incentives(example)
    capped = frame["约束"] == "封顶"
    assert capped.any()
    assert (frame.loc[capped, frame.columns[3:6]] == 0).all().all()
    assert (frame.loc[~capped, "每增加1名低保对象(万元)"] > 0).all()


def test_tornado_rows_are_full_runs_that_hand_out_the_whole_budget(sichuan):
    result = tornado(sichuan, 5)
    budget = sum(p.total for p in sichuan.policy.pools)
    per_scenario = result.frame.groupby(["参数", "权重变化(百分点)"])["情景(万元)"].sum()
    assert np.allclose(per_scenario, budget)
    # a change of 0 for every region would mean the weight did nothing
    assert (result.frame.groupby("参数")["变化(万元)"].apply(lambda v: v.abs().sum()) > 0).all()
    assert (result.frame["基准(万元)"].to_numpy()[:sichuan.n_regions] == what_if(sichuan, {}) * sichuan.unit).all()


def test_a_region_held_at_its_cap_does_not_move_when_its_weight_rises(example):
    result = tornado(example, 5)
    base = incentives(example)
    capped = base.loc[base["约束"] == "封顶", "地区代码"]
    rows = result.frame[result.frame["地区代码"].isin(capped) & (result.frame["变化(万元)"] > 0)]
    assert rows.empty  # a capped region can lose but never gain
