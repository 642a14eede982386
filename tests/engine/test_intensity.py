"""Effort as intensity (transform = "intensity"): worked by hand, invariants, and the policy file's checks.

Source: the 2019 provincial report lists 市县财政努力程度、资金使用绩效和管理工作水平 as effort factors;
an intensity measures effort, not size, and the term's money follows need tilted by that effort.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.engine.formula import factor_value, intensity_index, shares
from allocator.errors import PolicyError
from allocator.policy import load_policy
from allocator.policy.model import Component, Factor

NEED = Factor("need", "困难群众人数", 0.8, (Component("dibao"), Component("tekun")), "scenario")


def effort(lower=None, upper=None, components=None):
    comps = components or (Component("local_input", 0.5, per="need"), Component("score", 0.5))
    return Factor("effort", "自身努力程度", 0.2, comps, "scenario", transform="intensity", scale="need",
                  lower=lower, upper=upper)


COLUMNS = {
    "dibao": np.array([900.0, 1800.0, 300.0]),
    "tekun": np.array([100.0, 200.0, 100.0]),  # need: 1000, 2000, 400
    "local_input": np.array([10.0, 40.0, 2.0]),  # per head: 0.010, 0.020, 0.005 (mean 0.035/3)
    "score": np.array([80.0, 90.0, 100.0]),  # mean 90
}


def test_the_index_averages_each_components_ratio_to_the_mean():
    # per head 0.010, 0.020, 0.005 over mean 0.011666…: 6/7, 12/7, 3/7; scores 8/9, 1, 10/9
    index = intensity_index(COLUMNS, effort(), np.array([1000.0, 2000.0, 400.0]))
    expected = 0.5 * np.array([6 / 7, 12 / 7, 3 / 7]) + 0.5 * np.array([8 / 9, 1.0, 10 / 9])
    assert index == pytest.approx(expected)


def test_the_value_is_need_times_the_clipped_index():
    value = factor_value(COLUMNS, effort(lower=0.8, upper=1.2), (NEED,))
    raw = 0.5 * np.array([6 / 7, 12 / 7, 3 / 7]) + 0.5 * np.array([8 / 9, 1.0, 10 / 9])
    assert value == pytest.approx(np.array([1000, 2000, 400]) * np.clip(raw, 0.8, 1.2))
    assert np.clip(raw, 0.8, 1.2)[1] == 1.2 and np.clip(raw, 0.8, 1.2)[2] == 0.8


def test_a_region_with_average_effort_gets_the_effort_money_in_proportion_to_its_need():
    cols = dict(COLUMNS, local_input=np.array([10.0, 20.0, 4.0]), score=np.array([90.0, 90.0, 90.0]))
    share = shares(factor_value(cols, effort(), (NEED,)))
    assert share == pytest.approx(np.array([1000, 2000, 400]) / 3400)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(100, 100_000), st.floats(0.5, 50), st.floats(60, 99)), min_size=2, max_size=12),
       st.floats(0.01, 1000))
def test_intensity_does_not_reward_size_and_is_free_of_the_money_unit(rows, factor_of_unit):
    need = np.array([r[0] for r in rows], dtype=float)
    per_head = np.array([r[1] for r in rows])
    cols = {"dibao": need, "tekun": np.zeros_like(need), "local_input": need * per_head,
            "score": np.array([r[2] for r in rows])}
    share = shares(factor_value(cols, effort(), (NEED,)))
    # the same money per head in another unit (元 instead of 万元) changes nothing
    rescaled = shares(factor_value(dict(cols, local_input=cols["local_input"] * factor_of_unit), effort(), (NEED,)))
    assert rescaled == pytest.approx(share)
    # money per 困难群众 from this term depends on effort only: the same effort gets the same per head
    per_need = share / need
    index = intensity_index(cols, effort(), need)
    assert per_need / index == pytest.approx(np.full(len(rows), per_need[0] / index[0]))


POLICY = '''
[policy]
id = "t"
title = "t"
year = 2020
source = "scenario"

[rounding]
unit = { value = 1, unit = "万元", description = "取整" }
source = "scenario"

[[pools]]
id = "p"
label = "p"
level = "中央"
kind = "一般公共预算"
total = { value = 100, unit = "万元", description = "总额" }
source = "scenario"

[[factors]]
id = "need"
label = "困难群众"
weight = { value = 80, unit = "%", description = "w" }
source = "scenario"
components = [{ column = "dibao_rural" }]

[[factors]]
id = "effort"
label = "努力程度"
weight = { value = 20, unit = "%", description = "w" }
source = "scenario"
transform = "intensity"
SCALE
components = [{ column = "local_input", per = "need" }, { column = "performance_score" }]

[constraints]
source = "scenario"
'''


def test_an_intensity_factor_must_name_another_factor_as_its_scale(tmp_path):
    for scale, message in (("", "scale：缺少此项"), ('scale = "effort"', "scale"), ('scale = "nowhere"', "scale")):
        path = tmp_path / "p.toml"
        path.write_text(POLICY.replace("SCALE", scale), encoding="utf-8")
        with pytest.raises(PolicyError, match=message):
            load_policy(path)
    path = tmp_path / "good.toml"
    path.write_text(POLICY.replace("SCALE", 'scale = "need"'), encoding="utf-8")
    policy = load_policy(path)
    assert policy.factors[1].scale == "need"
    assert "need" not in policy.data_columns  # per = the scale factor, not a column
    assert {"local_input", "performance_score", "dibao_rural"} <= set(policy.data_columns)


def test_a_region_with_no_need_gets_nothing_from_the_effort_term_and_breaks_nothing():
    cols = dict(COLUMNS, dibao=np.array([900.0, 1800.0, 0.0]), tekun=np.array([100.0, 200.0, 0.0]))
    value = factor_value(cols, effort(), (NEED,))
    assert np.isfinite(value).all() and value[2] == 0


def test_a_zero_in_a_per_column_is_named_before_anything_runs(tmp_path):
    import pandas as pd

    from allocator.engine import RegionData
    from allocator.engine.inputs import check_for_policy
    from allocator.errors import DataError

    path = tmp_path / "per_column.toml"
    path.write_text(POLICY.replace("SCALE", 'scale = "need"').replace('per = "need"', 'per = "expenditure"'),
                    encoding="utf-8")
    frame = pd.DataFrame({"code": ["990001", "990002"], "name": ["甲", "乙"], "dibao_rural": [10, 20],
                          "local_input": [1.0, 2.0], "performance_score": [80, 90], "expenditure": [100.0, 0.0]})
    with pytest.raises(DataError, match="990002 乙 的「一般公共预算支出"):
        check_for_policy(load_policy(path), RegionData.from_frame(frame))
