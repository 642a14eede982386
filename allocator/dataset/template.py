"""Blank data-entry templates (填报模板): Chinese headers with units, one row per region.

A planner fills the template with official figures and imports it (`allocator.dataset.importer`);
the headers here are exactly what the importer recognises.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from allocator.columns import BY_ID, FIGURES, IDENTITY
from allocator.errors import InputError, Problem

TITLE = "医疗救助资金分配因素数据填报模板"
BASE_PREFIX = "上年分配·"


def base_header(pool_label: str) -> str:
    """Header of a last-year allocation column, e.g. 上年分配·中央财政一般公共预算(万元)."""
    return f"{BASE_PREFIX}{pool_label}(万元)"


def pool_base_column(pool) -> str:
    """Column id of a pool's last-year allocation: its `base_column` (Pool.base_column), else base_<id>."""
    return getattr(pool, "base_column", None) or f"base_{pool.id}"


def template_columns(columns: list[str] | None = None, pools=None) -> dict[str, str]:
    """Column id → template header: identity, the figures asked for (all by default), then one 上年分配
    column per pool (objects with .id and .label, e.g. Policy.pools; see `pool_base_column`)."""
    ids = [c.id for c in FIGURES] if columns is None else [c for c in columns if c not in ("code", "name")]
    headers = {c.id: c.label for c in IDENTITY}
    for col in ids:
        if col in BY_ID:
            headers[col] = BY_ID[col].header
        elif not col.startswith("base_"):
            headers[col] = col
    for pool in pools or ():
        headers[pool_base_column(pool)] = base_header(pool.label)
    return headers


def template_frame(regions: pd.DataFrame, columns: list[str] | None = None, pools=None) -> pd.DataFrame:
    """An empty table with Chinese headers: code and name filled, figures blank."""
    headers = template_columns(columns, pools)
    frame = pd.DataFrame({h: pd.Series([None] * len(regions), dtype=object) for h in headers.values()})
    frame[headers["code"]] = regions["code"].astype(str).tolist()  # lists: never a view of `regions`
    frame[headers["name"]] = regions["name"].astype(str).tolist()
    return frame


def write_template(path: str | Path, regions: pd.DataFrame, columns: list[str] | None = None, pools=None,
                   title: str | None = None) -> Path:
    """Write the template as .xlsx (title row, bold frozen header, codes as text, a 填表说明 sheet)
    or .csv (UTF-8 with BOM, header only)."""
    path = Path(path)
    frame = template_frame(regions, columns, pools)
    if path.suffix.lower() == ".csv":
        frame.to_csv(path, index=False, encoding="utf-8-sig")
        return path
    if path.suffix.lower() != ".xlsx":
        raise InputError([Problem(f"不支持的模板格式「{path.suffix}」：请用 .xlsx 或 .csv", key="out", value=str(path))])
    wb = Workbook()
    wb.properties.creator = "allocator"  # lets a later run recognise its own output
    ws = wb.active
    ws.title = "填报数据"
    ws.append([title or TITLE])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(list(frame.columns))
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in frame.itertuples(index=False):
        ws.append(list(row))
    for cell in ws["A"][2:]:
        cell.number_format = "@"  # codes stay text (leading digits, no 510104.0)
    for i, header in enumerate(frame.columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, min(len(header) * 2.2, 36))
    ws.freeze_panes = "C3"
    _instructions(wb.create_sheet("填表说明"), template_columns(columns, pools))
    wb.save(path)
    return path


def _instructions(ws, headers: dict[str, str]) -> None:
    ws.append(["列名", "英文标识", "单位", "说明"])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for col_id, header in headers.items():
        col = BY_ID.get(col_id)
        unit = col.unit if col else ("万元" if col_id.startswith("base_") else "")
        meaning = _meaning(col_id, col)
        ws.append([header, col_id, unit, meaning])
    ws.append([])
    ws.append(["填表要求：第 1 行为标题、第 2 行为表头，请勿改动表头；人数填整数，金额单位为万元；"
               "可在最后一行填写合计（导入时自动忽略）；地区代码可用旧代码（如郫县 510124），导入时按区划调整对照表映射。"])
    for letter, width in zip("ABCD", (32, 24, 8, 60)):
        ws.column_dimensions[letter].width = width


def _meaning(col_id: str, col) -> str:
    if col_id in ("hukou_population", "resident_population"):
        return f"{col.description}；人数，非负整数"
    if col is not None and col.description:
        return f"{col.description}；{_kind_rule(col)}"
    if col_id == "code":
        return "6 位行政区划代码（必填）"
    if col_id == "name":
        return "地区名称，须与代码一致"
    if col_id.startswith("base_"):
        return "上年该资金池分配给本地区的金额，用于保底、封顶与提前下达"
    return _kind_rule(col)


def _kind_rule(col) -> str:
    if col is None:
        return ""
    kinds = {"count": "人数，非负整数，不超过户籍人口", "money": "金额，非负", "score": "得分，0–100",
             "percent": "百分比，0–100", "coefficient": "系数，正数", "flag": "0 或 1", "class": "类别编号"}
    return kinds.get(col.kind, "")
