"""区域绩效目标表 per region, one page each, in the standard grid of the 中央对地方转移支付区域绩效目标表
(财预〔2015〕163号《中央对地方专项转移支付绩效目标管理暂行办法》 and the 财预〔2017〕 format):
转移支付名称, 中央主管部门, 地方主管部门 and 资金使用单位, 资金情况 (年度金额 by source), 年度总体目标,
and the indicator grid with 一级/二级 levels merged. A region is shown only the indicators that apply
to it: an indicator tied to pools (`pools = [...]` in the policy) applies where the region receives
money from one of them, and an indicator computed from data applies where its value is not zero.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocator.engine import AllocationResult, RegionData
from allocator.errors import PolicyError, Problem
from allocator.export import layout as L
from allocator.export.allocation_table import source_leaves
from allocator.export.csv_safe import put
from allocator.funds.targets import indicator_value, target_tables
from allocator.policy.model import Indicator, Level, Policy

LEVELS = ("一级指标", "二级指标", "三级指标", "指标值")


@dataclass(frozen=True)
class Departments:
    """Who is named in the table's header rows. Defaults: the 医疗救助 transfer (as in 广元市医疗保障局《广元市转移支付区域（项目）绩效目标自评表（2023年度）》:
    中央主管部门 财政部、国家医保局; 地方主管部门 省财政厅、省医保局; the county's 医保局 uses the money)."""

    program: str  # 转移支付名称
    central: str = "财政部、国家医疗保障局"
    local: str = "省财政厅、省医疗保障局"
    user: str = "{name}医疗保障局"  # 资金使用单位; {name} is the region


@dataclass(frozen=True)
class SourceAmount:
    label: str  # e.g. 中央一般公共预算·常规分配
    central: bool
    wan: float


@dataclass(frozen=True)
class RegionSheet:
    """One region's 区域绩效目标表, ready to lay out."""

    code: str
    name: str
    user: str
    total: float  # 万元
    central: float
    local: float
    sources: tuple[SourceAmount, ...]
    goal: str
    indicators: tuple[tuple[str, str, str, str], ...]  # 一级, 二级, 三级, 指标值 — grouped by level


def program_name(policy: Policy) -> str:
    """转移支付名称 from the allocation table's title: 2020年中央和省级财政医疗救助补助资金分配表 →
    中央和省级财政医疗救助补助资金."""
    return policy.title.removeprefix(f"{policy.year}年").removesuffix("分配表")


def grouped(indicators: list[Indicator]) -> list[Indicator]:
    """Stable order with equal 一级 and then equal 二级 levels next to each other, so that they merge."""
    first1: dict[str, int] = {}
    first2: dict[tuple[str, str], int] = {}
    for k, ind in enumerate(indicators):
        first1.setdefault(ind.level1, k)
        first2.setdefault((ind.level1, ind.level2), k)
    return sorted(indicators, key=lambda ind: (first1[ind.level1], first2[(ind.level1, ind.level2)]))


def applies(indicator: Indicator, pool_units: np.ndarray, pool_index: dict[str, int],
            columns: dict[str, np.ndarray], i: int) -> bool:
    """Whether an indicator belongs in region i's table (see the module docstring)."""
    if indicator.pools and not any(pool_units[pool_index[p]] > 0 for p in indicator.pools):
        return False
    if indicator.columns and indicator.text is None:
        return bool(sum(columns[c][i] for c in indicator.columns) != 0)
    return True


def check_indicator_pools(policy: Policy) -> None:
    if policy.performance is None:
        return
    known = {p.id for p in policy.pools}
    problems = [Problem(f"绩效指标「{ind.name}」的 pools 中「{p}」不是本政策的资金池（{'、'.join(sorted(known))}）",
                        key=f"performance.indicators.{ind.name}.pools", value=p)
                for ind in policy.performance.indicators for p in ind.pools if p not in known]
    if problems:
        raise PolicyError(problems)


def region_sheets(result: AllocationResult, data: RegionData, departments: Departments | None = None
                  ) -> list[RegionSheet]:
    """One sheet per region of the result, amounts from the engine's integers."""

    policy = result.policy
    base = target_tables(result, data)  # checks [performance] and its columns; gives the goal text
    check_indicator_pools(policy)
    departments = departments or Departments(program_name(policy))
    pool_index = {p.id: j for j, p in enumerate(policy.pools)}
    index = {code: k for k, code in enumerate(data.codes)}
    leaves = source_leaves(policy.pools)
    assert policy.performance is not None  # target_tables has refused a policy without one
    indicators = grouped(list(policy.performance.indicators))
    sheets = []
    for r, t in enumerate(base):
        units = result.amounts[r]
        i = index[t.code]
        sources = tuple(
            SourceAmount(_leaf_label(leaf.path), leaf.path[0] == Level.CENTRAL,
                         float(result.to_wan(units[list(leaf.pools)].sum())))
            for leaf in leaves)
        central_units = sum(int(units[j]) for j, p in enumerate(policy.pools) if p.level == Level.CENTRAL)
        rows = tuple((ind.level1, ind.level2, ind.name, indicator_value(ind, data.columns, i))
                     for ind in indicators if applies(ind, units, pool_index, data.columns, i))
        sheets.append(RegionSheet(
            t.code, t.name, departments.user.format(name=t.name), float(result.to_wan(units.sum())),
            float(result.to_wan(central_units)), float(result.to_wan(int(units.sum()) - central_units)),
            sources, t.goal, rows))
    return sheets


def _leaf_label(path: tuple[str, ...]) -> str:
    head = f"{path[0]}{path[1]}"
    return head if len(path) == 2 else f"{head}·{path[2]}"


def merged_runs(values: list[str]) -> list[tuple[int, int]]:
    """(first, last) index of each run of equal neighbouring values."""
    runs = []
    start = 0
    for k in range(1, len(values) + 1):
        if k == len(values) or values[k] != values[start]:
            runs.append((start, k - 1))
            start = k
    return runs


def fmt_wan(amount, decimals: int) -> str:
    """A cell as printed: numbers with thousands separators and the table's decimals, 0 blank."""
    if isinstance(amount, str):
        return amount
    return "" if amount == 0 else f"{amount:,.{decimals}f}"


def money(amount: float, decimals: int):
    """An amount as stored in a workbook cell: int for whole 万元, None (blank) for 0."""
    if amount == 0:
        return None
    return int(round(amount)) if decimals == 0 else amount


def grid_rows(sheet: RegionSheet, departments: Departments, decimals: int) -> tuple[list[list], list[tuple]]:
    """The table of one region as 5 columns (text, or a number for money) and its merges (r0, c0, r1,
    c1), 0-based.

    Columns: A label | B 一级 | C 二级 | D 三级 | E 指标值 (the header rows use B–E for their values)."""
    rows: list[list[str]] = []
    merges: list[tuple] = []

    def add(cells, spans=()):
        r = len(rows)
        rows.append(cells)
        merges.extend((r, c0, r, c1) for c0, c1 in spans)

    add(["转移支付名称", departments.program, "", "", ""], [(1, 4)])
    add(["中央主管部门", departments.central, "", "", ""], [(1, 4)])
    add(["地方主管部门", departments.local, "", "资金使用单位", sheet.user], [(1, 2)])
    money_top = len(rows)
    add(["资金情况（万元）", "年度金额", "", money(sheet.total, decimals), ""], [(1, 2), (3, 4)])
    for central in (True, False):
        label = "其中：中央补助" if central else "其中：地方资金"
        add(["", label, "", money(sheet.central if central else sheet.local, decimals), ""], [(1, 2), (3, 4)])
        for s in sheet.sources:
            if s.central == central:
                add(["", f"　{s.label}", "", money(s.wan, decimals), ""], [(1, 2), (3, 4)])
    merges.append((money_top, 0, len(rows) - 1, 0))
    add(["年度总体目标", sheet.goal, "", "", ""], [(1, 4)])
    indicator_top = len(rows)
    add(["绩效指标", *LEVELS])
    for row in sheet.indicators:
        add(["", *row])
    merges.append((indicator_top, 0, len(rows) - 1, 0))
    body = indicator_top + 1
    level1 = [row[0] for row in sheet.indicators]
    level12 = [row[0] + "|" + row[1] for row in sheet.indicators]
    for col, values in ((1, level1), (2, level12)):
        for a, b in merged_runs(values):
            if b > a:
                merges.append((body + a, col, body + b, col))
    return rows, merges


WIDTHS_MM = (31, 24, 30, 45, 26)  # sums to the 156 mm portrait text block; 6 字 of 小4 fit in column A
XL_WIDTHS = (16, 14, 18, 34, 18)  # workbook column widths, characters


def line_counts(rows: list[list], merges: list[tuple], widths) -> list[int]:
    """Lines each row needs when its text wraps in its (merged) cell: a CJK character is about two
    width units. Vertically merged cells are left out (they have several rows to fill)."""
    span = {(r0, c0): (c0, c1) for r0, c0, r1, c1 in merges if r0 == r1}
    tall = {(r0, c0) for r0, c0, r1, c1 in merges if r1 > r0}
    out = []
    for r, cells in enumerate(rows):
        lines = 1
        for c, value in enumerate(cells):
            if not isinstance(value, str) or not value or (r, c) in tall:
                continue
            c0, c1 = span.get((r, c), (c, c))
            width = sum(widths[c0:c1 + 1]) - 1
            units = sum(2 if ord(ch) > 0x2E80 else 1 for ch in value)
            lines = max(lines, -(-units // max(int(width), 1)))
        out.append(lines)
    return out


def write_targets_docx(sheets: list[RegionSheet], title: str, departments: Departments, decimals: int, path,
                       note: str | None = None, number: int | str | None = 2, fonts=None) -> None:
    """One page per region: 附件N, the title, the region, then its table (GB/T 9704 portrait A4).

    Regions whose tables have the same shape share one laid-out table, copied and filled with each
    region's text (laying out 183 tables cell by cell in python-docx took about 30 s)."""

    fonts = fonts or L.FONTS
    doc = L.new_document(fonts)
    width = L.text_width_mm(doc.sections[0])
    shapes: dict[tuple, object] = {}
    for k, sheet in enumerate(sheets):
        label = L.paragraph(doc, "附件" if number in (None, "") else f"附件{number}", fonts.label, L.SIZE_3)
        label.paragraph_format.page_break_before = k > 0
        L.title(doc, title, fonts, size=L.SIZE_3)
        L.left_right_line(doc, f"地区：{sheet.code} {sheet.name}", "单位：万元", width, fonts)
        _targets_table(doc, sheet, departments, decimals, fonts, shapes)
        if note:
            L.paragraph(doc, note, fonts.body, L.SIZE_5)
    doc.save(path)


MARK = "\ue000{}\ue001"  # private-use characters around a cell position in a shared table layout


def _targets_table(doc, sheet: RegionSheet, departments: Departments, decimals: int, fonts,
                   shapes: dict[tuple, object]) -> None:
    import copy
    import re

    from docx.oxml.ns import qn

    rows, merges = grid_rows(sheet, departments, decimals)
    texts = [[fmt_wan(v, decimals) if v is not None else "" for v in cells] for cells in rows]
    numeric = tuple(tuple(isinstance(v, (int, float)) for v in cells) for cells in rows)
    shape = (tuple(merges), numeric, tuple(r[0] for r in rows))
    if shape not in shapes:
        marked = [[MARK.format(f"{r},{c}") for c in range(len(cells))] for r, cells in enumerate(rows)]
        table = _lay_out_table(doc, rows, marked, merges, fonts)
        shapes[shape] = copy.deepcopy(table._tbl)
        tbl = table._tbl
    else:
        tbl = copy.deepcopy(shapes[shape])
        doc.element.body._insert_tbl(tbl)
    pattern = re.compile("\ue000(\\d+),(\\d+)\ue001")
    for t in tbl.iter(qn("w:t")):
        found = pattern.fullmatch(t.text or "")
        if found:
            t.text = texts[int(found.group(1))][int(found.group(2))]


def _lay_out_table(doc, rows: list[list], texts: list[list[str]], merges: list[tuple], fonts):
    from docx.enum.text import WD_ALIGN_PARAGRAPH


    first_indicator = next(r for r, cells in enumerate(rows) if cells[0] == "绩效指标")
    t = doc.add_table(rows=len(rows), cols=5)
    L.table_borders(t)
    L.fixed_widths(t, list(WIDTHS_MM))
    covered = {(r, c) for r0, c0, r1, c1 in merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)
               if (r, c) != (r0, c0)}
    grid = [list(tr.cells) for tr in t.rows]  # fetched once: python-docx recomputes the grid per t.cell()
    for r0, c0, r1, c1 in merges:  # disjoint ranges, so each corner cell is still in the tree
        grid[r0][c0].merge(grid[r1][c1])
    for r, tr in enumerate(t.rows):
        L.keep_row_together(tr)
        for c, text in enumerate(texts[r]):
            if (r, c) in covered:
                continue
            head = c == 0 or r == first_indicator
            centred = head or r > first_indicator or isinstance(rows[r][c], (int, float)) or r <= 2 and c == 3
            cell = grid[r][c]
            L.cell_text(cell, text, fonts.label if head else fonts.body, L.SIZE_SMALL_4 if head else L.SIZE_5 + 1,
                        align=WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.LEFT)
            for extra in cell.paragraphs[1:]:
                extra._element.getparent().remove(extra._element)
    return t


def write_targets_xlsx(sheets: list[RegionSheet], title: str, departments: Departments, decimals: int, path,
                       note: str | None = None, number: int | str | None = 2) -> None:
    """All regions on one sheet, a manual page break before each region, one page wide, portrait."""
    from openpyxl import Workbook
    from openpyxl.worksheet.pagebreak import Break


    wb = Workbook()
    wb.properties.creator = "allocator"  # lets a later run recognise its own output
    ws = wb.active
    ws.title = "区域绩效目标表"
    row = 1
    for k, sheet in enumerate(sheets):
        if k:
            ws.row_breaks.append(Break(id=row - 1))
        put(ws, row, 1, "附件" if number in (None, "") else f"附件{number}").font = L.xl_font(L.HEITI, 14)
        put(ws, row + 1, 1, title).font = L.xl_font(L.XIAOBIAOSONG, 16)
        L.merge(ws, row + 1, 1, row + 1, 5)
        ws.cell(row + 1, 1).alignment = L.CENTER
        ws.row_dimensions[row + 1].height = 30
        put(ws, row + 2, 1, f"地区：{sheet.code} {sheet.name}").font = L.xl_font(L.FANGSONG, 11)
        put(ws, row + 2, 5, "单位：万元").font = L.xl_font(L.FANGSONG, 11)
        ws.cell(row + 2, 5).alignment = L.RIGHT
        top = row + 3
        rows, merges = grid_rows(sheet, departments, decimals)
        first_indicator = next(r for r, cells in enumerate(rows) if cells[0] == "绩效指标")
        for r, cells in enumerate(rows):
            for c, value in enumerate(cells):
                cell = put(ws, top + r, c + 1, None if value == "" else value)
                head = c == 0 or r == first_indicator
                cell.font = L.xl_font(L.HEITI if head else L.FANGSONG, 11)
                centred = head or r > first_indicator or isinstance(value, (int, float))
                cell.alignment = L.CENTER if centred else L.LEFT
                cell.border = L.BOX
                if isinstance(value, (int, float)):
                    cell.number_format = "#,##0" if decimals == 0 else "#,##0.00"
        for r0, c0, r1, c1 in merges:
            L.merge(ws, top + r0, c0 + 1, top + r1, c1 + 1)
        for r, lines in enumerate(line_counts(rows, merges, XL_WIDTHS)):
            ws.row_dimensions[top + r].height = 15 * lines + 3
        row = top + len(rows)
        if note:
            put(ws, row, 1, note).font = L.xl_font(L.FANGSONG, 9)
            row += 1
        row += 1
    for col, width in zip("ABCDE", XL_WIDTHS):
        ws.column_dimensions[col].width = width
    L.xl_print_setup(ws, None, False, "E", row)
    wb.save(path)
