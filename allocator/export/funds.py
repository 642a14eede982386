"""Workbooks for the money as it moves: settlement (全年 | 提前下达 | 此次下达) and two tiers (the
区域绩效目标表 issued with the money is `targets_doc.write_targets_xlsx`). Layout follows the 分配表 of the
published notices (财政部's on 中央财政城乡医疗救助补助资金; 四川省财政厅's 川财社 notice of 2016): title, 单位：万元
at the top right, 合计 row first, regions in code order, blank cells rather than 0, two-level headers.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from allocator.export.csv_safe import append
from allocator.export.tables import frame_sheet, is_zero, parameters_frame, plain, run_info_frame, title_rows
from allocator.funds.advance import SettlementResult, deadlines
from allocator.funds.tiers import TwoTierResult

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
TIMING = ("全年", "提前下达", "此次下达")


def write_settlement_xlsx(settlement: SettlementResult, path: str | Path, note: str | None = None) -> None:
    """分配表 with a two-level header (资金池 × 全年/提前下达/此次下达), 说明 (excess advances, deadlines),
    政策参数 and 运行信息. A negative 此次下达 is money to claw back (收回)."""
    result = settlement.full_year
    policy = result.policy
    wb = Workbook()
    wb.properties.creator = "allocator"  # lets a later run recognise its own output
    ws = wb.active
    ws.title = "分配表"
    groups = [p.label for p in policy.pools] + ["合计"]
    n_cols = 2 + 3 * len(groups)
    title_rows(ws, policy.title, n_cols, note)
    append(ws, ["地区代码", "地区名称"] + [g for g in groups for _ in TIMING])
    append(ws, ["", ""] + [t for _ in groups for t in TIMING])
    header_row = ws.max_row - 1
    for k in range(len(groups)):
        col = 3 + 3 * k
        ws.merge_cells(start_row=header_row, start_column=col, end_row=header_row, end_column=col + 2)
    for col in (1, 2):
        ws.merge_cells(start_row=header_row, start_column=col, end_row=header_row + 1, end_column=col)
    table = settlement.table()
    value_columns = [c for c in table.columns if c not in ("地区代码", "地区名称", "说明")]
    totals = table[value_columns].sum()
    append(ws, ["", "合计"] + [plain(totals[c]) for c in value_columns])
    for row in table[["地区代码", "地区名称", *value_columns]].itertuples(index=False):
        append(ws, [None if is_zero(v) else plain(v) for v in row])
    _format_numbers(ws, header_row + 2, 3, policy.rounding.decimals)
    _bold_rows(ws, header_row, header_row + 2)
    _box(ws, header_row)
    _widths(ws, [10, 14] + [12] * (n_cols - 2))
    ws.freeze_panes = ws.cell(row=header_row + 2, column=3)
    frame_sheet(wb.create_sheet("说明"), settlement_notes_frame(settlement))
    frame_sheet(wb.create_sheet("政策参数"), parameters_frame(result))
    frame_sheet(wb.create_sheet("运行信息"), run_info_frame(result))
    wb.save(path)


def settlement_notes_frame(settlement: SettlementResult) -> pd.DataFrame:
    """Regions whose advance exceeds the full-year amount or that must return money, and the deadlines."""
    result = settlement.full_year
    rows = [(c, n, note) for c, n, note in zip(result.codes, result.names, settlement.notes()) if note]
    policy = result.policy
    if policy.settlement and policy.settlement.received:
        from datetime import date

        d = deadlines(date.fromisoformat(policy.settlement.received), int(policy.settlement.pass_on_days))
        rows.append(("", "资金到达日期", d.received.isoformat()))
        rows.append(("", "转下达截止日期", f"{d.pass_on_by.isoformat()}（收到后 {policy.settlement.pass_on_days:g} 日内，预算法第五十二条）"))
    rule = "收回差额" if settlement.rule == "claw_back" else "全年数提高到提前下达数，差额由其他地区按比例分担"
    rows.append(("", "提前下达超过全年数时的处理", rule))
    return pd.DataFrame(rows, columns=["地区代码", "地区名称", "说明"])


def write_two_tier_xlsx(two_tier: TwoTierResult, path: str | Path, comparison: pd.DataFrame | None = None,
                        note: str | None = None) -> None:
    """市州分配表 (province → prefectures), 县级分配表 (every final recipient with its path), the notes,
    and, when given, 路径比较 (two tiers vs direct-to-county, per county)."""
    top = two_tier.top
    pools = top.policy.pools
    wb = Workbook()
    wb.properties.creator = "allocator"  # lets a later run recognise its own output
    _amount_sheet(wb.active, "市州分配表", f"{top.policy.title}（市州）", top.table(), pools, top.policy, note)
    counties = two_tier.county_table()
    names = dict(zip(top.codes, top.names))
    counties["parent_code"] = [names.get(c, c) for c in counties["parent_code"]]  # 所属市州 by name
    _amount_sheet(wb.create_sheet(), "县级分配表", f"{top.policy.title}（县级）", counties, pools, top.policy, note,
                  extra=("parent_code", "path"))
    if comparison is not None:
        labels = {"code": "地区代码", "name": "地区名称", "path": "分配路径", "two_tier_total": "经市州分配(万元)",
                  "direct_total": "直接分配到县(万元)", "difference": "差额(万元)", "difference_share": "差额占比"}
        frame_sheet(wb.create_sheet("路径比较"), comparison.rename(columns=labels))
        _percent_column(wb["路径比较"], list(comparison.columns).index("difference_share") + 1
                        if "difference_share" in comparison.columns else None)
    if two_tier.notes:
        frame_sheet(wb.create_sheet("说明"), pd.DataFrame({"说明": two_tier.notes}))
    wb.save(path)


def _amount_sheet(ws, sheet_title: str, title: str, table: pd.DataFrame, pools, policy, note,
                  extra: tuple[str, ...] = ()) -> None:
    ws.title = sheet_title
    labels = {"code": "地区代码", "name": "地区名称", "parent_code": "所属市州", "path": "分配路径",
              **{p.id: f"{p.label}" for p in pools}, "total": "合计"}
    columns = ["code", "name", *extra, *[p.id for p in pools], "total"]
    n_cols = len(columns)
    title_rows(ws, title, n_cols, note)
    append(ws, [labels[c] for c in columns])
    header_row = ws.max_row
    first_amount = 3 + len(extra)
    sums = table[[p.id for p in pools] + ["total"]].sum()
    append(ws, ["", "合计"] + [""] * len(extra) + [plain(sums[c]) for c in [p.id for p in pools] + ["total"]])
    for row in table[columns].itertuples(index=False):
        append(ws, [None if is_zero(v) else plain(v) for v in row])
    _format_numbers(ws, header_row + 1, first_amount, policy.rounding.decimals)
    _bold_rows(ws, header_row, header_row + 2)
    _box(ws, header_row)
    _widths(ws, [10, 16] + [10] * len(extra) + [14] * (len(pools) + 1))
    ws.freeze_panes = ws.cell(row=header_row + 1, column=3)


def _percent_column(ws, col: int | None) -> None:
    """差额占比 shown as a percentage (0.0123 → 1.23%), the value itself unchanged."""
    if col is None:
        return
    for row in ws.iter_rows(min_row=2, min_col=col, max_col=col):
        row[0].number_format = "0.00%"


def _format_numbers(ws, first_row: int, first_col: int, decimals: int) -> None:
    fmt = "#,##0" if decimals == 0 else "#,##0.00"
    for row in ws.iter_rows(min_row=first_row, min_col=first_col):
        for cell in row:
            cell.number_format = fmt


def _bold_rows(ws, first: int, stop: int) -> None:
    for r in range(first, stop):
        for cell in ws[r]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _box(ws, first_row: int) -> None:
    for row in ws.iter_rows(min_row=first_row, max_row=ws.max_row):
        for cell in row:
            cell.border = BOX


def _widths(ws, widths: Sequence[float]) -> None:
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w

