"""`allocator run` and `allocator validate` on the example policy, and their Chinese error messages."""
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from allocator.cli import app
from allocator.policy import load_policy

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "allocator" / "data" / "presets" / "example.toml"
REGIONS = ROOT / "allocator" / "data" / "examples" / "regions.csv"


@pytest.fixture(scope="module")
def example():
    return load_policy(EXAMPLE)


def invoke(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


def test_run_writes_a_csv_in_utf8_with_bom_one_row_per_region(tmp_path, example):
    out = tmp_path / "x.csv"
    result = invoke("run", "--policy", EXAMPLE, "--out", out)
    assert result.exit_code == 0, result.output
    assert f"已写出：{out}" in result.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(out, encoding="utf-8-sig", dtype={"地区代码": str})
    regions = pd.read_csv(REGIONS, dtype={"code": str})
    assert frame["地区代码"].tolist() == sorted(regions["code"])
    pools = [f"{p.label}(万元)" for p in example.pools]
    assert frame.columns[:2].tolist() == ["地区代码", "地区名称"]
    assert frame.columns[2:2 + len(pools) + 1].tolist() == [*pools, "合计"]
    assert (frame[pools].sum(axis=1) == frame["合计"]).all()
    assert frame[pools].sum().tolist() == [p.total for p in example.pools]
    assert {"公式测算额(万元)", "约束后金额(万元)", "取整后金额(万元)", "约束情况"} <= set(frame.columns)


def test_run_writes_an_office_ready_workbook(tmp_path, example):
    out = tmp_path / "x.xlsx"
    result = invoke("run", "--policy", EXAMPLE, "--out", out)
    assert result.exit_code == 0, result.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["分配表", "按资金来源", "测算过程", "政策参数", "运行信息"]
    sheet = wb["分配表"]
    assert sheet["A1"].value == example.title
    assert "单位：万元" in [c.value for c in sheet[2]]
    header = [c.value for c in sheet[3]]
    assert header[:2] == ["地区代码", "地区名称"] and header[-1] == "合计"
    totals = [c.value for c in sheet[4]]
    assert totals[1] == "合计"
    assert totals[2:] == [*[p.total for p in example.pools], example.budget]
    assert sheet.max_row == 4 + 6  # title, unit, header, 合计, then six regions


def test_run_prints_the_summary_and_the_table(example):
    result = invoke("run", "--policy", EXAMPLE)
    assert result.exit_code == 0, result.output
    assert example.title in result.output
    assert "运行指纹" in result.output and "合计" in result.output


def test_run_with_another_objective_and_the_lp_method(tmp_path):
    out = tmp_path / "lp.csv"
    result = invoke("run", "--policy", EXAMPLE, "--objective", "least_absolute", "--method", "lp", "--out", out)
    assert result.exit_code == 0, result.output
    assert "least_absolute（lp）" in result.output


def test_validate_lists_every_parameter_with_its_unit_and_source(example):
    result = invoke("validate", "--policy", EXAMPLE)
    assert result.exit_code == 0, result.output
    assert f"政策与数据检查通过：{example.title}（6 个地区，{len(example.parameters)} 个参数）" in result.output
    assert "factors.need.weight = 75 %（来源：" in result.output


def test_a_bad_policy_exits_non_zero_with_every_problem_in_chinese(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8")
                   .replace('weight = { value = 75, unit = "%"', 'weight = { value = 70, unit = "%"')
                   .replace('total = { value = 1000, unit = "万元"', 'total = { value = -5, unit = "万元"'),
                   encoding="utf-8")
    for command in ("run", "validate"):
        result = invoke(command, "--policy", bad)
        assert result.exit_code == 1
        assert "政策文件有误（共 2 处）" in result.output
        assert "因素权重之和为 95%" in result.output
        assert "pools.central.total = -5" in result.output and "资金总额必须为正数" in result.output
        assert "Traceback" not in result.output


def test_bad_data_exits_non_zero_naming_the_region_column_and_value(tmp_path):
    frame = pd.read_csv(REGIONS, dtype={"code": str})
    frame.loc[1, "tekun"] = -3
    data = tmp_path / "data.csv"
    frame.to_csv(data, index=False, encoding="utf-8-sig")
    result = invoke("run", "--policy", EXAMPLE, "--data", data)
    assert result.exit_code == 1
    assert f"地区 {frame.loc[1, 'code']} {frame.loc[1, 'name']} 的「特困人员(人)」= -3：不能为负数或无穷大" in result.output


def test_constraints_that_cannot_hold_exit_non_zero_with_the_reason(tmp_path):
    bad = tmp_path / "tight.toml"
    bad.write_text(EXAMPLE.read_text(encoding="utf-8").replace(
        'floor_share_of_base = { value = 90, unit = "%"', 'floor_share_of_base = { value = 130, unit = "%"'),
        encoding="utf-8")
    bad_data = tmp_path / "regions.csv"
    bad_data.write_bytes(REGIONS.read_bytes())
    result = invoke("run", "--policy", bad, "--data", bad_data)
    assert result.exit_code == 1
    assert "约束无法同时满足" in result.output and "最小调整" in result.output


def test_a_missing_data_file_is_explained(tmp_path):
    result = invoke("run", "--policy", EXAMPLE, "--data", tmp_path / "nowhere.csv")
    assert result.exit_code == 1
    assert "找不到数据文件" in result.output


def test_run_reads_a_table_with_a_title_row_chinese_headers_and_a_total_row(tmp_path):
    """What a planner's own spreadsheet looks like: the 合计 row must not become a region."""
    import pandas as pd
    from typer.testing import CliRunner

    from allocator.cli import app
    from allocator.columns import column_label
    from allocator.dataset.reference import package_data

    frame = pd.read_csv(package_data() / "examples" / "regions.csv", dtype={"code": str})
    chinese = frame.rename(columns={c: column_label(c) for c in frame.columns
                                    if c not in ("code", "name") and not c.startswith("base_")})
    chinese = chinese.rename(columns={"code": "地区代码", "name": "地区名称"})
    path = tmp_path / "my.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame([["2020年示例数据"]]).to_excel(writer, index=False, header=False)
        chinese.to_excel(writer, index=False, startrow=1)
        total = ["合计", ""] + chinese.iloc[:, 2:].sum().tolist()
        pd.DataFrame([total]).to_excel(writer, index=False, header=False, startrow=2 + len(chinese))
    plain = CliRunner().invoke(app, ["run", "-p", "example"])
    mine = CliRunner().invoke(app, ["run", "-p", "example", "--data", str(path)])
    assert mine.exit_code == 0, mine.output
    assert "6 个地区" in mine.output
    assert mine.output.splitlines()[-6:] == plain.output.splitlines()[-6:]
