"""区域绩效目标表: one page per region, the standard header rows, merged indicator levels, only the
indicators that apply, the region's own amounts by source."""
import openpyxl
import pytest
from docx import Document
from docx.oxml.ns import qn

from allocator import usecases
from allocator.engine import allocate
from allocator.errors import PolicyError
from allocator.export.targets_doc import (
    Departments,
    grid_rows,
    grouped,
    merged_runs,
    program_name,
    region_sheets,
    write_targets_docx,
    write_targets_xlsx,
)
from allocator.policy import apply_overrides, load_policy

DEEP = "政策覆盖深度贫困地区农村贫困人口比例"
SOME = ("510104", "510105", "513437")  # 锦江区, 青羊区, 雷波县 (a deep-poverty county)


@pytest.fixture(scope="module")
def sheets(sichuan):
    inputs, _ = sichuan
    result = allocate(inputs.policy, inputs.data)
    departments = Departments(program_name(inputs.policy), local="四川省财政厅、四川省医疗保障局")
    every = region_sheets(result, inputs.data, departments)
    return result, departments, every


def _sheet(sheets, code):
    return next(s for s in sheets[2] if s.code == code)


def test_an_indicator_tied_to_the_deep_poverty_pool_appears_only_where_that_money_goes(sheets):
    result, _, every = sheets
    deep = [j for j, p in enumerate(result.policy.pools) if p.id == "deep_poverty"][0]
    for sheet, units in zip(every, result.amounts):
        names = [row[2] for row in sheet.indicators]
        assert (DEEP in names) == (units[deep] > 0), sheet.name
    assert DEEP not in [row[2] for row in _sheet(sheets, "510104").indicators]  # 锦江区
    assert DEEP in [row[2] for row in _sheet(sheets, "513437").indicators]  # 雷波县


def test_an_indicator_naming_an_unknown_pool_is_refused(sichuan):
    inputs, _ = sichuan
    policy = apply_overrides(inputs.policy, {f"performance.indicators.{DEEP}.pools": ["no_such_pool"]})
    with pytest.raises(PolicyError, match="no_such_pool"):
        region_sheets(allocate(policy, inputs.data), inputs.data)


def test_a_region_s_amounts_by_source_add_up_to_its_total(sheets):
    for sheet in sheets[2]:
        assert sum(s.wan for s in sheet.sources) == sheet.total == sheet.central + sheet.local
        assert sum(s.wan for s in sheet.sources if s.central) == sheet.central


def test_indicators_are_grouped_so_equal_levels_sit_together():
    indicators = load_policy("sichuan-2020").performance.indicators
    order = grouped(list(indicators))
    levels = [(i.level1, i.level2) for i in order]
    assert all(levels.index(x) == k or levels[k - 1] == x for k, x in enumerate(levels))
    assert merged_runs(["a", "a", "b", "a"]) == [(0, 1), (2, 2), (3, 3)]


def test_the_grid_has_the_standard_header_rows_and_merges_indicator_levels(sheets):
    _, departments, _ = sheets
    sheet = _sheet(sheets, "513437")
    rows, merges = grid_rows(sheet, departments, 0)
    firsts = [r[0] for r in rows if r[0]]
    assert firsts == ["转移支付名称", "中央主管部门", "地方主管部门", "资金情况（万元）", "年度总体目标", "绩效指标"]
    assert rows[0][1] == "中央和省级财政医疗救助补助资金" and rows[2][3] == "资金使用单位"
    assert rows[2][4] == "雷波县医疗保障局"
    indicator_top = next(k for k, r in enumerate(rows) if r[0] == "绩效指标")
    assert (indicator_top, 0, len(rows) - 1, 0) in merges
    n_output = sum(1 for row in sheet.indicators if row[0] == "产出指标")
    assert (indicator_top + 1, 1, indicator_top + n_output, 1) in merges  # 产出指标 merged down


def test_the_document_has_one_page_per_region_with_its_own_table(sheets, tmp_path):
    result, departments, every = sheets
    chosen = [s for s in every if s.code in SOME]
    path = tmp_path / "targets.docx"
    write_targets_docx(chosen, "2020年中央和省级财政医疗救助补助资金区域绩效目标表", departments, 0, path, "示例数据")
    doc = Document(path)
    assert len(doc.tables) == len(SOME)
    labels = [p for p in doc.paragraphs if p.text == "附件2"]
    assert len(labels) == len(SOME) and [p.paragraph_format.page_break_before for p in labels] == [False, True, True]
    assert [p.text.split("\t")[0] for p in doc.paragraphs if p.text.startswith("地区：")] == [
        "地区：510104 锦江区", "地区：510105 青羊区", "地区：513437 雷波县"]
    first = doc.tables[0]
    assert first.cell(0, 0).text == "转移支付名称" and first.cell(0, 1).text == "中央和省级财政医疗救助补助资金"
    assert first.cell(3, 3).text == f"{chosen[0].total:,.0f}"
    assert any(el.get(qn("w:val")) == "restart" for el in first._tbl.iter(qn("w:vMerge")))
    for t, sheet in zip(doc.tables, chosen):
        text = " ".join(c.text for row in t.rows for c in row.cells)
        assert (DEEP in text) == (sheet.code == "513437")
    runs = [r for t in doc.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs]
    assert all(r._element.rPr.rFonts.get(qn("w:eastAsia")) for r in runs)


def test_the_workbook_breaks_the_page_before_each_region(sheets, tmp_path):
    result, departments, every = sheets
    chosen = [s for s in every if s.code in SOME]
    path = tmp_path / "targets.xlsx"
    write_targets_xlsx(chosen, "区域绩效目标表", departments, 0, path)
    ws = openpyxl.load_workbook(path).active
    starts = [c.row for c in ws["A"] if c.value == "附件2"]
    assert len(starts) == 3 and [b.id for b in ws.row_breaks.brk] == [s - 1 for s in starts[1:]]
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.orientation == "portrait"
    totals = [ws.cell(c.row, 4).value for c in ws["B"] if c.value == "年度金额"]
    assert totals == [int(s.total) for s in chosen]


def test_targets_use_case_titles_follow_the_policy_year(sichuan):
    inputs, _ = sichuan
    assert usecases.targets_title(inputs.policy) == "2020年中央和省级财政医疗救助补助资金区域绩效目标表"
