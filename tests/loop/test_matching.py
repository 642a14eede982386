"""County matching burden: 盐边县's 69.3 % (2021 绩效评价报告), uniform and class rules by hand, the flag, the command."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from allocator import usecases
from allocator.analysis.matching import MatchingRule, flagged, matching_burden, required_share
from allocator.cli import app
from allocator.errors import InputError

runner = CliRunner()


def test_yanbian_2021_matched_69_3_percent_of_the_money_from_above():
    # 盐边县医疗保障局、盐边县财政局《关于开展2021年医疗救助补助资金绩效评价的报告》(2022-02-21): central 465.47 + provincial 102.77 received, county 393.73 of its own
    frame = matching_burden(["510422"], ["盐边县"], np.array([465.47 + 102.77]), np.array([105482.0]),
                            np.array([413100.0]), MatchingRule(share=0.3), actual=np.array([393.73]))
    assert frame["实际配套比例(本级投入÷上级补助)"].iloc[0] == 0.6929
    assert frame["应配套资金(万元)"].iloc[0] == 170.47  # 568.24 × 30 % = 170.472
    assert frame["配套占本级收入比重"].iloc[0] == pytest.approx(170.47 / 105482, abs=1e-6)


def test_classes_ask_poorer_counties_a_smaller_share():
    rule = MatchingRule(class_edges=(0.1, 0.3), class_shares=(0.05, 0.1, 0.2))
    np.testing.assert_allclose(required_share(rule, np.array([0.05, 0.1, 0.2, 0.3, 0.5])), [0.05, 0.05, 0.1, 0.1, 0.2])


def test_a_county_is_flagged_when_the_matching_asked_exceeds_the_threshold_of_its_revenue():
    frame = matching_burden(["1", "2"], ["甲", "乙"], np.array([1000.0, 1000.0]), np.array([10000.0, 30000.0]),
                            np.array([50000.0, 60000.0]), MatchingRule(share=0.2, threshold=0.01))
    assert list(frame["应配套资金(万元)"]) == [200.0, 200.0]
    assert list(frame["超过警戒线"]) == ["是", ""]  # 2 % and 0.67 % of own revenue
    assert list(flagged(frame)["地区名称"]) == ["甲"]


def test_a_rule_with_mismatched_classes_is_refused_in_words():
    with pytest.raises(InputError, match="配套比例须比界限多一个"):
        matching_burden(["1"], ["甲"], np.array([1.0]), np.array([1.0]), np.array([1.0]),
                        MatchingRule(class_edges=(0.1,), class_shares=(0.1,)))


@given(st.lists(st.floats(0, 1e6), min_size=1, max_size=20), st.floats(0, 1))
def test_matching_asked_is_the_share_of_the_money_received_to_the_cent(received, share):
    received = np.round(np.array(received), 2)
    n = len(received)
    frame = matching_burden([str(i) for i in range(n)], ["x"] * n, received, np.full(n, 1e5), np.full(n, 2e5),
                            MatchingRule(share=share))
    np.testing.assert_allclose(frame["应配套资金(万元)"], received * share, atol=0.005 + 1e-9)


def test_the_demo_burden_uses_the_whole_allocation_and_the_command_lists_flagged_counties(tmp_path):
    inputs = usecases.load_inputs("sichuan-2020")
    report = usecases.matching(inputs, MatchingRule(share=0.2, threshold=0.01))
    assert report.table["上级补助(万元)"].sum() == 287500
    assert set(report.flagged["地区代码"]) <= set(report.table["地区代码"])
    assert (report.flagged["配套占本级收入比重"] > 0.01).all()
    out = tmp_path / "配套.xlsx"
    res = runner.invoke(app, ["matching", "-p", "sichuan-2020", "--classes", "10,30", "--class-shares", "5,10,20",
                              "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "超过警戒线的地区" in res.output and out.exists()
    res = runner.invoke(app, ["matching", "-p", "sichuan-2020", "--classes", "10,x"])
    assert res.exit_code == 1 and "应为以逗号分隔的百分数" in res.output
