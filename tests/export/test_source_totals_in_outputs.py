"""The 2019 money adds up to what Sichuan issued, and the 26,644 shows inside the central general budget
in the CSV, the workbook and the printed summary (issue 8's done-when)."""
from __future__ import annotations

import openpyxl
import pandas as pd
from typer.testing import CliRunner

from allocator.cli import app


def test_sichuan_2019_issues_273799_with_213294_central_general_in_csv_workbook_and_summary(tmp_path):
    runner = CliRunner()
    printed = runner.invoke(app, ["run", "-p", "sichuan-2019", "-o", str(tmp_path / "r.csv")])
    assert printed.exit_code == 0, printed.output
    assert "资金合计 273,799 万元" in printed.output and "213294" in printed.output
    frame = pd.read_csv(tmp_path / "r.csv", encoding="utf-8-sig", dtype={"地区代码": str})
    assert frame["合计"].sum() == 273_799
    assert frame["中央一般公共预算·小计(万元)"].sum() == 213_294
    regular = frame["中央财政一般公共预算（常规分配）(万元)"]
    deep = frame["提高深度贫困地区农村贫困人口医疗保障水平(万元)"]
    assert (regular + deep == frame["中央一般公共预算·小计(万元)"]).all()
    assert regular.sum() == 186_650 and deep.sum() == 26_644
    assert runner.invoke(app, ["run", "-p", "sichuan-2019", "-o", str(tmp_path / "r.xlsx")]).exit_code == 0
    ws = openpyxl.load_workbook(tmp_path / "r.xlsx")["按资金来源"]
    rows = {(r[0], r[1]): r[2] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows[("中央一般公共预算", "小计")] == 213_294 and rows[("中央一般公共预算", "深度贫困定向")] == 26_644
    assert rows[("合计", None)] == 273_799 or rows.get(("合计", "")) == 273_799


def test_a_2020_attachment_names_huili_as_it_was_then(tmp_path):
    from allocator import usecases
    from allocator.export.allocation_table import build_allocation_table

    result = usecases.run(usecases.load_inputs("sichuan-2020"))
    rows = {r.code: r.label for r in build_allocation_table(result).rows if r.kind == "region"}
    assert rows.get("513425") == "会理县" and "513402" not in rows
