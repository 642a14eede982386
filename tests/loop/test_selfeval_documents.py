"""The scored 自评表 as an attachment: one page per region, the budget block, the indicators with their
marks and scores, the total — the same figures as the scored table, in .xlsx and .docx."""
from __future__ import annotations

import docx
import openpyxl
from typer.testing import CliRunner

from allocator import usecases
from allocator.cli import app


def test_the_selfeval_attachment_shows_the_scored_table_of_each_region(tmp_path):
    report = usecases.selfeval("sichuan-selfeval", "sichuan-selfeval-2019")
    jinjiang = next(e for e in report.evals if e.code == "510104")
    path = usecases.write_selfeval_document(report, tmp_path / "自评表.xlsx", ("510104", "513222"), number=3)
    ws = openpyxl.load_workbook(path).active
    values = [c for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert values[0] == "附件3" and "2019年中央和省级财政医疗救助补助资金区域绩效自评表" in values
    assert "地区：510104 锦江区" in values and "地区：513222 理县" in values
    assert f"{jinjiang.score:.2f}" in values  # the total score as scored
    assert jinjiang.indicators["三级指标"].iloc[0] in values
    assert len(ws.row_breaks.brk) == 1  # a page per region


def test_the_docx_attachment_has_one_page_per_region_and_east_asian_fonts(tmp_path):
    result = CliRunner().invoke(app, ["selfeval", "-d", "sichuan-selfeval-2019", "--region", "510104",
                                      "--doc", str(tmp_path / "自评表.docx")])
    assert result.exit_code == 0, result.output
    document = docx.Document(str(tmp_path / "自评表.docx"))
    (table,) = document.tables
    text = [cell.text for row in table.rows for cell in row.cells]
    assert "总分" in text and "偏差原因" in text and "年度总体目标" in text
    fonts = {r.element.rPr.rFonts.get(docx.oxml.ns.qn("w:eastAsia")) for p in document.paragraphs for r in p.runs
             if r.element.rPr is not None and r.element.rPr.rFonts is not None}
    assert "黑体" in fonts
