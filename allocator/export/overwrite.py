"""Never write over an input, or over a file someone has edited since we wrote it.

Our workbooks and documents record their author (`CREATOR`); a later run may replace one only while
nobody else has saved it. A CSV carries no author, so it counts as ours when its header is the header
we are about to write (the same kind of output) or that of our allocation results.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import openpyxl
import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

from allocator.errors import InputError, Problem
from allocator.export.csv_safe import append, safe_frame

CREATOR = "allocator"  # the author recorded in every workbook and document we write


def guard_output(out: str | Path, inputs: tuple[str | Path | None, ...] = (), force: bool = False,
                 header: list[str] | None = None) -> Path:
    """Refuse to write results over an input file, or over an existing file that is not our own output
    (a filled template, a user's table) unless `force`. `header`: the CSV header about to be written."""
    out = Path(out)
    for given in inputs:
        if given is not None and Path(str(given)).exists() and out.exists() and out.samefile(str(given)):
            raise InputError([Problem(f"输出文件 {out} 就是输入文件：结果不能写在输入文件上，请换一个文件名",
                                      key="out", value=str(out))])
    if out.exists() and not force and not is_our_output(out, header):
        raise InputError([Problem(f"文件 {out} 已存在，且不是本程序写出的结果（可能是填好的表格）；"
                                  "如确要替换，请加 --force", key="out", value=str(out))])
    return out


def is_our_output(path: Path, header: list[str] | None = None) -> bool:
    """A workbook or document we wrote and nobody has saved since, or one of our CSVs."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        try:
            wb = openpyxl.load_workbook(path, read_only=True)
            props = wb.properties
            wb.close()
        except (OSError, KeyError, ValueError, zipfile.BadZipFile, InvalidFileException):
            return False  # unreadable: certainly not something we can vouch for
        return props.creator == CREATOR and props.lastModifiedBy in (None, "", CREATOR)
    if suffix == ".docx":
        try:
            core = docx.Document(str(path)).core_properties
        except (OSError, KeyError, ValueError, zipfile.BadZipFile):
            return False
        return core.author == CREATOR and core.last_modified_by in (None, "", CREATOR)
    if suffix == ".csv":
        with path.open("rb") as handle:
            first = handle.read(8192).decode("utf-8-sig", errors="replace").splitlines()[:1]
        if not first:
            return False
        if header is not None and first[0] == ",".join(header):
            return True
        return first[0].startswith("地区代码,地区名称,") and "取整后金额(万元)" in first[0]
    return False


def write_frames(out: str | Path, inputs: tuple, force: bool, frames: dict[str, pd.DataFrame]) -> list[Path]:
    """Analysis tables: .xlsx with one sheet per frame, or .csv — the first frame to `out`, the others
    beside it (<name>_<sheet>.csv). Text that would run as a formula is neutralised; nothing is
    written over an input or over a file that is not our own output (unless `force`)."""
    out = Path(out)
    if out.suffix.lower() == ".xlsx":
        guard_output(out, inputs, force)
        wb = openpyxl.Workbook()
        wb.properties.creator = CREATOR
        wb.remove(wb.active)
        for sheet, frame in frames.items():
            ws = wb.create_sheet(sheet[:31])
            append(ws, [str(c) for c in frame.columns])
            for row in frame.itertuples(index=False):
                append(ws, [v.item() if hasattr(v, "item") else v for v in row])
        wb.save(out)
        return [out]
    targets = [(out if k == 0 else out.with_name(f"{out.stem}_{sheet}{out.suffix}"), frame)
               for k, (sheet, frame) in enumerate(frames.items())]
    for path, frame in targets:  # check every file before writing any
        guard_output(path, inputs, force, [str(c) for c in frame.columns])
    for path, frame in targets:
        safe_frame(frame).to_csv(path, index=False, encoding="utf-8-sig")
    return [path for path, _ in targets]
