"""Issue 22 §3–§5: the analysis commands refuse bad input in Chinese, before any work starts, without a
traceback; work above a stated limit is refused with its size and the limit; values a single run or an
import would refuse are refused here too, naming the row, the column and the number."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from allocator import usecases
from allocator.analysis.limits import MAX_DRAWS, MAX_SCENARIOS, MAX_SEARCH_POINTS, MAX_WORKERS
from allocator.cli import app
from allocator.columns import range_problems
from allocator.dataset.reference import load_packaged, packaged_datasets
from allocator.dataset.store import DatasetStore
from allocator.errors import InputError

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def refused(*args, code: int = 1):
    """Invoke the CLI; assert it ended with `code`, a Chinese message and no traceback; return the text."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"{type(result.exception).__name__}: {result.exception}"
    assert result.exit_code == code, result.output
    assert CHINESE.search(result.output) and "Traceback" not in result.output, result.output
    return result.output


# ---------------------------------------------------------------- §3 no tracebacks, in Chinese

@pytest.mark.parametrize("growth", ["nan", "inf", "-inf", "1e308"])
def test_pace_refuses_a_growth_that_is_not_a_plausible_number(growth):
    assert "资金总额年增长率" in refused("pace", "-p", "example", "--growth", growth)


@pytest.mark.parametrize("spec", ["factors.need.weight=60:inf:1", "factors.need.weight=nan", "factors.need.weight=1e308"])
def test_a_grid_of_numbers_that_are_not_finite_or_too_large_is_refused(spec):
    out = refused("sweep", "-p", "example", "-g", spec, "--balance", "factors.effort.weight")
    assert spec in out and "有限的数" in out


def test_a_grid_whose_balancing_weight_is_never_within_range_says_so():
    out = refused("sweep", "-p", "example", "-g", "factors.need.weight=120:130:5", "--balance", "factors.effort.weight")
    assert "没有可计算的情景" in out and "factors.effort.weight" in out


def _xlsx(path, rows):
    import openpyxl
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


SCENARIO_TABLES = {
    "empty": ("s.csv", b"", "是空的"),
    "header only": ("s.csv", b"constraints.cap_share_of_base\n", "只有表头"),
    "not UTF-8 or GB18030": ("s.csv", "constraints.cap_share_of_base\n120\n".encode("utf-16"), "编码"),
    "text in a cell": ("s.csv", b"constraints.cap_share_of_base\n120\nabc\n", "第 3 行「constraints.cap_share_of_base」= 「abc」"),
    "blank cell": ("s.csv", b"constraints.cap_share_of_base,floor\n120,\n", "第 2 行「floor」= （空）"),
    "nan in a cell": ("s.csv", b"constraints.cap_share_of_base\nnan\n", "应为有限的数"),
    "corrupt workbook": ("s.xlsx", b"PK\x03\x04 not really a workbook", "不是有效的 .xlsx"),
    "empty workbook file": ("s.xlsx", b"", "不是有效的 .xlsx"),
    "another format": ("s.json", b"{}", ".csv 或 .xlsx"),
}


@pytest.mark.parametrize("case", list(SCENARIO_TABLES))
def test_a_bad_scenario_table_is_refused_naming_the_cell(tmp_path, case):
    name, content, expected = SCENARIO_TABLES[case]
    path = tmp_path / name
    path.write_bytes(content)
    assert expected in refused("sweep", "-p", "example", "-s", path)


def test_a_text_valued_workbook_is_refused_naming_the_cell(tmp_path):
    path = _xlsx(tmp_path / "s.xlsx", [["constraints.cap_share_of_base"], [120], ["一百二十"]])
    assert "第 3 行「constraints.cap_share_of_base」= 「一百二十」" in refused("sweep", "-p", "example", "-s", path)


def test_a_gb18030_scenario_table_is_read(tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes("constraints.cap_share_of_base\n120\n140\n".encode("gb18030"))
    result = CliRunner().invoke(app, ["sweep", "-p", "example", "-s", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 个情景" in result.output


@pytest.mark.parametrize("points", ["nan", "inf", "1e308", "-5", "0"])
def test_sensitivity_refuses_a_step_that_is_not_a_plausible_number_of_points(points):
    assert "权重调整幅度" in refused("sensitivity", "-p", "example", "--points", points)


def test_montecarlo_refuses_a_negative_seed():
    assert "随机种子 -1" in refused("montecarlo", "-p", "example", "-r", "factors.need.weight=70:80", "--seed", -1)


@pytest.mark.parametrize("step", ["nan", "inf", "0", "-1"])
def test_goal_refuses_a_step_that_is_not_positive(step):
    assert "步长" in refused("goal", "-p", "example", "-r", "factors.need.weight=70:80", "--step", step)


def test_a_range_whose_lower_bound_is_above_its_upper_is_refused():
    assert "下限不大于上限" in refused("goal", "-p", "example", "-r", "factors.need.weight=80:70")


USAGE_ERRORS = {
    "unknown option": (["run", "-p", "example", "--bogus"], "没有选项 --bogus"),
    "missing value": (["run", "-p"], "选项 -p 缺少取值"),
    "value of the wrong type": (["pace", "-p", "example", "--years", "x"], "选项 --years 的值「x」无效：应为整数"),
    "wrong type after =": (["montecarlo", "-p", "example", "--draws=1e3"], "选项 --draws 的值「1e3」无效"),
    "missing required option": (["run"], "缺少必需的选项 --policy / -p"),
    "missing argument": (["import"], "缺少必需的参数 FILE"),
    "unknown command": (["frobnicate"], "没有命令「frobnicate」"),
    "extra argument": (["run", "-p", "example", "extra"], "多余的参数：extra"),
}


@pytest.mark.parametrize("case", list(USAGE_ERRORS))
def test_usage_errors_are_in_chinese(case):
    args, expected = USAGE_ERRORS[case]
    out = refused(*args, code=2)
    assert expected in out and "命令行有误" in out
    assert not re.search(r"\b(Error|Usage|Invalid|No such|Missing|Try)\b", out), out


def test_help_is_still_shown():
    result = CliRunner().invoke(app, ["run", "--help"])
    assert result.exit_code == 0 and "--policy" in result.output


# ---------------------------------------------------------------- §4 bounded work, said before it starts

def test_montecarlo_refuses_more_draws_than_the_limit():
    out = refused("montecarlo", "-p", "example", "-r", "factors.need.weight=70:80", "--draws", 1_000_000_000)
    assert "1,000,000,000" in out and f"{MAX_DRAWS:,}" in out


def test_goal_refuses_a_step_that_needs_more_evaluations_than_the_limit():
    out = refused("goal", "-p", "example", "-r", "factors.need.weight=70:80", "--step", "1e-9")
    assert "10,000,000,001" in out and f"{MAX_SEARCH_POINTS:,}" in out


def test_a_grid_is_counted_before_it_is_built():
    out = refused("sweep", "-p", "example", "-g", "factors.need.weight=0:900000:1",
                  "-g", "factors.population.weight=0:900000:1")
    assert "810,001,800,001" in out and f"{MAX_SCENARIOS:,}" in out


def test_a_scenario_table_longer_than_the_limit_is_refused_without_reading_it_whole(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("constraints.cap_share_of_base\n" + "130\n" * 1_000_000, encoding="utf-8")
    out = refused("sweep", "-p", "example", "-s", path)
    assert "1,000,000" in out and f"{MAX_SCENARIOS:,}" in out


def test_scenarios_times_regions_are_bounded():
    inputs = usecases.load_inputs("sichuan-2020")
    grid = usecases.parse_grid(["factors.need.weight=0:150:0.001"])  # 150,001 scenarios × 183 counties
    with pytest.raises(InputError, match="183 个地区"):
        usecases.sweep(inputs, grid=grid, balance="factors.effort.weight")


@pytest.mark.parametrize("workers", [0, -1, 100_000])
def test_workers_are_at_least_one_and_at_most_the_cores(workers):
    out = refused("sweep", "-p", "example", "-g", "factors.need.weight=70:80:5", "--workers", workers)
    assert f"{workers:,}" in out
    if workers > 1:
        assert str(MAX_WORKERS) in out


# ---------------------------------------------------------------- §5 values accepted that should not be

@pytest.mark.parametrize("args, expected", [
    (["--threshold", "nan"], "降幅阈值"),
    (["--threshold", "-5"], "降幅阈值"),
    (["--goal", "deep_poverty_minimum", "--minimum", "nan"], "最低额"),
    (["--goal", "deep_poverty_minimum", "--minimum", "-1"], "最低额"),
])
def test_goal_refuses_thresholds_and_minimums_that_are_not_numbers(args, expected):
    out = refused("goal", "-p", "sichuan-2020", "-r", "factors.need.weight=70:80", *args)
    assert expected in out and "目标已实现" not in out


@pytest.mark.parametrize("classes", ["nan,60", "inf,60", "-10,60"])
def test_matching_refuses_class_edges_that_are_not_plausible(classes):
    assert "财力分档界限" in refused("matching", "-p", "sichuan-2020", "--classes", classes, "--class-shares", "10,20,30")


@pytest.mark.parametrize("number", [-1, 0, 100])
def test_export_refuses_an_attachment_number_out_of_range(tmp_path, number):
    assert f"附件编号 {number}" in refused("export", "-p", "example", "-o", tmp_path, "--what", "table", "--format", "xlsx",
                                          "--number", number)
    assert not list(tmp_path.iterdir())


def test_selfeval_refuses_an_attachment_number_out_of_range(tmp_path):
    out = refused("selfeval", "-d", "sichuan-selfeval-2019", "--doc", tmp_path / "a.xlsx", "--number", -1)
    assert "附件编号 -1" in out


def test_export_names_an_unknown_direct_county(tmp_path):
    out = refused("export", "-p", "example", "-o", tmp_path, "--what", "table", "--format", "xlsx", "--direct", "999999")
    assert "999999" in out


@pytest.mark.parametrize("name", ["../x\x00y", "a\tb", "a\u200bb", "x/y", "a@1", " sc"])
def test_the_store_refuses_names_with_control_characters_whatever_the_path(tmp_path, name):
    frame = load_packaged("sichuan-2020")
    path = tmp_path / "ok.csv"
    frame.to_csv(path, index=False)
    store = tmp_path / "db.sqlite"
    assert "数据集名称" in refused("import", path, "--name", name, "--store", store)
    with pytest.raises(InputError, match="数据集名称"):
        DatasetStore(store).save(name, frame, "ok.csv")
    assert DatasetStore(store).names() == []


BASE = "base_central_general"


@pytest.mark.parametrize("column", ["hukou_population", "revenue", BASE])
@pytest.mark.parametrize("value", [1e308, 1e21])
def test_figures_beyond_a_plausible_range_are_refused_by_import_and_run(tmp_path, column, value):
    frame = load_packaged("sichuan-2020")
    frame[column] = frame[column].astype(float)
    frame.loc[frame["code"] == "510106", column] = value
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    store = tmp_path / "db.sqlite"
    imported = refused("import", path, "--name", "sc", "-p", "sichuan-2020", "--store", store)
    assert "第 4 行（510106 金牛区）" in imported and f"{value:.15g}" in imported
    ran = refused("run", "-p", "sichuan-2020", "-d", path)
    assert "510106 金牛区" in ran and f"{value:.15g}" in ran
    assert DatasetStore(store).names() == []


def test_the_range_check_names_region_column_and_value_and_passes_the_shipped_data():
    problems = range_problems(["510104"], ["锦江区"], {"hukou_population": np.array([3e8]), "revenue": [5.0],
                                                       BASE: [np.inf], "tekun": [np.nan]})
    assert [p.key for p in problems] == ["hukou_population", BASE]
    assert "地区 510104 锦江区「户籍人口(人)」= 300000000，应在 0 到 200,000,000 之间" in problems[0].message
    for name in packaged_datasets():
        frame = load_packaged(name)
        figures = {c: pd.to_numeric(frame[c], errors="coerce") for c in frame.columns if c not in ("code", "name")}
        assert range_problems(frame["code"], frame["name"], figures) == []
