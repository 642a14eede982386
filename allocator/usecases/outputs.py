"""Files the command line writes: every writer it reaches is here, so `allocator.cli` imports nothing from
`allocator.export` (nor openpyxl or python-docx) and pays for them only when a file is written.

Each function takes a result the other use cases returned and a path the caller has checked with
`check_output` (never over an input, never over a file someone else has edited, unless forced).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from allocator.engine import AllocationResult
from allocator.export import write_result
from allocator.export.csv_safe import write_safe_csv
from allocator.export.funds import settlement_notes_frame, write_settlement_xlsx, write_two_tier_xlsx
from allocator.export.overwrite import guard_output, write_frames
from allocator.export.targets_doc import Departments, program_name, region_sheets, write_targets_xlsx
from allocator.funds import SettlementResult
from allocator.usecases.funds import TargetsReport, TwoTierReport
from allocator.usecases.loop import LoopData


def check_output(out: str | Path, inputs: tuple = (), force: bool = False) -> Path:
    """The path to write to, refused (InputError) when it is an input or a file that is not our own output."""
    return guard_output(out, inputs, force)


def write_run(result: AllocationResult, out: str | Path, note: str | None = None) -> None:
    """A run's table as .csv or .xlsx (with 政策参数 and 运行信息 sheets)."""
    write_result(result, out, note)


def settlement_notes(settlement: SettlementResult) -> pd.DataFrame:
    """地区代码, 地区名称, 说明: regions whose advance exceeds the full year, the dates and the rule."""
    return settlement_notes_frame(settlement)


def write_settlement(settlement: SettlementResult, out: str | Path, note: str | None = None) -> None:
    """分配表 by 全年 | 提前下达 | 此次下达 with the notes, parameters and run information (.xlsx)."""
    write_settlement_xlsx(settlement, out, note)


def write_two_tiers(report: TwoTierReport, out: str | Path) -> None:
    """市州 and 县级 tables of a two-tier allocation and the comparison with the direct path (.xlsx)."""
    write_two_tier_xlsx(report.two_tier, out, report.comparison, report.note)


def write_targets(report: TargetsReport, out: str | Path, departments: Departments | None = None) -> None:
    """The 区域绩效目标表 (.xlsx): one page per region in the standard grid, as the `export` command writes it."""
    policy = report.result.policy
    departments = departments or Departments(program_name(policy))
    sheets = region_sheets(report.result, report.data, departments)
    write_targets_xlsx(sheets, report.title, departments, policy.rounding.decimals, out, report.note)


def write_table(frame: pd.DataFrame, out: str | Path) -> None:
    """One table as .csv (UTF-8 with BOM, text that would run as a formula neutralised)."""
    write_safe_csv(frame, out)


def write_tables(out: str | Path, inputs: tuple, force: bool, frames: dict[str, pd.DataFrame]) -> list[Path]:
    """Analysis tables: one .xlsx with a sheet per frame, or one .csv per frame; the paths written."""
    return write_frames(out, inputs, force, frames)


def write_loop_data(joined: LoopData, out: str | Path) -> None:
    """Next year's figures with last year's self-evaluation results, as a .csv the `run` command reads."""
    joined.frame.to_csv(out, index=False, encoding="utf-8-sig")
