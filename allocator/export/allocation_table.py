"""The 分配表 as a notice's attachment: a header of two (or more) levels by funding source and purpose,
and by timing where there is an advance; the 合计 row first; prefectures (市州) in code order, each
with its 小计 row and its counties beneath; blank cells instead of 0.

Layout from the published tables (the 分配表 attached to 财政部's notices on 中央财政城乡医疗救助补助资金, and
to a 市's forwarding of 四川省财政厅's 2016 川财社 notice on 医疗救助 money): title, 单位：万元 at the top
right, money split by source (一般预算 | 彩票公益金) and purpose (常规分配 | 贫困县定向分配), or by timing
(全年 | 提前下达 | 此次下达). Every number is a sum of the engine's integer units, converted to 万元 once
(`AllocationResult.to_wan`): nothing is re-rounded, so every row and column adds up exactly.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from allocator.dataset.reference import names_in_year
from allocator.engine.result import AllocationResult
from allocator.export import layout as L
from allocator.export.csv_safe import put
from allocator.funds.advance import SettlementResult
from allocator.policy.model import Level, Pool, Purpose

TOTAL = "合计"
SUBTOTAL = "小计"
REGULAR_LABEL = "常规分配"
DIRECT_GROUP = "省直管县（市）"
TIMING_FULL, TIMING_ADVANCE, TIMING_NOW, TIMING_BACK = "全年", "已提前下达", "此次下达", "收回"
LEVEL_ORDER = {level: i for i, level in enumerate(Level)}


@dataclass(frozen=True)
class Leaf:
    """One money column by source and purpose: its header path and the pools (indices) it adds up."""

    path: tuple[str, ...]
    pools: tuple[int, ...]


def source_leaves(pools: tuple[Pool, ...]) -> list[Leaf]:
    """Columns by funding source (level, then kind, in order of first appearance) and, where a source
    has several purposes, by purpose: 常规分配 (the regular pools added up) and one column per earmarked
    pool under its own label. Header path: (中央, 一般公共预算[, 常规分配 | <pool label>])."""
    sources: dict[tuple, list[int]] = {}
    for j, pool in enumerate(pools):
        sources.setdefault(pool.funding_source, []).append(j)
    ordered = sorted(sources, key=lambda s: (LEVEL_ORDER.get(s[0], len(LEVEL_ORDER)), list(sources).index(s)))
    leaves = []
    for level, kind in ordered:
        members = sources[(level, kind)]
        regular = tuple(j for j in members if pools[j].purpose == Purpose.REGULAR)
        earmarked = [j for j in members if pools[j].purpose == Purpose.EARMARKED]
        head = (str(level), kind)
        if len(earmarked) + (1 if regular else 0) == 1:
            leaves.append(Leaf(head, tuple(members)))
            continue
        if regular:
            leaves.append(Leaf(head + (REGULAR_LABEL,), regular))
        leaves += [Leaf(head + (pools[j].label,), (j,)) for j in earmarked]
    return leaves


@dataclass(frozen=True)
class Column:
    """A column of the table: header path (top to bottom) and integer units per region."""

    path: tuple[str, ...]
    units: np.ndarray  # int64 per region, in rounding units


def allocation_columns(result: AllocationResult) -> list[Column]:
    """合计, then one column per source × purpose (full-year amounts)."""
    amounts = result.amounts
    columns = [Column((TOTAL,), amounts.sum(axis=1))]
    for leaf in source_leaves(result.policy.pools):
        columns.append(Column(leaf.path, amounts[:, list(leaf.pools)].sum(axis=1)))
    return columns


def settlement_columns(settlement: SettlementResult) -> list[Column]:
    """全年 | 已提前下达 | 此次下达 (小计, then by source × purpose) | 收回.

    Per region: 全年 − 已提前下达 = 此次下达 − 收回. A pool whose advance exceeds its full-year cell
    gives a 收回 amount, never a negative 此次下达.
    """
    full = settlement.full_year.amounts
    to_issue = settlement.to_issue
    issue = np.maximum(to_issue, 0)
    back = np.maximum(-to_issue, 0)
    columns = [Column((TIMING_FULL,), full.sum(axis=1)),
               Column((TIMING_ADVANCE,), settlement.advance.sum(axis=1)),
               Column((TIMING_NOW, SUBTOTAL), issue.sum(axis=1))]
    for leaf in source_leaves(settlement.full_year.policy.pools):
        columns.append(Column((TIMING_NOW,) + leaf.path, issue[:, list(leaf.pools)].sum(axis=1)))
    columns.append(Column((TIMING_BACK,), back.sum(axis=1)))
    return columns


@dataclass(frozen=True)
class Row:
    kind: str  # total | subtotal | region
    label: str
    code: str
    units: tuple[int, ...]  # one per column


@dataclass(frozen=True)
class AllocationTable:
    """What the attachment shows, independent of the file format."""

    title: str
    columns: list[Column]
    rows: list[Row]
    decimals: int
    unit: float  # rounding unit, 万元
    notes: list[str] = field(default_factory=list)

    @property
    def depth(self) -> int:
        return max(len(c.path) for c in self.columns)

    def wan(self, units: int):
        """Integer units → 万元 (int for a 1 万元 unit; float with 2 decimals for 0.01)."""
        if self.decimals == 0:
            return int(units) * int(round(self.unit))
        return round(int(units) * self.unit, self.decimals)

    def text(self, units: int) -> str:
        """The cell as printed: thousands separators, blank for 0."""
        if units == 0:
            return ""
        return f"{self.wan(units):,.{self.decimals}f}"


def group_rows(codes, names, columns: list[Column], parent_of: dict[str, str], parent_names: dict[str, str],
               direct: tuple[str, ...] = ()) -> list[Row]:
    """合计, then each prefecture's 小计 followed by its counties, prefectures and standalone regions in
    code order; regions without a known prefecture stand alone; 省直管县 (`direct`) form their own group
    after the prefectures."""
    matrix = np.column_stack([c.units for c in columns]).astype(np.int64)
    codes = [str(c) for c in codes]
    rows = [Row("total", TOTAL, "", tuple(int(v) for v in matrix.sum(axis=0)))]
    groups: dict[str, list[int]] = {}
    for i, code in enumerate(codes):
        key = DIRECT_GROUP if code in direct else parent_of.get(code, code)
        groups.setdefault(key, []).append(i)
    order = sorted(k for k in groups if k != DIRECT_GROUP) + ([DIRECT_GROUP] if DIRECT_GROUP in groups else [])
    for key in order:
        members = sorted(groups[key], key=lambda i: codes[i])
        standalone = len(members) == 1 and codes[members[0]] == key
        if not standalone:
            label = key if key == DIRECT_GROUP else parent_names.get(key, key)
            rows.append(Row("subtotal", f"{label}{SUBTOTAL}", "" if key == DIRECT_GROUP else key,
                            tuple(int(v) for v in matrix[members].sum(axis=0))))
        for i in members:
            rows.append(Row("region", str(names[i]), codes[i], tuple(int(v) for v in matrix[i])))
    return rows


def in_year(rows: list[Row], year: int) -> list[Row]:
    """Region rows named as a table of `year` names them: a unit recoded later shows its code and name
    of that year (会理县 513425 in 2019 and 2020 tables, 会理市 513402 from 2021)."""
    regions = [r for r in rows if r.kind == "region"]
    codes, names = names_in_year([r.code for r in regions], [r.label for r in regions], year)
    renamed = {id(r): dataclasses.replace(r, code=c, label=n) for r, c, n in zip(regions, codes, names)}
    return [renamed.get(id(r), r) for r in rows]


def build_allocation_table(result: AllocationResult, parent_of: dict[str, str] | None = None,
                           parent_names: dict[str, str] | None = None, settlement: SettlementResult | None = None,
                           direct: tuple[str, ...] = (), note: str | None = None) -> AllocationTable:
    """The table model: columns by source × purpose (or by timing when a settlement is given) and rows
    grouped by prefecture. `parent_of`: county → prefecture code (the table's own parent_code column
    wins over the Sichuan list — the caller decides)."""
    columns = settlement_columns(settlement) if settlement is not None else allocation_columns(result)
    rows = in_year(group_rows(result.codes, result.names, columns, parent_of or {}, parent_names or {}, direct),
                   result.policy.year)
    notes = [note] if note else []
    notes += earmark_notes(result.policy.pools)
    if direct:
        notes.append(f"省直管县（市）{len(direct)} 个单列为一组。")
    return AllocationTable(result.policy.title, columns, rows, result.policy.rounding.decimals,
                           result.unit, notes)


def earmark_notes(pools: tuple[Pool, ...]) -> list[str]:
    """For each earmarked pool that shares its funding source with regular money: it is part of that
    source's total, not on top of it (the 2019 earmark is inside the 273,799 万元: the 383,770 万元 raised are
    stated "含提高深度贫困…部分" in 四川省医疗保障局《2019年度部门决算》附件2《四川省医疗救助补助专项资金绩效自评报告》(2020); reading it as general-budget money is
    ours — the report does not split it explicitly)."""
    out = []
    for pool in pools:
        if pool.purpose != Purpose.EARMARKED:
            continue
        if any(p.funding_source == pool.funding_source and p.purpose == Purpose.REGULAR for p in pools):
            out.append(f"注：「{pool.label}」资金属{pool.level}{pool.kind}，单列分配，含在合计内；"
                       f"仅分配至符合条件的地区，其他地区为空。")
    return out


def header_grid(paths: list[tuple[str, ...]]) -> tuple[list[list[str | None]], list[tuple[int, int, int, int]]]:
    """Header cells and merges for column header paths of unequal depth.

    Returns the grid (depth rows × columns; None where a cell is covered by a merge) and the merged
    ranges as (first row, first column, last row, last column), 0-based. A path shorter than the depth
    has its last label merged down to the bottom row; neighbouring columns with the same label under
    the same parent are merged across.
    """
    depth = max(len(p) for p in paths)
    n = len(paths)
    grid: list[list[str | None]] = [[None] * n for _ in range(depth)]
    merges = []
    for r in range(depth):
        c = 0
        while c < n:
            path = paths[c]
            if len(path) <= r:
                c += 1
                continue
            end = c
            while (end + 1 < n and len(paths[end + 1]) > r and paths[end + 1][:r + 1] == path[:r + 1]
                   and (len(paths[end + 1]) == r + 1) == (len(path) == r + 1)):
                end += 1
            bottom = depth - 1 if len(path) == r + 1 else r
            grid[r][c] = path[r]
            if bottom > r or end > c:
                merges.append((r, c, bottom, end))
            c = end + 1
    return grid, merges


# ---------------------------------------------------------------- heading of an attachment

@dataclass(frozen=True)
class Heading:
    """What stands above an attachment's table: 附件N, the 文号 placeholder, title, 科目, unit."""

    title: str
    number: int | str | None = 1  # 附件1
    doc_number: str = ""  # 文号 placeholder, e.g. "川财社〔2020〕  号"
    subject: str = ""  # 科目, e.g. "2101301 城乡医疗救助"
    unit_text: str = "单位：万元"

    @property
    def label(self) -> str:
        return "附件" if self.number in (None, "") else f"附件{self.number}"

    @property
    def subject_text(self) -> str:
        return f"科目：{self.subject}" if self.subject else ""


REGION_HEADER = "地区"
WIDE_COLUMNS = 6  # more columns than this: landscape


def is_wide(table: AllocationTable) -> bool:
    return len(table.columns) + 1 > WIDE_COLUMNS


# ---------------------------------------------------------------- .xlsx

def write_allocation_xlsx(table: AllocationTable, heading: Heading, path) -> None:
    """The attachment as a workbook: one sheet laid out and set up for printing like the .docx."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.properties.creator = "allocator"  # lets a later run recognise its own output
    allocation_sheet(wb.active, table, heading)
    wb.save(path)


def allocation_sheet(ws, table: AllocationTable, heading: Heading) -> None:
    """附件 label and 文号, title, 科目 and 单位, the merged header, 合计, 小计 and region rows, notes;
    fonts 仿宋/黑体/小标宋, borders, frozen header, print titles, one page wide, landscape where wide."""
    from openpyxl.utils import get_column_letter


    ws.title = "分配表"
    n = len(table.columns) + 1
    last = get_column_letter(n)
    put(ws, 1, 1, heading.label).font = L.xl_font(L.HEITI, 16)
    if heading.doc_number:
        cell = put(ws, 1, n, heading.doc_number)
        cell.font = L.xl_font(L.FANGSONG, 12)
        cell.alignment = Alignment_right()
    put(ws, 2, 1, heading.title).font = L.xl_font(L.XIAOBIAOSONG, 18)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=n)
    ws.cell(2, 1).alignment = L.CENTER
    ws.row_dimensions[2].height = 36
    put(ws, 3, 1, heading.subject_text).font = L.xl_font(L.FANGSONG, 12)
    put(ws, 3, n, heading.unit_text).font = L.xl_font(L.FANGSONG, 12)
    ws.cell(3, n).alignment = Alignment_right()
    if n > 2 and heading.subject_text:
        ws.merge_cells(start_row=3, start_column=1, end_row=3, end_column=n - 1)
    top = 4
    grid, merges = header_grid([(REGION_HEADER,)] + [c.path for c in table.columns])
    for r, labels in enumerate(grid):
        for c, label in enumerate(labels):
            put(ws, top + r, c + 1, label)
    for r0, c0, r1, c1 in merges:
        L.merge(ws, top + r0, c0 + 1, top + r1, c1 + 1)
    for r in range(len(grid)):
        longest = max((len(v or "") / _chars_per_line(13) for v in grid[r]), default=1)
        ws.row_dimensions[top + r].height = max(20, 15 * int(np.ceil(longest)) + 4)
    first_body = top + len(grid)
    number_format = "#,##0" if table.decimals == 0 else "#,##0.00"
    for i, row in enumerate(table.rows):
        r = first_body + i
        label = put(ws, r, 1, row.label)
        bold = row.kind != "region"
        label.font = L.xl_font(L.HEITI if bold else L.FANGSONG, 11)
        label.alignment = L.CENTER if row.kind == "total" else Alignment_indent(1 if row.kind == "region" else 0)
        for j, units in enumerate(row.units):
            cell = put(ws, r, j + 2, table.wan(units) if units else None)
            cell.number_format = number_format
            cell.font = L.xl_font(L.FANGSONG, 11, bold=bold)
    last_row = first_body + len(table.rows) - 1
    for row in ws.iter_rows(min_row=top, max_row=last_row, max_col=n):
        for cell in row:
            cell.border = L.BOX
            if cell.row < first_body:
                cell.font = L.xl_font(L.HEITI, 11)
                cell.alignment = L.CENTER
    for k, note in enumerate(table.notes):
        put(ws, last_row + 1 + k, 1, note).font = L.xl_font(L.FANGSONG, 10)
    ws.column_dimensions["A"].width = 20
    for j in range(2, n + 1):
        ws.column_dimensions[get_column_letter(j)].width = 13
    ws.freeze_panes = ws.cell(row=first_body, column=2)
    L.xl_print_setup(ws, (top, first_body - 1), is_wide(table), last, last_row + len(table.notes))


def _chars_per_line(width: float) -> float:
    return max(width / 2.2, 1)  # a CJK character is about two width units


def Alignment_right():  # noqa: N802 (reads as a constructor)
    from openpyxl.styles import Alignment

    return Alignment(horizontal="right", vertical="center")


def Alignment_indent(indent: int):  # noqa: N802
    from openpyxl.styles import Alignment

    return Alignment(horizontal="left", vertical="center", indent=indent)


# ---------------------------------------------------------------- .docx

REGION_WIDTH_MM = 34
ROW_HEIGHT_MM = 5.5


def write_allocation_docx(table: AllocationTable, heading: Heading, path, fonts=None) -> None:
    """The attachment as a GB/T 9704 document: landscape A4 where the table is wide."""

    fonts = fonts or L.FONTS
    doc = L.new_document(fonts, landscape=is_wide(table))
    add_allocation_table(doc, table, heading, fonts)
    doc.save(path)


def add_allocation_table(doc, table: AllocationTable, heading: Heading, fonts) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH


    section = doc.sections[-1]
    width = L.text_width_mm(section)
    first = doc.paragraphs[0] if doc.paragraphs and not doc.paragraphs[0].text else None
    if first is not None:
        first._element.getparent().remove(first._element)
    if heading.doc_number:
        p = L.paragraph(doc, "")
        from docx.enum.text import WD_TAB_ALIGNMENT
        from docx.shared import Mm

        p.paragraph_format.tab_stops.add_tab_stop(Mm(width), WD_TAB_ALIGNMENT.RIGHT)
        L.add_text(p, heading.label, fonts.label, L.SIZE_3)
        L.add_text(p, f"\t{heading.doc_number}", fonts.body, L.SIZE_SMALL_4)
    else:
        L.attachment_label(doc, heading.number, fonts)
    L.title(doc, heading.title, fonts)
    L.left_right_line(doc, heading.subject_text, heading.unit_text, width, fonts)
    size = L.SIZE_5 if len(table.columns) <= 8 else L.SIZE_SMALL_5
    grid, merges = header_grid([(REGION_HEADER,)] + [c.path for c in table.columns])
    n = len(table.columns) + 1
    t = doc.add_table(rows=len(grid) + len(table.rows), cols=n)
    L.table_borders(t)
    other = (width - REGION_WIDTH_MM) / (n - 1)
    L.fixed_widths(t, [REGION_WIDTH_MM] + [other] * (n - 1))
    rows = t.rows
    head_cells = [list(rows[r].cells) for r in range(len(grid))]
    for r0, c0, r1, c1 in merges:  # disjoint ranges: each corner cell is still in the tree
        head_cells[r0][c0].merge(head_cells[r1][c1])
    for r, labels in enumerate(grid):
        for c, label in enumerate(labels):
            if label is not None:
                L.cell_text(head_cells[r][c], label, fonts.label, size, align=WD_ALIGN_PARAGRAPH.CENTER)
        L.repeat_header(rows[r])
        L.keep_row_together(rows[r])
        L.min_height(rows[r], ROW_HEIGHT_MM)
    for i, row in enumerate(table.rows):
        tr = rows[len(grid) + i]
        L.keep_row_together(tr)
        L.min_height(tr, ROW_HEIGHT_MM)
        cells = tr.cells
        bold = row.kind != "region"
        face = fonts.label if bold else fonts.body
        align = WD_ALIGN_PARAGRAPH.CENTER if row.kind == "total" else WD_ALIGN_PARAGRAPH.LEFT
        L.cell_text(cells[0], row.label, face, size, align=align, indent_chars=1 if row.kind == "region" else 0)
        for j, units in enumerate(row.units):
            L.cell_text(cells[j + 1], table.text(units), fonts.body, size, bold=bold, align=WD_ALIGN_PARAGRAPH.RIGHT)
    for note in table.notes:
        L.paragraph(doc, note, fonts.body, L.SIZE_SMALL_4)
