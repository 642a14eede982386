"""Text that spreadsheet software must never run: CSV/formula injection (OWASP "CSV Injection").

A region or scenario named "=1+1" (or "+…", "-…", "@…", or starting with a tab or carriage return)
would be evaluated as a formula when a CSV is opened in a spreadsheet, and openpyxl writes such a
string as a formula unless told otherwise. Text cells are neutralised; numbers, including negative
ones (money to claw back), stay numbers.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"  # the prefix spreadsheets themselves use to mark "this is text"


def is_risky(value) -> bool:
    """A text cell a spreadsheet would read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise(value):
    """For CSV: risky text gets a leading apostrophe; everything else is returned unchanged."""
    return QUOTE + value if is_risky(value) else value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell (and every header) neutralised; numeric columns untouched."""
    out = frame.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def write_safe_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """UTF-8 with BOM (spreadsheet software then reads the Chinese headers), formula-safe."""
    safe_frame(frame).to_csv(path, index=False, encoding="utf-8-sig")


def put(ws, row: int, column: int, value):
    """Write one openpyxl cell; text is always stored as text (never as a formula), with the quote
    prefix set so that editing the cell in Excel or LibreOffice keeps it text. Returns the cell."""
    cell = ws.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if is_risky(value):
            cell.quotePrefix = True
    return cell


def append(ws, values) -> int:
    """`ws.append` that stores text as text (see `put`); returns the row written."""
    row = ws._current_row + 1  # as openpyxl's own append counts rows
    for j, value in enumerate(values, 1):
        put(ws, row, j, value)
    return row
