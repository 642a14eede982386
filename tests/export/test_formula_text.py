"""A region or scenario named "=1+1" comes out as text in every format."""
import csv

import openpyxl
from docx import Document

from allocator.export.targets_doc import Departments, region_sheets, write_targets_docx, write_targets_xlsx


def _by_suffix(files, suffix, contains=""):
    return next(p for p in files if p.suffix == suffix and contains in p.name)


def test_the_workbook_stores_the_names_as_text(formula_named):
    _, files = formula_named
    ws = openpyxl.load_workbook(_by_suffix(files, ".xlsx")).active
    cells = [c for row in ws.iter_rows() for c in row if c.value == "=1+1"]
    assert {c.coordinate for c in cells} >= {"A2"}  # the title
    assert len(cells) == 2 and all(c.data_type == "s" for c in cells)


def test_the_documents_and_the_text_show_the_names_verbatim(formula_named):
    _, files = formula_named
    doc = Document(_by_suffix(files, ".docx", "附件"))
    assert doc.paragraphs[1].text == "=1+1"
    assert any(c.text == "=1+1" for row in doc.tables[0].rows for c in row.cells)
    note = _by_suffix(files, ".txt").read_text(encoding="utf-8")
    assert note.startswith("=1+1")


def test_the_csv_neutralises_the_name_and_keeps_numbers(formula_named):
    _, files = formula_named
    path = _by_suffix(files, ".csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    jinjiang = next(r for r in rows if r["地区代码"] == "510104")
    assert jinjiang["地区名称"] == "'=1+1"
    assert all(not v.startswith(("=", "+", "@")) for r in rows for v in r.values())
    assert float(jinjiang["全年合计(万元)"]) > 0


def test_the_target_tables_show_the_name_as_text(formula_named, tmp_path):
    inputs, _ = formula_named
    from allocator.engine import allocate

    sheets = [s for s in region_sheets(allocate(inputs.policy, inputs.data), inputs.data,
                                       Departments("=1+1")) if s.code == "510104"]
    write_targets_xlsx(sheets, "=1+1", Departments("=1+1"), 0, tmp_path / "t.xlsx")
    write_targets_docx(sheets, "=1+1", Departments("=1+1"), 0, tmp_path / "t.docx")
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    formulas = [c for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert not formulas
    assert any(c.value == "地区：510104 =1+1" for row in ws.iter_rows() for c in row)
    doc = Document(tmp_path / "t.docx")
    assert doc.tables[0].cell(0, 1).text == "=1+1"
