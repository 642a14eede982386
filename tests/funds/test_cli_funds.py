"""`allocator settle | tiers | targets` on the embedded Sichuan presets, as a planner runs them."""

import openpyxl
from typer.testing import CliRunner

from allocator.cli import app

runner = CliRunner()


def test_settle_prints_the_regions_whose_advance_exceeds_and_writes_the_workbook(tmp_path):
    out = tmp_path / "settle.xlsx"
    # the presets advance about 46 % of the year (published practice), so nobody exceeds; a reform with
    # an advance notice close to last year's money makes the counties whose amount fell exceed it
    reform = tmp_path / "large_advance.toml"
    reform.write_text('[policy]\nbase = "sichuan-2020"\nid = "large-advance"\n\n[[pools]]\nid = "central_general"\n'
                      'advance_total = { value = 190000, unit = "万元", source = "scenario", description = "测试" }\n',
                      encoding="utf-8")
    result = runner.invoke(app, ["settle", "-p", str(reform), "--rule", "raise_to_advance",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "示例数据" in result.output and "转下达截止日期：2020-07-18" in result.output
    assert "超过因素法全年数" in result.output
    ws = openpyxl.load_workbook(out)["分配表"]
    assert ws["B5"].value == "合计" and ws["C5"].value == 196_000


def test_tiers_allocates_to_21_prefectures_and_compares_with_direct(tmp_path):
    out = tmp_path / "tiers.xlsx"
    result = runner.invoke(app, ["tiers", "-p", "sichuan-2019", "--city-share", "2",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "凉山彝族自治州" in result.output and "经市州分配与直接分配到县相比" in result.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:3] == ["市州分配表", "县级分配表", "路径比较"]
    assert wb["市州分配表"].max_row == 4 + 21


def test_tiers_refuses_floors_a_prefecture_cannot_meet_unless_relaxed():
    args = ["tiers", "-p", "sichuan-2020", "--city-share", "10"]  # 攀枝花 cannot keep 10 % and meet the floors
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1 and "向所属县分配时" in refused.output
    relaxed = runner.invoke(app, args + ["--relax"])
    assert relaxed.exit_code == 0 and "已不设约束分配" in relaxed.output


def test_targets_writes_a_target_table_for_every_county(tmp_path):
    out = tmp_path / "targets.xlsx"
    result = runner.invoke(app, ["targets", "-p", "sichuan-2020", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "共 183 个地区" in result.output and "资助参保人数" in result.output
    ws = openpyxl.load_workbook(out).active  # the standard grid the `export` command writes, a page per region
    assert sum(1 for c in ws["A"] if c.value == "附件2") == 183
    assert sum(1 for c in ws["A"] if c.value == "绩效指标") == 183


def test_run_labels_the_demo_data(tmp_path):
    out = tmp_path / "result.csv"
    result = runner.invoke(app, ["run", "-p", "sichuan-2019", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "示例数据" in result.output
    text = out.read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].endswith("数据说明") and "示例数据" in text.splitlines()[1]
