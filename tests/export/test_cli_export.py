"""`allocator export`: one command for every document, thin over `usecases.export_documents`."""
import openpyxl
import pytest
from typer.testing import CliRunner

from allocator import usecases
from allocator.cli import app
from allocator.errors import InputError

runner = CliRunner()


def test_export_writes_every_document_a_policy_supports(tmp_path):
    result = runner.invoke(app, ["export", "-p", "example", "-o", str(tmp_path / "docs")])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "docs").iterdir())
    assert names == sorted(["附件1_示例：医疗救助补助资金因素法分配.docx", "附件1_示例：医疗救助补助资金因素法分配.xlsx",
                            "示例：医疗救助补助资金因素法分配_系统导入.csv", "示例：医疗救助补助资金因素法分配测算说明.docx",
                            "示例：医疗救助补助资金因素法分配测算说明.txt"])  # no [performance]: no target tables
    assert result.output.count("已写出：") == 5 and "按资金来源与用途列示" in result.output


def test_export_can_number_the_attachments_and_pick_what_to_write(tmp_path):
    result = runner.invoke(app, ["export", "-p", "example", "-o", str(tmp_path), "--what", "table",
                                 "--format", "xlsx", "--number", "3", "--subject", "2101399 其他医疗救助支出",
                                 "--doc-number", "川财社〔2020〕66号"])
    assert result.exit_code == 0, result.output
    (path,) = tmp_path.iterdir()
    ws = openpyxl.load_workbook(path).active
    assert path.name.startswith("附件3_") and ws["A1"].value == "附件3"
    assert ws["A3"].value == "科目：2101399 其他医疗救助支出" and ws.cell(1, ws.max_column).value == "川财社〔2020〕66号"


def test_export_refuses_unknown_kinds_and_timing_without_an_advance(tmp_path):
    result = runner.invoke(app, ["export", "-p", "example", "-o", str(tmp_path), "--what", "table,memo",
                                 "--format", "pdf", "--timing"])
    assert result.exit_code == 1
    assert "文档种类「memo」不可用" in result.output and "文档格式「pdf」不可用" in result.output
    assert "没有提前下达数" in result.output
    assert not list(tmp_path.iterdir())


def test_a_bad_placeholder_in_the_user_is_named(tmp_path):
    result = runner.invoke(app, ["export", "-p", "sichuan-2020", "-o", str(tmp_path), "--what", "targets",
                                 "--user", "{county}医保局"])
    assert result.exit_code == 1 and "只能使用占位符 {name}" in result.output


def test_asking_for_target_tables_of_a_policy_without_performance_is_an_input_error(tmp_path):
    inputs = usecases.load_inputs("example")
    with pytest.raises(InputError, match="performance"):
        usecases.export_documents(inputs, tmp_path, usecases.DocumentOptions(kinds=("targets",)))


def test_the_timing_table_can_be_turned_off_for_a_policy_with_an_advance(tmp_path, sichuan):
    report = usecases.export_documents(sichuan[0], tmp_path, usecases.DocumentOptions(
        kinds=("table",), formats=("xlsx",), timing=False))
    assert not report.timing
    ws = openpyxl.load_workbook(report.files[0]).active
    assert [ws.cell(4, c).value for c in range(1, 4)] == ["地区", "合计", "中央"]
    assert ws["B5"].value is None and "B4:B6" in {str(r) for r in ws.merged_cells.ranges}  # 合计 merged down
    assert ws["A7"].value == "合计" and ws["B7"].value == 315_500


def test_the_data_source_names_a_stored_version_with_its_file_and_date(tmp_path):
    path = tmp_path / "四川2020.csv"
    usecases.read_data("sichuan-2020").frame.to_csv(path, index=False)
    store = tmp_path / "db.sqlite"
    usecases.import_dataset(path, "sichuan-county", policy="sichuan-2020", store=store)
    text = usecases.data_source_text(usecases.read_data("db:sichuan-county@1", store), store)
    assert text.startswith("数据库数据集 sichuan-county 第 1 版（文件 四川2020.csv，导入于 ")
    assert usecases.data_source_text(usecases.read_data("example")).startswith("内置数据集 example")
    assert usecases.data_source_text(usecases.read_data(path)) == "数据文件 四川2020.csv"
