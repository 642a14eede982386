"""The analysis commands: thin over the use cases, writing CSV/XLSX, Chinese messages for bad specs."""
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from allocator import usecases
from allocator.cli import app
from allocator.errors import InputError


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_sweep_over_a_grid_writes_every_scenario_and_region(tmp_path):
    out = tmp_path / "sweep.csv"
    result = invoke("sweep", "-p", "example", "-g", "factors.need.weight=70:80:5", "-g", "factors.population.weight=5",
                    "--balance", "factors.effort.weight", "-o", out)
    assert result.exit_code == 0, result.output
    amounts = pd.read_csv(out, encoding="utf-8-sig", dtype={"地区代码": str})
    assert amounts.columns.tolist()[-3:] == ["情景1", "情景2", "情景3"]
    assert (amounts[["情景1", "情景2", "情景3"]].sum() == 1200).all()
    scenarios = pd.read_csv(tmp_path / "sweep_情景.csv", encoding="utf-8-sig")
    assert scenarios["factors.effort.weight"].tolist() == [25, 20, 15]


def test_sweep_reads_a_scenario_table(tmp_path):
    table = tmp_path / "s.csv"
    pd.DataFrame({"constraints.cap_share_of_base": [120, 140]}).to_csv(table, index=False)
    result = invoke("sweep", "-p", "example", "--scenarios", table)
    assert result.exit_code == 0, result.output
    assert "2 个情景 × 6 个地区" in result.output


def test_montecarlo_writes_quantiles_to_xlsx(tmp_path):
    out = tmp_path / "mc.xlsx"
    result = invoke("montecarlo", "-p", "example", "-r", "factors.need.weight=70:80", "-e", "dibao_rural=5",
                    "--draws", 50, "--seed", 3, "-o", out)
    assert result.exit_code == 0, result.output
    sheets = openpyxl.load_workbook(out).sheetnames
    assert sheets == ["分位数", "抽样"]
    summary = pd.read_excel(out, sheet_name="分位数")
    assert {"P10(万元)", "P50(万元)", "P90(万元)", "保底概率", "封顶概率"} <= set(summary.columns)


def test_sensitivity_goal_and_pace_run(tmp_path):
    for args in (["sensitivity", "-p", "example", "--region", "990101", "-o", tmp_path / "s.xlsx"],
                 ["goal", "-p", "example", "--goal", "alignment", "-r", "factors.need.weight=70:80",
                  "-r", "factors.population.weight=0:10", "-o", tmp_path / "g.csv"],
                 ["pace", "-p", "example", "--years", 3, "-o", tmp_path / "p.csv"]):
        result = invoke(*args)
        assert result.exit_code == 0, result.output
        assert "已写出" in result.output


def test_a_badly_written_range_gives_a_chinese_message():
    result = invoke("montecarlo", "-p", "example", "-r", "factors.need.weight")
    assert result.exit_code == 1
    assert "写法有误" in result.output


def test_a_parameter_the_batch_cannot_vary_is_named():
    result = invoke("sweep", "-p", "example", "-g", "rounding.unit=1")
    assert result.exit_code == 1
    assert "rounding.unit" in result.output


def test_use_cases_give_the_same_message_as_the_cli():
    with pytest.raises(InputError, match="写法有误"):
        usecases.parse_ranges(["factors.need.weight"])


def test_a_sweep_through_a_process_pool_equals_the_in_process_one():
    inputs = usecases.load_inputs("example")
    grid = usecases.parse_grid(["factors.need.weight=60:90:5"])
    here = usecases.sweep(inputs, grid=grid, balance="factors.effort.weight")
    with usecases.analysis_executor(workers=2) as pool:
        there = usecases.sweep(inputs, grid=grid, balance="factors.effort.weight", executor=pool)
    assert here.amounts.equals(there.amounts)
