"""区域绩效自评表 as attachments (.xlsx and .docx), one page per region, in the layout of the other
attachments (GB/T 9704 fonts and margins, `allocator.export.layout`).

The grid follows the 自评表 of seed 004: 资金情况 by source (全年预算数 A, 全年执行数 B, 执行率 B/A) with the
budget-execution marks, 年度总体目标 beside 全年实际完成情况, the indicator rows (一级/二级/三级指标, 年度指标值,
实际完成值, 分值, 得分, 偏差原因) and the total score. Every figure is the scored table's own (`funds.selfeval`).
"""
from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.pagebreak import Break

from allocator.export import layout as L
from allocator.export.csv_safe import put
from allocator.export.overwrite import CREATOR
from allocator.funds.selfeval import INDICATOR_HEADERS, RegionSelfEval

COLUMNS = len(INDICATOR_HEADERS)  # 8: the widest block sets the grid


def _marks(value: float) -> str:
    return f"{value:g}"


def selfeval_grid(e: RegionSelfEval) -> tuple[list[list[str]], list[tuple[int, int, int, int]]]:
    """The cells (rows × 8 columns, text) and the merged ranges (first row, first col, last row, last col;
    0-based) of one region's 自评表."""
    rows: list[list[str]] = []
    merges: list[tuple[int, int, int, int]] = []
    budget_top = len(rows)
    rows.append(["资金情况（万元）", "资金来源", "", "全年预算数（A）", "全年执行数（B）", "执行率（B/A）", "分值", "得分"])
    for k, line in enumerate(e.budget.itertuples(index=False)):
        first = k == 0
        rows.append(["", str(line[0]), "", f"{float(line[1]):,.2f}", f"{float(line[2]):,.2f}", str(line[3]),
                     _marks(e.budget_marks) if first else "", f"{e.budget_score:.2f}" if first else ""])
    budget_bottom = len(rows) - 1
    merges.append((budget_top, 0, budget_bottom, 0))
    for r in range(budget_top, budget_bottom + 1):
        merges.append((r, 1, r, 2))
    merges += [(budget_top + 1, 6, budget_bottom, 6), (budget_top + 1, 7, budget_bottom, 7)]
    goal_row = len(rows)
    rows.append(["年度总体目标", e.goal, "", "", "全年实际完成情况", e.achieved, "", ""])
    merges += [(goal_row, 1, goal_row, 3), (goal_row, 5, goal_row, 7)]
    rows.append(list(INDICATOR_HEADERS))
    first_indicator = len(rows)
    for line in e.indicators.itertuples(index=False):
        values = list(line)
        rows.append([str(values[0]), str(values[1]), str(values[2]), str(values[3]), str(values[4]),
                     _marks(float(values[5])), f"{float(values[6]):.2f}", str(values[7] or "")])
    merges += _runs(rows, first_indicator, 0) + _runs(rows, first_indicator, 1)
    total = len(rows)
    rows.append(["总分", "", "", "", "", "100", f"{e.score:.2f}", ""])
    merges.append((total, 0, total, 4))
    return rows, merges


def covered(merges: list[tuple[int, int, int, int]]) -> set[tuple[int, int]]:
    """Cells a merge hides (all but each range's top-left), left empty so no text is doubled."""
    return {(r, c) for r0, c0, r1, c1 in merges for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)
            if (r, c) != (r0, c0)}


def _runs(rows: list[list[str]], start: int, column: int) -> list[tuple[int, int, int, int]]:
    """Vertical merges of equal neighbouring labels in `column` (一级/二级指标), as published tables show."""
    out, r = [], start
    while r < len(rows):
        end = r
        while end + 1 < len(rows) and rows[end + 1][column] == rows[r][column] and \
                (column == 0 or rows[end + 1][0] == rows[r][0]):
            end += 1
        if end > r:
            out.append((r, column, end, column))
        r = end + 1
    return out


def write_selfeval_xlsx(evals: list[RegionSelfEval], title: str, path: str | Path, note: str | None = None,
                        number: int | str | None = None) -> None:
    """All regions on one sheet, a page break before each, one page wide, landscape."""
    wb = Workbook()
    wb.properties.creator = CREATOR
    ws = wb.active
    ws.title = "区域绩效自评表"
    row = 1
    for k, e in enumerate(evals):
        if k:
            ws.row_breaks.append(Break(id=row - 1))
        put(ws, row, 1, "附件" if number in (None, "") else f"附件{number}").font = L.xl_font(L.HEITI, 14)
        put(ws, row + 1, 1, title).font = L.xl_font(L.XIAOBIAOSONG, 16)
        L.merge(ws, row + 1, 1, row + 1, COLUMNS)
        ws.cell(row + 1, 1).alignment = L.CENTER
        put(ws, row + 2, 1, f"地区：{e.code} {e.name}").font = L.xl_font(L.FANGSONG, 11)
        put(ws, row + 2, COLUMNS, "单位：万元").font = L.xl_font(L.FANGSONG, 11)
        top = row + 3
        cells, merges = selfeval_grid(e)
        hidden = covered(merges)
        for r, values in enumerate(cells):
            prose = values[0] == "年度总体目标"
            for c, value in enumerate(values):
                cell = put(ws, top + r, c + 1, None if value == "" or (r, c) in hidden else value)
                cell.font = L.xl_font(L.HEITI if c == 0 or values == list(INDICATOR_HEADERS) else L.FANGSONG, 10)
                cell.alignment = L.LEFT if prose and c in (1, 5) or c == 7 else L.CENTER
                cell.border = L.BOX
            ws.row_dimensions[top + r].height = 60 if prose else None
        for r0, c0, r1, c1 in merges:
            L.merge(ws, top + r0, c0 + 1, top + r1, c1 + 1)
        row = top + len(cells) + (2 if note else 1)
        if note:
            put(ws, row - 1, 1, note).font = L.xl_font(L.FANGSONG, 9)
    for letter, width in zip("ABCDEFGH", (12, 12, 24, 16, 16, 12, 8, 28)):
        ws.column_dimensions[letter].width = width
    L.xl_print_setup(ws, None, True, "H", row)
    wb.save(path)


def write_selfeval_docx(evals: list[RegionSelfEval], title: str, path: str | Path, note: str | None = None,
                        number: int | str | None = None) -> None:
    """One landscape A4 page per region: 附件N, the title, the region, then its 自评表."""
    fonts = L.FONTS
    doc = L.new_document(fonts, landscape=True)
    width = L.text_width_mm(doc.sections[0])
    for k, e in enumerate(evals):
        label = L.paragraph(doc, "附件" if number in (None, "") else f"附件{number}", fonts.label, L.SIZE_3)
        label.paragraph_format.page_break_before = k > 0
        L.title(doc, title, fonts, size=L.SIZE_3)
        L.left_right_line(doc, f"地区：{e.code} {e.name}", "单位：万元", width, fonts)
        cells, merges = selfeval_grid(e)
        hidden = covered(merges)
        table = doc.add_table(rows=len(cells), cols=COLUMNS)
        L.table_borders(table)
        L.fixed_widths(table, [w * width / 148 for w in (12, 12, 24, 16, 16, 12, 10, 46)])
        for r, values in enumerate(cells):
            for c, value in enumerate(values):
                head = c == 0 or values == list(INDICATOR_HEADERS)
                text = "" if (r, c) in hidden else value
                L.cell_text(table.cell(r, c), text, fonts.label if head else fonts.body, L.SIZE_5, bold=False)
        for r0, c0, r1, c1 in merges:
            table.cell(r0, c0).merge(table.cell(r1, c1))
        if note:
            L.paragraph(doc, note, fonts.body, L.SIZE_5)
    doc.save(str(path))
