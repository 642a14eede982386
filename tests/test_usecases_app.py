"""Use cases behind the app: scenario overrides, design view, comparison, county preview, map data."""
import re
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from allocator import usecases as u
from allocator.dataset.reference import load_topology
from allocator.errors import InputError, PolicyError


@pytest.fixture(scope="module")
def base():
    return u.load_inputs("sichuan-2020")


def test_changed_overrides_keep_only_what_differs(base):
    values = {"factors.need.weight": 75.0, "factors.effort.weight": 25.0, "factors.population.weight": 0.0}
    assert u.changed_overrides(base.policy, values) == {"factors.effort.weight": 25.0,
                                                        "factors.population.weight": 0.0}


def test_a_weight_change_moves_the_table_and_leaves_the_base_alone(base):
    before = u.design_view(base)
    changed = u.design_view(u.scenario_inputs("sichuan-2020", None, {"factors.need.weight": 70,
                                                                     "factors.effort.weight": 25}))
    assert not before.table["合计"].equals(changed.table["合计"])
    assert before.table["合计"].sum() == changed.table["合计"].sum()  # the budget is the same
    assert u.resolve_policy("sichuan-2020").factors[0].weight == pytest.approx(0.75)


def test_weights_off_100_percent_are_explained(base):
    with pytest.raises(PolicyError) as err:
        u.scenario_inputs("sichuan-2020", None, {"factors.need.weight": 70})
    assert "应为 100%" in str(err.value)
    assert any((p.key or "").startswith("factors") for p in err.value.problems)


def test_design_view_table_has_every_stage_and_the_demo_note(base):
    view = u.design_view(base)
    for column in ("地区代码", "所属市州", "合计", "上年分配额(万元)", "增减(万元)", "增减(%)", "人均(元/人)",
                   "每困难群众(元/人)", "公式测算额(万元)", "修正后测算额(万元)", "约束后金额(万元)", "取整调整(万元)"):
        assert column in view.table.columns
    assert "示例数据" in view.note
    row = view.regions.set_index("code").loc["510104"]
    assert row["change"] == pytest.approx(row["total"] - row["base"])
    assert view.headline.n_cap == int((view.regions["binding"] == "封顶").sum())


def test_reform_summary_lists_numbers_with_their_sources():
    summary = u.reform_summary(u.resolve_policy("sichuan-2019"), u.resolve_policy("sichuan-2020"))
    row = summary.set_index("路径").loc["constraints.cap_share_of_base"]
    assert (row["参数"], row["原值"], row["新值"]) == ("封顶（上年分配额的比例）", "（无）", "120 %")
    assert "渐进调整" in row["依据"]
    row = summary.set_index("路径").loc["pools.central_general.total"]
    assert (row["参数"], row["原值"], row["新值"]) == ("中央财政一般公共预算（常规分配）·资金总额", "186650 万元", "196000 万元")


def test_comparison_deltas_are_alternative_minus_baseline(base):
    alt = u.scenario_inputs("sichuan-2020", None, {"factors.need.weight": 70, "factors.effort.weight": 25})
    view = u.compare(u.Compared("基准", base, u.design_view(base)), [u.Compared("七成", alt, u.design_view(alt))])
    d = view.deltas.set_index("code")
    assert (d["alternative"] - d["baseline"]).tolist() == pytest.approx(d["delta"].tolist())
    assert d["delta"].sum() == pytest.approx(0)  # same budget, money only moves
    assert list(view.metrics.columns) == ["指标", "基准", "七成"]
    assert set(view.changes["七成"]["路径"]) == {"factors.need.weight", "factors.effort.weight"}


def test_county_preview_what_if_never_changes_shared_data(base):
    frame_before = base.source.frame.copy()
    preview = u.county_preview(base, "513222", changes={"dibao_rural": 1000, "local_input": 50})
    pd.testing.assert_frame_equal(base.source.frame, frame_before)
    full = next(s.amount for s in preview.steps if s.label == "全年分配额")
    assert full == pytest.approx(float(u.run(base).table().set_index("code").loc["513222", "total"]))
    assert preview.what_if_total > full  # more people in need and more own input: more money
    assert preview.per_person > 0 and preview.per_input > 0
    assert preview.pools["此次下达(万元)"].iloc[-1] == pytest.approx(
        preview.pools["本年(万元)"].iloc[-1] - preview.pools["已提前下达(万元)"].iloc[-1])


def test_county_what_if_refuses_negative_figures(base):
    with pytest.raises(InputError, match="不能为负"):
        u.with_region_changes(base, "513222", {"dibao_rural": -10**9})


def test_county_search_by_name_or_code(base):
    assert u.find_regions(base, "理县") == ["513222"]
    assert "510104" in u.find_regions(base, "5101")


def test_waterfall_frame_runs_from_start_to_end():
    from allocator.analysis.metrics import Step
    frame = u.waterfall_frame([Step("a", 10), Step("b", -3), Step("合计", 7, total=True)])
    assert frame[["start", "end"]].values.tolist() == [[0, 10], [10, 7], [0, 7]]
    assert frame["kind"].tolist() == ["增加", "减少", "合计"]


def test_every_outer_ring_of_the_map_is_clockwise_for_vega():
    raw = np.array(u.ring_areas(load_topology()))
    fixed = np.array(u.ring_areas(u.map_topology()))
    assert (raw > 0).any()  # the packaged file has rings the other way round (they would fill the canvas)
    assert (fixed < 0).all()
    assert np.abs(fixed) == pytest.approx(np.abs(raw))  # same shapes, only the direction changed
    assert (np.array(u.ring_areas(load_topology())) == raw).all()  # the packaged topology is not mutated


def _path_boxes(svg: str) -> list[tuple[float, float]]:
    """Width and height of the bounding box of every filled path in an SVG."""
    boxes = []
    for d in re.findall(r'<path transform="[^"]*" d="([^"]+)"', svg):  # shape marks, not the background
        numbers = [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", d)]
        xs, ys = numbers[0::2], numbers[1::2]
        if xs and ys:
            boxes.append((max(xs) - min(xs), max(ys) - min(ys)))
    return boxes


def test_a_county_on_screen_is_small():
    vlc = pytest.importorskip("vl_convert")
    topology = u.map_topology()
    spec = {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json", "width": 400, "height": 400,
        "data": {"values": topology, "format": {"type": "topojson", "feature": "data"}},
        "mark": {"type": "geoshape"}, "projection": {"type": "mercator"},
    }
    boxes = _path_boxes(vlc.vegalite_to_svg(spec))
    assert len(boxes) >= 183
    widths = sorted(w for w, _ in boxes)
    assert widths[len(widths) // 2] < 40  # a typical county is a small part of the 400 px map
    assert max(w * h for w, h in boxes) < 0.25 * 400 * 400  # none fills the canvas


# ---------------------------------------------------------------- funding sources, matching, documents

def test_funding_sources_split_the_2019_central_general_budget():
    """2019 report: 中央一般公共预算 213,294 = 186,650 常规分配 + 26,644 深度贫困定向; 273,799 in all."""
    view = u.design_view(u.load_inputs("sichuan-2019"))
    table = view.sources.set_index("资金来源")
    assert list(table.columns) == ["常规分配", "深度贫困定向", "小计"]
    assert table.loc["中央一般公共预算"].tolist() == [186650, 26644, 213294]
    assert table.loc["中央彩票公益金", "小计"] == 14865 and np.isnan(table.loc["中央彩票公益金", "深度贫困定向"])
    assert table.loc["省级一般公共预算", "小计"] == 35900 and table.loc["省级彩票公益金", "小计"] == 9740
    assert table.loc["合计"].tolist() == [186650 + 14865 + 35900 + 9740, 26644, 273799]
    assert table.loc["合计", "小计"] == view.result.table()["total"].sum()


def test_regions_off_the_county_map():
    topology = load_topology()
    assert u.off_map_regions(u.load_inputs("guangyuan-capacity-2023").data.codes, topology) == ["510800"]
    assert u.off_map_regions(u.load_inputs("sichuan-2020").data.codes, topology) == []


def test_county_matching_is_the_rule_share_of_the_transfer(base):
    total = float(u.run(base).table().set_index("code").loc["513222", "total"])
    figures = base.source.frame.set_index("code").loc["513222"]
    m = u.county_matching(base, "513222", u.MatchingRule(share=0.5, threshold=0.02))
    assert m.received == pytest.approx(total)
    assert m.asked == pytest.approx(0.5 * total)
    assert m.burden == pytest.approx(0.5 * total / figures["revenue"], abs=1e-6)
    assert m.over == (0.5 * total / figures["revenue"] > 0.02)
    assert m.actual == pytest.approx(figures["local_input"])
    assert m.actual_ratio == pytest.approx(figures["local_input"] / total, abs=1e-4)
    table = u.matching(base, u.MatchingRule(share=0.5, threshold=0.02)).table
    assert m.n_over == int((table["超过警戒线"] == "是").sum())


def test_county_matching_needs_revenue_and_expenditure():
    assert u.county_matching(u.load_inputs("guangyuan-insurance-2023"), "510802") is None
    with pytest.raises(InputError, match="999999"):
        u.county_matching(u.load_inputs("sichuan-2020"), "999999")


def test_documents_for_a_scenario_are_the_export_files():
    import docx
    import openpyxl

    inputs = u.scenario_inputs("sichuan-2019", None, {"factors.need.weight": 70.0, "factors.effort.weight": 25.0})
    files = u.document_files(inputs)
    assert list(files) == u.document_names(inputs.policy)
    assert [Path(n).suffix for n in files] == [".xlsx", ".docx", ".docx"]
    assert "分配测算说明" in list(files)[2]
    folder = Path(tempfile.mkdtemp())
    for name, content in files.items():
        (folder / name).write_bytes(content)
    sheet = openpyxl.load_workbook(folder / list(files)[0]).active
    numbers = [c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, (int, float))]
    assert 273799 in numbers  # the 合计 of the whole table (2019: 273,799 万元)
    text = "\n".join(p.text for p in docx.Document(folder / list(files)[2]).paragraphs)
    assert "困难群众人数（权重70%）" in text and "示例数据" in text  # the scenario's weight, the demo label


def test_comparable_means_the_same_regions(base):
    assert u.comparable(base, u.load_inputs("sichuan-2019"))
    assert not u.comparable(base, u.load_inputs("guangyuan-capacity-2023"))
