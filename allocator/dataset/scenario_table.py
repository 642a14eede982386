"""Read a scenario table (.csv/.xlsx): one column per parameter path, one row per scenario, every cell a number.

The file is read as region tables are (UTF-8 or GB18030, the first sheet of a workbook, damaged files
refused in Chinese), and at most `max_rows` + 1 rows of it, so a table too long to run is refused
without being read whole. Every cell that is not a finite number is named with its row, column and value.
"""
from __future__ import annotations

import csv
import io
import itertools
import math
from pathlib import Path

import openpyxl
import pandas as pd

from allocator.dataset.importer import MAX_FILE_BYTES, decode_text, read_xlsx
from allocator.errors import InputError, Problem

MAX_PROBLEMS = 200  # cells named before the rest are only counted (InputError shows the first 50)


def read_scenario_table(path: str | Path, max_rows: int) -> pd.DataFrame:
    """The table as floats with its header as column names; InputError naming every bad cell."""
    path = Path(path)
    try:
        found = path.is_file()
    except OSError:
        found = False
    if not found:
        raise InputError([Problem(f"情景表 {str(path)[:200]} 不存在", key="scenarios", value=str(path)[:200])])
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InputError([Problem(f"情景表 {path.name} 超过 {MAX_FILE_BYTES // 2**20} MB", key="scenarios")])
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = [list(r) for r in read_xlsx(path, max_rows + 1).itertuples(index=False)]
    elif suffix == ".csv":
        reader = csv.reader(io.StringIO(decode_text(path.read_bytes(), path.name)))
        try:
            rows = list(itertools.islice(reader, max_rows + 2))
        except csv.Error as exc:
            raise InputError([Problem(f"情景表 {path.name} 不是有效的 CSV：{exc}", key="scenarios")]) from None
    else:
        raise InputError([Problem(f"情景表应为 .csv 或 .xlsx，而不是「{suffix or path.name}」", key="scenarios")])
    rows = [r for r in rows if any(_filled(v) for v in r)]  # blank lines carry nothing
    if not rows:
        raise InputError([Problem(f"情景表 {path.name} 是空的：第一行应为参数路径（如 factors.need.weight），"
                                  "其下每行一个情景", key="scenarios")])
    if len(rows) - 1 > max_rows:
        n = _data_rows(path)
        raise InputError([Problem(f"情景表 {path.name} 有 {n:,} 个情景（行），超过一次批量计算的上限 {max_rows:,} 个；"
                                  "请拆分情景表", key="scenarios", value=n)], title="计算量超过上限")
    return _numbers(rows, path.name)


def _data_rows(path: Path) -> int:
    """Rows below the header, counted without reading the cells: lines of a CSV, the sheet's last row
    of a workbook (as the file records it)."""
    if path.suffix.lower() == ".csv":
        data = path.read_bytes()
        return data.count(b"\n") + (0 if data.endswith(b"\n") else 1) - 1
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        return (workbook.worksheets[0].max_row or 0) - 1
    finally:
        workbook.close()


def _numbers(rows: list[list], name: str) -> pd.DataFrame:
    header = [str(v).strip() if _filled(v) else "" for v in rows[0]]
    problems = [Problem(f"情景表 {name} 第 1 行第 {j + 1} 列没有参数路径", key="scenarios", row=1)
                for j, h in enumerate(header) if not h and any(_filled(r[j]) for r in rows[1:] if j < len(r))]
    seen: set[str] = set()
    for h in header:
        if h and h in seen:
            problems.append(Problem(f"情景表 {name} 中参数「{h}」出现了两列", key=h, row=1))
        seen.add(h)
    keep = [j for j, h in enumerate(header) if h]
    if not keep:
        problems.append(Problem(f"情景表 {name} 第 1 行没有参数路径", key="scenarios", row=1))
    if len(rows) == 1 and keep:
        problems.append(Problem(f"情景表 {name} 只有表头，没有情景（第 2 行起每行一个情景）", key="scenarios"))
    columns: dict[str, list[float]] = {header[j]: [] for j in keep}
    for i, row in enumerate(rows[1:], start=2):
        for j in keep:
            value = row[j] if j < len(row) else None
            x = _number(value)
            if x is None and len(problems) < MAX_PROBLEMS:
                shown = "（空）" if not _filled(value) else f"「{str(value)[:40]}」"
                problems.append(Problem(f"情景表 {name} 第 {i} 行「{header[j]}」= {shown}：应为有限的数",
                                        key=header[j], value=value, row=i))
            columns[header[j]].append(math.nan if x is None else x)
    if problems:
        raise InputError(problems, title="情景表有误")
    return pd.DataFrame(columns)


def _filled(v) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v)) and str(v).strip() != ""


def _number(v) -> float | None:
    """A finite number (text such as 120 or 12.5% is read as its number), else None."""
    if isinstance(v, bool) or not _filled(v):
        return None
    text = str(v).strip().replace(",", "").rstrip("%")
    try:
        x = float(text)
    except ValueError:
        return None
    return x if math.isfinite(x) else None
