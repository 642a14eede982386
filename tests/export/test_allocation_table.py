"""The 分配表 model and its .xlsx and .docx: headers by source × purpose (and timing), 合计 first,
prefecture subtotals that add up, totals equal to the policy's, never re-rounded."""
import dataclasses

import numpy as np
import openpyxl
import pytest
from docx import Document
from docx.oxml.ns import qn

from allocator import usecases
from allocator.export.allocation_table import (
    DIRECT_GROUP,
    REGULAR_LABEL,
    Heading,
    build_allocation_table,
    header_grid,
    source_leaves,
    write_allocation_docx,
    write_allocation_xlsx,
)
from allocator.policy import apply_overrides, load_policy
from allocator.policy.model import Level


def test_a_source_with_two_purposes_splits_into_regular_and_the_earmarked_pool():
    policy = load_policy("sichuan-2019")
    paths = [leaf.path for leaf in source_leaves(policy.pools)]
    earmark = next(p.label for p in policy.pools if p.id == "deep_poverty")
    assert paths == [("中央", "一般公共预算", REGULAR_LABEL), ("中央", "一般公共预算", earmark),
                     ("中央", "彩票公益金"), ("省级", "一般公共预算"), ("省级", "彩票公益金")]


def test_sources_with_one_purpose_each_are_not_split():
    policy = apply_overrides(load_policy("sichuan-2019"), {"pools.deep_poverty.kind": "专项"})
    paths = [leaf.path for leaf in source_leaves(policy.pools)]
    assert ("中央", "一般公共预算") in paths and ("中央", "专项") in paths and all(len(p) == 2 for p in paths)


def test_several_regular_pools_of_one_source_add_up_in_one_column():
    policy = load_policy("sichuan-2019")
    pools = list(policy.pools)
    pools.insert(1, dataclasses.replace(pools[0], id="central_general_2", label="另一笔"))
    leaves = source_leaves(tuple(pools))
    assert leaves[0].path[-1] == REGULAR_LABEL and leaves[0].pools == (0, 1)


def test_central_comes_before_provincial_whatever_the_pool_order():
    policy = load_policy("sichuan-2019")
    leaves = source_leaves(tuple(reversed(policy.pools)))
    assert [leaf.path[0] for leaf in leaves] == [Level.CENTRAL] * 3 + [Level.PROVINCIAL] * 2


def test_header_grid_merges_down_and_across_by_hand():
    grid, merges = header_grid([("地区",), ("合计",), ("中央", "一般", "常规"), ("中央", "一般", "定向"),
                                ("中央", "彩票"), ("省级", "一般")])
    assert grid == [["地区", "合计", "中央", None, None, "省级"],
                    [None, None, "一般", None, "彩票", "一般"],
                    [None, None, "常规", "定向", None, None]]
    assert set(merges) == {(0, 0, 2, 0), (0, 1, 2, 1), (0, 2, 0, 4), (1, 2, 1, 3), (1, 4, 2, 4), (1, 5, 2, 5)}


@pytest.fixture(scope="module")
def full_year(sichuan):
    inputs, settlement = sichuan
    parent_of, names = usecases.region_parents(inputs.source.frame)
    return build_allocation_table(settlement.full_year, parent_of, names), settlement


def test_the_total_row_comes_first_and_equals_the_policy_totals(full_year):
    table, settlement = full_year
    policy = settlement.full_year.policy
    total = table.rows[0]
    assert total.kind == "total" and total.label == "合计"
    assert table.wan(total.units[0]) == policy.budget
    by_pool = {p.id: p.total for p in policy.pools}
    assert table.wan(total.units[1]) == by_pool["central_general"]
    assert table.wan(total.units[2]) == by_pool["deep_poverty"]


def test_prefectures_come_in_code_order_each_followed_by_its_counties(full_year, sichuan):
    table, _ = full_year
    parent_of, _ = usecases.region_parents(sichuan[0].source.frame)
    subtotals = [r for r in table.rows if r.kind == "subtotal"]
    assert len(subtotals) == 21 and [r.code for r in subtotals] == sorted(r.code for r in subtotals)
    assert subtotals[0].label == "成都市小计"
    current = None
    for row in table.rows[1:]:
        if row.kind == "subtotal":
            current = row.code
        else:  # 会理县 513425 (a 2020 table's code) is today's 会理市 513402
            assert parent_of.get(row.code, parent_of.get({"513425": "513402"}.get(row.code, ""))) == current


def test_each_subtotal_adds_up_its_counties_and_the_subtotals_add_up_to_the_total(full_year):
    table, _ = full_year
    sums, current = {}, None
    for row in table.rows[1:]:
        if row.kind == "subtotal":
            current = row
            sums[current] = np.zeros(len(row.units), dtype=np.int64)
        else:
            sums[current] += row.units
    for subtotal, counties in sums.items():
        assert tuple(int(v) for v in counties) == subtotal.units
    assert tuple(int(v) for v in sum(np.array(s.units) for s in sums)) == table.rows[0].units


def test_a_tables_own_parent_code_column_wins(sichuan):
    inputs, settlement = sichuan
    frame = inputs.source.frame.copy()
    frame["parent_code"] = np.where(frame["code"].isin(["510104", "510105"]), "599900", "510100")
    parent_of, names = usecases.region_parents(frame)
    table = build_allocation_table(settlement.full_year, parent_of, names)
    subtotals = [r for r in table.rows if r.kind == "subtotal"]
    assert [r.code for r in subtotals] == ["510100", "599900"]
    assert [r.code for r in table.rows[-2:]] == ["510104", "510105"]


def test_counties_managed_by_the_province_form_their_own_group_last(sichuan):
    inputs, settlement = sichuan
    parent_of, names = usecases.region_parents(inputs.source.frame)
    table = build_allocation_table(settlement.full_year, parent_of, names, direct=("510183", "511681"))
    labels = [r.label for r in table.rows]
    assert labels[-3] == f"{DIRECT_GROUP}小计" and {r.code for r in table.rows[-2:]} == {"510183", "511681"}
    assert table.rows[-3].units == tuple(int(a + b) for a, b in zip(table.rows[-2].units, table.rows[-1].units))


def test_timing_columns_satisfy_full_minus_advance_equals_issued_minus_clawed_back(tmp_path):
    # the preset advances about 46 % of the year (published practice) and claws back from nobody; a
    # reform with an advance notice close to last year's money makes the counties whose amount fell repay
    reform = tmp_path / "large_advance.toml"
    reform.write_text('[policy]\nbase = "sichuan-2020"\nid = "large-advance"\n\n[[pools]]\nid = "central_general"\n'
                      'advance_total = { value = 190000, unit = "万元", source = "scenario", description = "测试" }\n',
                      encoding="utf-8")
    inputs = usecases.load_inputs(str(reform))
    settlement = usecases.settle(inputs)
    parent_of, names = usecases.region_parents(inputs.source.frame)
    table = build_allocation_table(settlement.full_year, parent_of, names, settlement)
    heads = [c.path for c in table.columns]
    assert heads[0] == ("全年",) and heads[1] == ("已提前下达",) and heads[2] == ("此次下达", "小计")
    assert heads[-1] == ("收回",)
    for row in table.rows:
        full, advance, issued, back = row.units[0], row.units[1], row.units[2], row.units[-1]
        assert full - advance == issued - back and issued >= 0 and back >= 0
        assert issued == sum(row.units[3:-1])
    assert table.rows[0].units[-1] > 0  # this reform claws money back from a few counties


def test_two_decimal_amounts_come_from_the_integers_unrounded():
    policy = apply_overrides(load_policy("example"), {"rounding.unit": 0.01})
    inputs = usecases.load_inputs(policy, "example")
    result = usecases.run(inputs)
    table = build_allocation_table(result)
    assert table.decimals == 2
    for row in table.rows:
        assert table.wan(row.units[0]) == round(row.units[0] * 0.01, 2)
    assert table.text(table.rows[0].units[0]) == "1,200.00"


# ---------------------------------------------------------------- the files

HEADING = Heading("2020年中央和省级财政医疗救助补助资金分配表", 1, "川财社〔2020〕  号", "2101301 城乡医疗救助")


@pytest.fixture(scope="module")
def workbook(exported):
    return openpyxl.load_workbook(exported[".xlsx"])


def test_the_workbook_has_the_attachment_label_title_subject_and_unit(workbook):
    ws = workbook["分配表"]
    assert ws["A1"].value == "附件1" and ws["A1"].font.name == "黑体"
    assert ws["A2"].value == "2020年中央和省级财政医疗救助补助资金分配表"
    assert "A2" in {str(r).split(":")[0] for r in ws.merged_cells.ranges}
    assert ws["A3"].value == "科目：2101301 城乡医疗救助"
    assert ws.cell(3, ws.max_column).value == "单位：万元"
    assert ws.cell(1, ws.max_column).value == "川财社〔2020〕  号"


def _body(ws, first_row):
    return [[c.value for c in row] for row in ws.iter_rows(min_row=first_row, max_col=ws.max_column)
            if row[0].value is not None and not str(row[0].value).startswith("注")]


def test_the_workbook_header_is_merged_by_timing_source_and_purpose(workbook):
    ws = workbook["分配表"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert ws["A4"].value == "地区" and "A4:A7" in merged
    assert ws["D4"].value == "此次下达" and "D4:I4" in merged
    assert ws["E5"].value == "中央" and "E5:G5" in merged
    assert ws["E6"].value == "一般公共预算" and "E6:F6" in merged
    assert ws["E7"].value == "常规分配" and ws["F7"].value.startswith("提高深度贫困")
    assert ws["J4"].value == "收回" and "J4:J7" in merged
    assert "(万元)" not in "".join(str(c.value or "") for row in ws.iter_rows(min_row=4, max_row=7) for c in row)


def test_the_workbook_total_row_is_first_and_subtotals_add_up(workbook, sichuan):
    ws = workbook["分配表"]
    rows = _body(ws, 8)
    assert rows[0][0] == "合计" and rows[0][1] == sichuan[0].policy.budget
    current, sums = None, {}
    for row in rows[1:]:
        if row[0].endswith("小计"):
            current = tuple(row)
            sums[current] = [0] * (len(row) - 1)
        else:
            sums[current] = [a + (b or 0) for a, b in zip(sums[current], row[1:])]
    assert len(sums) == 21
    for subtotal, counties in sums.items():
        assert [v or 0 for v in subtotal[1:]] == counties
    assert [sum(s[k] for s in sums.values()) for k in range(len(rows[0]) - 1)] == [v or 0 for v in rows[0][1:]]
    assert all(v != 0 for row in rows for v in row[1:])  # blank, never 0


def test_the_workbook_is_set_up_for_printing(workbook):
    ws = workbook["分配表"]
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$4:$7"
    assert ws.print_area.endswith(f"$J${ws.max_row}")
    assert ws.freeze_panes == "B8"
    assert "&P" in ws.oddFooter.center.text
    assert round(ws.page_margins.left * 25.4) == 37 and round(ws.page_margins.top * 25.4) == 28
    assert ws["B8"].border.left.style == "thin" and ws["B8"].font.name == "仿宋"


@pytest.fixture(scope="module")
def document(exported):
    return Document(exported[".docx"])


def test_the_document_is_landscape_a4_with_the_gbt9704_margins(document):
    section = document.sections[0]
    assert round(section.page_width.mm) == 297 and round(section.page_height.mm) == 210
    assert [round(v.mm) for v in (section.left_margin, section.right_margin, section.top_margin,
                                  section.bottom_margin)] == [37, 35, 28, 26]


def test_the_document_starts_with_the_label_the_title_and_the_unit(document):
    texts = [p.text for p in document.paragraphs if p.text]
    assert texts[0].startswith("附件1") and texts[1] == "2020年中央和省级财政医疗救助补助资金分配表"
    assert texts[2] == "科目：2101301 城乡医疗救助\t单位：万元"
    label_font = document.paragraphs[0].runs[0]._element.rPr.rFonts.get(qn("w:eastAsia"))
    title_font = document.paragraphs[1].runs[0]._element.rPr.rFonts.get(qn("w:eastAsia"))
    assert label_font == "黑体" and title_font == "方正小标宋简体"
    assert document.paragraphs[1].runs[0].font.size.pt == 22


def test_every_run_of_the_document_names_its_east_asian_font(document):
    runs = [r for p in document.paragraphs for r in p.runs]
    runs += [r for t in document.tables for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs]
    assert runs and all(r._element.rPr.rFonts.get(qn("w:eastAsia")) in ("黑体", "仿宋", "方正小标宋简体", "宋体")
                        for r in runs)


def test_the_document_table_repeats_its_merged_header_and_adds_up(document, sichuan):
    table = document.tables[0]
    header_rows = [row for row in table.rows if row._tr.trPr is not None
                   and row._tr.trPr.find(qn("w:tblHeader")) is not None]
    assert len(header_rows) == 4
    spans = [tc.get(qn("w:val")) for tc in table._tbl.iter(qn("w:gridSpan"))]
    assert "6" in spans  # 此次下达 over 小计 and five source columns
    body = [[c.text for c in row.cells] for row in table.rows[4:]]
    assert body[0][0] == "合计" and body[0][1] == f"{sichuan[0].policy.budget:,.0f}"
    to_int = lambda s: int(s.replace(",", "")) if s else 0  # noqa: E731
    current = None
    sums = {}
    for row in body[1:]:
        if row[0].endswith("小计"):
            current = row[0]
            sums[current] = ([to_int(v) for v in row[1:]], [0] * (len(row) - 1))
        else:
            sums[current][1][:] = [a + to_int(b) for a, b in zip(sums[current][1], row[1:])]
    assert len(sums) == 21 and all(subtotal == counties for subtotal, counties in sums.values())


def test_the_document_numbers_its_pages_with_dashes_on_alternate_sides(document):
    section = document.sections[0]
    odd, even = section.footer.paragraphs[0], section.even_page_footer.paragraphs[0]
    assert odd.text.startswith("— ") and odd.text.endswith(" —") and odd.alignment == 2  # right
    assert even.alignment == 0  # left
    assert any(t.text.strip() == "PAGE" for t in odd._p.iter(qn("w:instrText")))
    assert document.settings.odd_and_even_pages_header_footer


def test_a_narrow_table_goes_on_a_portrait_page(tmp_path):
    result = usecases.run(usecases.load_inputs("example"))
    table = build_allocation_table(result)
    write_allocation_docx(table, HEADING, tmp_path / "t.docx")
    write_allocation_xlsx(table, HEADING, tmp_path / "t.xlsx")
    section = Document(tmp_path / "t.docx").sections[0]
    assert round(section.page_width.mm) == 210 and round(section.left_margin.mm) == 28
    assert round(section.top_margin.mm) == 37 and round(section.bottom_margin.mm) == 35
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert ws.page_setup.orientation == "portrait"
    rows = _body(ws, 6)
    assert rows[0][:2] == ["合计", 1200] and len(rows) == 1 + len(result.codes)  # no prefectures: no 小计
