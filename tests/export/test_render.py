"""The documents as a reader sees them: converted to PDF by LibreOffice (headless) and to PNG by
pdftoppm — page counts, the table inside the page width, Chinese glyphs from an embedded CJK font,
header rows repeated, and "=1+1" shown as typed, not computed.

Needs `soffice` (Debian libreoffice-writer and libreoffice-calc) and poppler-utils; without them
these tests are skipped, saying which is missing."""
import re
import shutil
import subprocess

import pytest
from pdf_tools import SOFFICE, to_pdf

from allocator.engine import allocate
from allocator.export.targets_doc import Departments, program_name, region_sheets, write_targets_docx

pytestmark = pytest.mark.skipif(
    SOFFICE is None or shutil.which("pdftoppm") is None or shutil.which("pdffonts") is None,
    reason="LibreOffice (soffice: apt-get install libreoffice-writer libreoffice-calc) or poppler-utils "
           "(pdftoppm, pdffonts) is not installed")

A4_LANDSCAPE = (841.89, 595.28)  # points
A4_PORTRAIT = (595.28, 841.89)


@pytest.fixture(scope="module")
def pdfs(exported, formula_named, sichuan, tmp_path_factory):
    out = tmp_path_factory.mktemp("pdf")
    inputs, _ = sichuan
    sheets = [s for s in region_sheets(allocate(inputs.policy, inputs.data), inputs.data)
              if s.code in ("510104", "513437")]
    targets = out / "targets.docx"
    write_targets_docx(sheets, "2020年中央和省级财政医疗救助补助资金区域绩效目标表",
                       Departments(program_name(inputs.policy)), 0, targets)
    formula_xlsx = out / "formula.xlsx"
    formula_xlsx.write_bytes(next(p for p in formula_named[1] if p.suffix == ".xlsx").read_bytes())
    sources = {"table.docx": exported[".docx"], "table.xlsx": exported[".xlsx"], "note.docx": exported[".docx_note"]}
    for name, path in sources.items():
        (out / name).write_bytes(path.read_bytes())
    paths = [out / n for n in sources] + [targets, formula_xlsx]
    # the .docx and .xlsx of the table share a stem: convert them in two runs
    converted = to_pdf([p for p in paths if p.suffix == ".docx"], out / "docx")
    converted.update({k + "": v for k, v in to_pdf([p for p in paths if p.suffix == ".xlsx"], out / "xlsx").items()})
    return converted


def _info(pdf):
    text = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", text).group(1))
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", text).groups())
    return pages, (w, h)


def _pages_text(pdf, pages):
    """Each page's text without white space (pdftotext spaces CJK from Latin text and digits)."""
    return [re.sub(r"\s+", "", subprocess.run(["pdftotext", "-f", str(k), "-l", str(k), str(pdf), "-"],
                                              capture_output=True, text=True, check=True).stdout)
            for k in range(1, pages + 1)]


def _words_right_edge(pdf):
    """The largest x (points) of any word on any page."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return max(float(x) for x in re.findall(r'xMax="([\d.]+)"', html))


def _cjk_fonts(pdf):
    text = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    return [line for line in text.splitlines()[2:] if re.search(r"CJK|Han|Song|Hei|Fang|Ming", line)]


def _png(pdf, tmp_path, pages=1):
    prefix = tmp_path / pdf.stem
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", str(pages), str(pdf), str(prefix)], check=True)
    return sorted(tmp_path.glob(f"{pdf.stem}*.png"))


def test_the_table_document_is_landscape_a4_with_the_header_on_every_page(pdfs, tmp_path):
    pdf = pdfs["table.docx"]
    pages, size = _info(pdf)
    assert size == pytest.approx(A4_LANDSCAPE, abs=1)
    assert 5 <= pages <= 15  # 183 counties, 21 subtotals and the total at about 20 rows a page
    texts = _pages_text(pdf, pages)
    assert "2020年中央和省级财政医疗救助补助资金分配表" in texts[0] and "附件1" in texts[0]
    assert all("此次下达" in t and "收回" in t for t in texts)  # repeated header rows
    assert "—1—" in texts[0] and "—2—" in texts[1]
    assert _words_right_edge(pdf) <= A4_LANDSCAPE[0] - 30  # inside the right margin (35 mm ≈ 99 pt)
    assert _cjk_fonts(pdf), "no CJK font embedded"
    assert len(_png(pdf, tmp_path, 2)) == 2


def test_the_table_workbook_prints_one_page_wide(pdfs, tmp_path):
    pdf = pdfs["table.xlsx"]
    pages, size = _info(pdf)
    assert size == pytest.approx(A4_LANDSCAPE, abs=1)
    texts = _pages_text(pdf, pages)
    assert all("收回" in t and "地区" in t for t in texts)  # every page has the full header: nothing cut off
    assert "成都市小计" in texts[0] and "合计" in texts[0]
    assert _words_right_edge(pdf) <= A4_LANDSCAPE[0]
    assert _cjk_fonts(pdf)
    assert _png(pdf, tmp_path)


def test_each_region_s_target_table_is_one_portrait_page(pdfs, tmp_path):
    pdf = pdfs["targets.docx"]
    pages, size = _info(pdf)
    assert size == pytest.approx(A4_PORTRAIT, abs=1) and pages == 2
    first, second = _pages_text(pdf, 2)
    assert "锦江区" in first and "雷波县" in second
    assert "政策覆盖" not in first and "政策覆盖" in second
    assert _words_right_edge(pdf) <= A4_PORTRAIT[0] - 60
    assert _png(pdf, tmp_path, 2)


def test_the_method_note_renders_in_chinese(pdfs):
    pdf = pdfs["note.docx"]
    pages, size = _info(pdf)
    assert size == pytest.approx(A4_PORTRAIT, abs=1) and 2 <= pages <= 8
    text = "".join(_pages_text(pdf, pages))
    assert "分配测算说明" in text and "运行指纹" in text and _cjk_fonts(pdf)


def test_a_region_named_like_a_formula_prints_as_typed(pdfs):
    pdf = pdfs["formula.xlsx"]
    pages, _ = _info(pdf)
    text = "".join(_pages_text(pdf, pages))
    assert text.count("=1+1") == 2  # the title and 锦江区's row, never computed to 2
