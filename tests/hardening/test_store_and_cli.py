"""The store refuses what it cannot vouch for; the CLI never overwrites an input and keeps its output short."""
from __future__ import annotations

import sqlite3

import pytest
from typer.testing import CliRunner

from allocator import usecases
from allocator.cli import app
from allocator.dataset.reference import load_packaged
from allocator.dataset.store import DatasetStore
from allocator.errors import DataError, InputError, Problem


def test_a_changed_digit_in_a_stored_version_is_refused_on_load(tmp_path):
    store = DatasetStore(tmp_path / "db.sqlite")
    frame = load_packaged("sichuan-2020")
    store.save("sc", frame, "a.xlsx")
    with sqlite3.connect(store.path) as con:
        content = con.execute("SELECT content FROM dataset_versions").fetchone()[0]
        con.execute("UPDATE dataset_versions SET content = ?", (content.replace("510104,锦江区,", "510104,锦江区,9", 1),))
    with pytest.raises(DataError, match="与导入时的校验码不符"):
        store.load("sc", 1)


def test_a_mistyped_store_path_creates_no_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("ALLOCATOR_STORE", str(tmp_path / "typo" / "db.sqlite"))
    with pytest.raises(InputError, match="所在的文件夹不存在"):
        DatasetStore()
    assert not (tmp_path / "typo").exists()


def test_an_import_without_a_policy_is_checked_for_the_default_presets_columns(tmp_path):
    frame = load_packaged("sichuan-2020")[["code", "name", "hukou_population"]]
    path = tmp_path / "few.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError, match="缺少必需的列「城市低保对象"):
        usecases.import_dataset(path, "sc", store=tmp_path / "db.sqlite")
    assert usecases.list_datasets(store=tmp_path / "db.sqlite") == []


def test_run_refuses_to_write_its_results_over_its_input(tmp_path):
    path = tmp_path / "x.csv"
    load_packaged("example").to_csv(path, index=False)
    before = path.read_bytes()
    result = CliRunner().invoke(app, ["run", "-p", "example", "-d", str(path), "-o", str(path)])
    assert result.exit_code == 1 and "不能写在输入文件上" in result.output
    assert path.read_bytes() == before


def test_an_existing_file_that_is_not_our_output_needs_force(tmp_path):
    filled = tmp_path / "填报.xlsx"
    runner = CliRunner()
    assert runner.invoke(app, ["template", "-o", str(filled)]).exit_code == 0
    again = runner.invoke(app, ["template", "-o", str(filled)])  # our own blank template: replaced
    assert again.exit_code == 0
    mine = tmp_path / "mine.csv"
    mine.write_text("我的文件\n", encoding="utf-8")
    refused = runner.invoke(app, ["run", "-p", "example", "-o", str(mine)])
    assert refused.exit_code == 1 and "--force" in refused.output and mine.read_text(encoding="utf-8") == "我的文件\n"
    assert runner.invoke(app, ["run", "-p", "example", "-o", str(mine), "--force"]).exit_code == 0
    assert runner.invoke(app, ["run", "-p", "example", "-o", str(mine)]).exit_code == 0  # now our own output


def test_a_long_list_of_problems_is_cut_with_the_count_of_the_rest():
    error = DataError([Problem(f"第 {i} 行有误") for i in range(1, 1001)])
    text = str(error)
    assert len(error.problems) == 1000 and "还有 950 处" in text and text.count("\n") < 60


def test_tiers_on_data_without_prefectures_names_no_nan(tmp_path):
    result = CliRunner().invoke(app, ["tiers", "-p", "example"])
    assert "nan" not in result.output


def test_export_replaces_its_own_attachments_but_not_edited_ones(tmp_path):
    import openpyxl

    runner = CliRunner()
    args = ["export", "-p", "example", "-o", str(tmp_path), "--what", "table", "--format", "xlsx"]
    assert runner.invoke(app, args).exit_code == 0
    assert runner.invoke(app, args).exit_code == 0  # our own untouched output: replaced
    (path,) = tmp_path.glob("附件*.xlsx")
    wb = openpyxl.load_workbook(path)
    wb.properties.lastModifiedBy = "起草人"
    wb.save(path)
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1 and "--force" in refused.output
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0


def test_analysis_outputs_replace_themselves_but_not_other_tables(tmp_path):
    runner = CliRunner()
    args = ["pace", "-p", "sichuan-2020", "--years", "2", "-o", str(tmp_path / "pace.csv")]
    assert runner.invoke(app, args).exit_code == 0
    assert runner.invoke(app, args).exit_code == 0  # the same kind of output: ours, replaced
    other = tmp_path / "pace.csv"
    other.write_text("地区代码,户籍人口\n510104,1\n", encoding="utf-8")
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1 and "--force" in refused.output
    assert other.read_text(encoding="utf-8") == "地区代码,户籍人口\n510104,1\n"
