"""Write an allocation result as .csv (UTF-8 with BOM, one row per region) or .xlsx (office-ready).

Both carry the final amount per pool and the 合计, then the trace of every stage, with Chinese
headers. Amounts come from the result's integers, so every total in every sheet is exact.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from allocator import __version__
from allocator.engine.result import AllocationResult, label_binding
from allocator.errors import InputError, Problem
from allocator.export.csv_safe import append, safe_frame
from allocator.funds.sources import source_table, source_totals

TRACE_SKIP = {"code", "name"}


def result_frame(result: AllocationResult) -> pd.DataFrame:
    """Region rows: code, name, pools, 合计, the total of each funding source that holds several pools
    (e.g. 中央一般公共预算 = 常规分配 + 深度贫困定向), then the trace columns — all with Chinese headers."""
    table = result.table().rename(columns=result.column_labels())
    trace = result.trace_frame().drop(columns=list(TRACE_SKIP))
    for col in trace.columns:
        if col == "binding" or col.endswith(":binding"):  # codes → 保底 / 封顶 for people
            trace[col] = label_binding(trace[col])
    return pd.concat([table, shared_source_totals(result), trace.rename(columns=result.column_labels())], axis=1)


def shared_source_totals(result: AllocationResult) -> pd.DataFrame:
    """Per region, the total of every funding source split over several pools ("<source>·小计(万元)"),
    summed from the integer cells, so the source total a notice quotes (213,294) is in every row."""
    table = source_table(result)
    sources = [str(column[0]) for column in table.columns if column[1] == "小计"]
    return pd.DataFrame({f"{source}·小计(万元)": table[(source, "小计")].to_numpy() for source in sources})


def sources_frame(result: AllocationResult) -> pd.DataFrame:
    """The totals by funding source × purpose with a 小计 per source and the 合计 (万元)."""
    return source_totals(result)


def write_csv(result: AllocationResult, path: str | Path, note: str | None = None) -> None:
    """UTF-8 with BOM so spreadsheet software opens the Chinese headers correctly; text that would
    run as a formula is neutralised (allocator.export.csv_safe). A `note` (e.g.
    示例数据) becomes a last column 数据说明 on every row, so it travels with any row copied out."""
    frame = result_frame(result)
    if note:
        frame["数据说明"] = note
    safe_frame(frame).to_csv(path, index=False, encoding="utf-8-sig")  # "=1+1" stays text


def write_xlsx(result: AllocationResult, path: str | Path, note: str | None = None) -> None:
    """Workbook: 分配表 (official layout, 合计 first), 测算过程 (trace), 政策参数, 运行信息.
    A `note` (e.g. 示例数据) is written under the title."""
    wb = Workbook()
    wb.properties.creator = "allocator"  # lets a later run recognise its own output
    _allocation_sheet(wb.active, result, note)
    frame_sheet(wb.create_sheet("按资金来源"), sources_frame(result))
    frame_sheet(wb.create_sheet("测算过程"), result_frame(result))
    frame_sheet(wb.create_sheet("政策参数"), parameters_frame(result))
    frame_sheet(wb.create_sheet("运行信息"), run_info_frame(result))
    wb.save(path)


def _allocation_sheet(ws, result: AllocationResult, note: str | None = None) -> None:
    policy = result.policy
    ws.title = "分配表"
    table = result.table().rename(columns=result.column_labels())
    n_cols = len(table.columns)
    title_rows(ws, policy.title, n_cols, note)
    append(ws, list(table.columns))
    totals = ["", "合计"] + [v.item() for v in result.to_wan(result.pool_units)] + [
        result.to_wan(result.region_units.sum()).item()]
    append(ws, totals)
    number_format = "#,##0" if policy.rounding.decimals == 0 else "#,##0.00"
    for row in table.itertuples(index=False):
        append(ws, [None if is_zero(v) else plain(v) for v in row])  # blank cells, not 0, as in notices
    for row in ws.iter_rows(min_row=4, min_col=3):
        for cell in row:
            cell.number_format = number_format
    for cell in ws[3] + ws[4]:
        cell.font = Font(bold=True)
    _autowidth(ws)


def title_rows(ws, title: str, n_cols: int, note: str | None) -> None:
    """The two rows above a notice's table: the centred title, then the note (e.g. 示例数据) at the left
    and 单位：万元 at the top right."""
    append(ws, [title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(n_cols, 1))
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    append(ws, [note or ""] + [""] * (n_cols - 2) + ["单位：万元"])


def plain(v):
    """NumPy scalars → Python scalars, which openpyxl writes."""
    return v.item() if hasattr(v, "item") else v


def is_zero(v) -> bool:
    return not isinstance(v, str) and v == 0


def frame_sheet(ws, frame: pd.DataFrame) -> None:
    append(ws, list(frame.columns))
    for row in frame.itertuples(index=False):
        append(ws, [plain(v) for v in row])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    _autowidth(ws)


def _autowidth(ws) -> None:
    for i, column in enumerate(ws.iter_cols(min_row=3 if ws.title == "分配表" else 1), 1):
        width = max((len(str(c.value)) for c in column if c.value is not None), default=4)
        ws.column_dimensions[get_column_letter(i)].width = min(max(width * 1.6, 8), 40)


def parameters_frame(result: AllocationResult) -> pd.DataFrame:
    """Every numeric policy parameter with its value, unit and source."""
    rows = [(p.path, p.description, p.value, p.unit, p.source) for p in result.policy.parameters]
    return pd.DataFrame(rows, columns=["参数", "说明", "数值", "单位", "来源"])


def run_info_frame(result: AllocationResult) -> pd.DataFrame:
    p = result.policy
    rows = [("政策", f"{p.id}：{p.title}"), ("年度", p.year), ("政策来源", p.source),
            ("目标函数", result.solution.objective), ("求解方法", result.solution.method),
            ("取整单位(万元)", result.unit), ("运行指纹", result.fingerprint),
            ("程序版本", f"allocator {__version__}")]
    return pd.DataFrame(rows, columns=["项目", "内容"])


def write_result(result: AllocationResult, path: str | Path, note: str | None = None) -> None:
    """Write by suffix: .csv or .xlsx."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        write_csv(result, path, note)
    elif suffix == ".xlsx":
        write_xlsx(result, path, note)
    else:
        raise InputError([Problem(f"不支持的输出格式「{suffix}」：请用 .csv 或 .xlsx", key="out", value=str(path))])
