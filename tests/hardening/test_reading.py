"""Reading data never turns a wrong cell into a silent 0, and never ends in a traceback."""
from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from allocator import usecases
from allocator.cli import app
from allocator.dataset.importer import read_raw
from allocator.dataset.reference import load_packaged
from allocator.errors import DataError


@pytest.fixture
def example():
    return load_packaged("example")


def write_xlsx(path, frame: pd.DataFrame, cells: dict[tuple[int, str], object] | None = None):
    """`frame` as a sheet (header in row 1); `cells` puts raw values (formulas, error text) in place."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        ws.append(list(row))
    for (row, column), value in (cells or {}).items():
        ws.cell(row=row + 2, column=list(frame.columns).index(column) + 1, value=value)
    wb.save(path)
    return path


@pytest.mark.parametrize("bad", ["#N/A", "#DIV/0!", "#REF!", "N/A", "NA", "NULL", "NaN", "None", "nan"])
def test_an_excel_error_or_a_missing_value_word_is_refused_not_read_as_zero(tmp_path, example, bad):
    path = write_xlsx(tmp_path / "d.xlsx", example, {(0, "base_central"): bad})
    with pytest.raises(DataError) as caught:
        usecases.load_inputs("example", path)
    message = str(caught.value)
    assert "990101" in message and "上年分配·central" in message and bad in message


def test_a_formula_saved_without_its_value_is_refused_with_the_reason(tmp_path, example):
    path = write_xlsx(tmp_path / "d.xlsx", example, {(1, "hukou_population"): "=620000*1"})
    with pytest.raises(DataError, match="是公式但没有计算结果"):
        usecases.load_inputs("example", path)


def test_csv_text_that_means_missing_is_refused_in_run_data_too(tmp_path, example):
    frame = example.astype(object)
    frame.loc[0, "base_central"] = "N/A"
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    result = CliRunner().invoke(app, ["run", "-p", "example", "--data", str(path)])
    assert result.exit_code == 1 and "N/A" in result.output and "不是数字" in result.output


def test_data_given_with_run_gets_the_checks_an_import_applies(tmp_path, example):
    frame = example.astype({c: float for c in example.columns if c not in ("code", "name")})
    frame.loc[0, "performance_score"] = 9200
    frame.loc[1, "dibao_rural"] = 900.5
    frame.loc[2, "dibao_urban"] = frame.loc[2, "hukou_population"] + 1
    with pytest.raises(DataError) as caught:
        usecases.load_inputs("example", frame)
    message = str(caught.value)
    assert "应在 0–100 之间" in message and "人数应为整数" in message and "超过「户籍人口(人)」" in message


def test_a_region_named_heji_keeps_its_money(tmp_path, example):
    frame = example.copy()
    frame.loc[5, "name"] = "合计"
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    inputs = usecases.load_inputs("example", path)
    assert len(inputs.data) == 6 and "合计" in list(inputs.data.names)


def test_a_total_row_is_dropped_only_when_its_figures_are_the_column_sums_and_it_is_reported(tmp_path, example):
    sums = example.drop(columns=["code", "name"]).sum()
    good = pd.concat([example, pd.DataFrame([{"code": "", "name": "合计", **sums}])], ignore_index=True)
    path = tmp_path / "d.csv"
    good.to_csv(path, index=False)
    source = usecases.read_data(path)
    assert len(source.frame) == 6 and source.notes == ("第 8 行为合计行（各数等于各地区之和），已忽略",)
    wrong = good.copy()
    wrong.loc[6, "hukou_population"] = 1  # not a total: kept, and then refused for its missing code
    wrong.to_csv(path, index=False)
    with pytest.raises(DataError, match="地区代码为空"):
        usecases.load_inputs("example", path)


def test_a_heji_written_in_a_merged_serial_number_column_is_recognised(tmp_path, example):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["序号", *example.columns])
    for i, row in enumerate(example.itertuples(index=False), 1):
        ws.append([i, *row])
    sums = example.drop(columns=["code", "name"]).sum().tolist()
    ws.append(["合计", None, None, *sums])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=3)
    wb.save(tmp_path / "d.xlsx")
    source = usecases.read_data(tmp_path / "d.xlsx")
    assert len(source.frame) == 6 and "第 8 行为合计行" in source.notes[0]


def test_a_utf8_file_with_a_few_gb18030_rows_is_refused_with_the_line(tmp_path, example):
    text = example.to_csv(index=False)
    lines = text.splitlines()
    data = ("\n".join(lines[:4]) + "\n").encode("utf-8") + ("\n".join(lines[4:]) + "\n").encode("gb18030")
    path = tmp_path / "mixed.csv"
    path.write_bytes(data)
    with pytest.raises(DataError, match="混用了两种编码：第 2 行是 UTF-8，第 5 行不是"):
        read_raw(path)


def test_a_title_row_of_one_cell_in_a_csv_is_read(tmp_path, example):
    path = tmp_path / "d.csv"
    path.write_text("2021年医疗救助资金分配因素数据\n" + example.to_csv(index=False), encoding="utf-8")
    assert len(usecases.read_data(path).frame) == 6


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 truncated", b"not a zip at all"])
def test_an_empty_or_broken_file_is_a_message(tmp_path, content):
    for suffix in (".csv", ".xlsx"):
        path = tmp_path / f"d{suffix}"
        path.write_bytes(content)
        result = CliRunner().invoke(app, ["run", "-p", "example", "--data", str(path)])
        assert result.exit_code == 1 and "Traceback" not in result.output and result.output.strip()


def test_duplicate_headers_in_run_data_are_named(tmp_path, example):
    frame = example.copy()
    frame.insert(3, "户籍人口(人)", frame["hukou_population"])
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError, match="都对应「户籍人口\\(人\\)」"):
        usecases.read_data(path)
