"""Page layout of official documents after GB/T 9704-2012 《党政机关公文格式》, for .docx and .xlsx.

GB/T 9704-2012: A4 paper (210 × 297 mm); 天头 (top margin) 37 mm, bottom 35 mm, 订口 (left) 28 mm,
right 26 mm (5.2: 版心 156 × 225 mm); body text 3号仿宋 (16 pt); the title 2号小标宋 (22 pt); "附件"
at the top left of an attachment in 3号黑体 (8.2, 10); page numbers in 4号 (14 pt) Arabic numerals
with a dash on each side, "— 1 —", odd pages at the right and even pages at the left (7.5). Tables in
an attachment use a smaller 仿宋; a table wider than the portrait text block goes on a landscape page.

Word keeps a separate font for East Asian text (w:rFonts/@w:eastAsia): python-docx sets only the Latin
font, so every run here names both. Font sizes by 号: 2号 22 pt, 3号 16 pt, 4号 14 pt, 小4 12 pt,
5号 10.5 pt, 小5 9 pt.
"""
from __future__ import annotations

from dataclasses import dataclass

from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.page import PageMargins

from allocator.errors import Problem

# fonts (East Asian names as Chinese Windows and WPS install them; LibreOffice substitutes a CJK font)
HEITI = "黑体"
FANGSONG = "仿宋"
SONGTI = "宋体"
XIAOBIAOSONG = "方正小标宋简体"
LATIN = "Times New Roman"

# sizes, pt
SIZE_2 = 22.0  # 2号: title
SIZE_3 = 16.0  # 3号: body, 附件 label
SIZE_4 = 14.0  # 4号: page numbers
SIZE_SMALL_4 = 12.0  # 小4
SIZE_5 = 10.5  # 5号: tables
SIZE_SMALL_5 = 9.0  # 小5: wide tables

# A4 and the GB/T 9704 margins, mm
A4_SHORT, A4_LONG = 210, 297
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 37, 35, 28, 26


@dataclass(frozen=True)
class Fonts:
    """The fonts a document uses; `title` falls back to 黑体 where 小标宋 is not wanted or installed."""

    title: str = XIAOBIAOSONG
    title_fallback: str = HEITI
    label: str = HEITI  # 附件N, headings 一、…
    body: str = FANGSONG
    page_number: str = SONGTI


FONTS = Fonts()


# ---------------------------------------------------------------- .docx

def set_run_font(run, east_asian: str, size: float | None = None, bold: bool | None = None,
                 latin: str = LATIN) -> None:
    """Latin and East Asian font of one run (w:rFonts ascii/hAnsi and eastAsia)."""
    run.font.name = latin
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    if size is not None:
        run.font.size = Pt(size)
    if bold is not None:
        run.font.bold = bold


def set_style_font(style, east_asian: str, size: float, latin: str = LATIN) -> None:
    """Default fonts of a paragraph style (Normal): text without its own font uses these."""
    style.font.name = latin
    style.font.size = Pt(size)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asian)


def add_text(paragraph, text: str, east_asian: str, size: float, bold: bool = False):
    run = paragraph.add_run(text)
    set_run_font(run, east_asian, size, bold)
    return run


def paragraph(doc_or_cell, text: str = "", east_asian: str = FANGSONG, size: float = SIZE_3,
              align=None, bold: bool = False, space_after: float = 0, line_spacing: float | None = None):
    """A paragraph with one run in the given fonts; no space after unless asked."""
    p = doc_or_cell.add_paragraph()
    if text:
        add_text(p, text, east_asian, size, bold)
    mark_size(p, size)
    fmt = p.paragraph_format
    fmt.space_after = Pt(space_after)
    fmt.space_before = Pt(0)
    if line_spacing is not None:
        fmt.line_spacing = Pt(line_spacing)
    if align is not None:
        p.alignment = align
    return p


def page_setup(section, landscape: bool = False) -> None:
    """A4 with the GB/T 9704 margins; a landscape page keeps 37/35 mm on the long sides' ends
    (left/right) and 28/26 mm at the top and bottom, the page turned clockwise from portrait."""
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(A4_LONG), Mm(A4_SHORT)
        section.top_margin, section.bottom_margin = Mm(MARGIN_LEFT), Mm(MARGIN_RIGHT)
        section.left_margin, section.right_margin = Mm(MARGIN_TOP), Mm(MARGIN_BOTTOM)
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Mm(A4_SHORT), Mm(A4_LONG)
        section.top_margin, section.bottom_margin = Mm(MARGIN_TOP), Mm(MARGIN_BOTTOM)
        section.left_margin, section.right_margin = Mm(MARGIN_LEFT), Mm(MARGIN_RIGHT)
    section.header_distance = Mm(15)
    section.footer_distance = Mm(18)


def text_width_mm(section) -> float:
    return (section.page_width - section.left_margin - section.right_margin) / Mm(1)


def _page_field(p, font: str) -> None:
    """"— PAGE —" as runs: the dash, a PAGE field, the dash."""
    add_text(p, "— ", font, SIZE_4)
    begin = p.add_run()
    set_run_font(begin, font, SIZE_4)
    el = OxmlElement("w:fldChar")
    el.set(qn("w:fldCharType"), "begin")
    begin._element.append(el)
    instr = p.add_run()
    set_run_font(instr, font, SIZE_4)
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = " PAGE "
    instr._element.append(text)
    sep = p.add_run()
    el = OxmlElement("w:fldChar")
    el.set(qn("w:fldCharType"), "separate")
    sep._element.append(el)
    shown = p.add_run("1")
    set_run_font(shown, font, SIZE_4)
    end = p.add_run()
    el = OxmlElement("w:fldChar")
    el.set(qn("w:fldCharType"), "end")
    end._element.append(el)
    add_text(p, " —", font, SIZE_4)


def page_numbers(doc, section, font: str = SONGTI) -> None:
    """GB/T 9704 7.5: "— 1 —" in 4号, odd pages at the right, even pages at the left, one 字 in."""
    doc.settings.odd_and_even_pages_header_footer = True
    section.footer.is_linked_to_previous = False
    section.even_page_footer.is_linked_to_previous = False
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT), (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
        for run in list(p.runs):
            run._element.getparent().remove(run._element)
        p.alignment = align
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            p.paragraph_format.right_indent = Pt(SIZE_4)
        else:
            p.paragraph_format.left_indent = Pt(SIZE_4)
        _page_field(p, font)


def new_document(fonts: Fonts = FONTS, landscape: bool = False):
    """An empty A4 document: GB/T 9704 margins, Normal style 3号仿宋 (East Asian font set), page numbers."""
    from docx import Document

    doc = Document()
    doc.core_properties.author = "allocator"  # lets a later run recognise its own output
    doc.core_properties.last_modified_by = "allocator"
    set_style_font(doc.styles["Normal"], fonts.body, SIZE_3)
    page_setup(doc.sections[0], landscape)
    page_numbers(doc, doc.sections[0], fonts.page_number)
    return doc


def attachment_label(doc, number: int | str | None, fonts: Fonts = FONTS) -> None:
    """"附件1" at the top left in 3号黑体 (GB/T 9704 8.2)."""
    label = "附件" if number in (None, "") else f"附件{number}"
    paragraph(doc, label, fonts.label, SIZE_3)


def title(doc, text: str, fonts: Fonts = FONTS, size: float = SIZE_2) -> None:
    """The centred title in 2号小标宋 (its fallback 黑体 declared in the font table), then a small gap."""
    p = paragraph(doc, "", align=WD_ALIGN_PARAGRAPH.CENTER, space_after=12)
    add_text(p, text, fonts.title, size)
    declare_font(doc, fonts.title, fonts.title_fallback)


def declare_font(doc, name: str, alternative: str) -> None:
    """Add `name` to the document's font table with `alternative` as its w:altName, so a reader
    without 方正小标宋 is told to show 黑体 (GB/T 9704 titles; CJK charset GB2312, 0x86)."""
    part = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    blob = part.blob.decode("utf-8")
    if f'w:name="{name}"' in blob:
        return
    entry = (f'<w:font w:name="{name}"><w:altName w:val="{alternative}"/><w:charset w:val="86"/>'
             f'<w:family w:val="script"/><w:pitch w:val="variable"/></w:font>')
    part._blob = blob.replace("</w:fonts>", entry + "</w:fonts>").encode("utf-8")


def left_right_line(doc, left: str, right: str, width_mm: float, fonts: Fonts = FONTS,
                    size: float = SIZE_SMALL_4) -> None:
    """One line with text at the left (科目, notes) and at the right (单位：万元), by a right tab stop."""
    from docx.enum.text import WD_TAB_ALIGNMENT

    p = paragraph(doc, "", space_after=3)
    p.paragraph_format.tab_stops.add_tab_stop(Mm(width_mm), WD_TAB_ALIGNMENT.RIGHT)
    add_text(p, f"{left}\t{right}", fonts.body, size)


def repeat_header(row) -> None:
    """Mark a table row as a header row, repeated at the top of every page (w:tblHeader)."""
    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def min_height(row, mm: float) -> None:
    """A row at least this high (w:trHeight, rule atLeast)."""
    from docx.enum.table import WD_ROW_HEIGHT_RULE

    row.height = Mm(mm)
    row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST


def keep_row_together(row) -> None:
    """A row never splits across pages (w:cantSplit)."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))


def table_borders(table, size_eighths: int = 4) -> None:
    """Single lines around and inside the table (w:tblBorders)."""
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), str(size_eighths))
        el.set(qn("w:space"), "0")
        el.set(qn("w:color"), "000000")
        borders.append(el)
    tbl_pr.insert_element_before(borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption",
                                 "w:tblDescription", "w:tblPrChange")  # schema order of w:tblPr


def fixed_widths(table, widths_mm: list[float]) -> None:
    """Fixed layout, centred, with these column widths (Word needs them on every cell)."""
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # w:tblLayout type="fixed"
    grid = table._tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths_mm):
        col.set(qn("w:w"), str(int(Mm(w).twips)))
    for row in table.rows:
        for cell, w in zip(row.cells, widths_mm):
            cell.width = Mm(w)


def cell_text(cell, text: str, east_asian: str, size: float, bold: bool = False, align=None,
              indent_chars: float = 0) -> None:
    """Replace a cell's text: one paragraph, one run, fonts set, vertically centred."""
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT

    p = cell.paragraphs[0]
    for run in list(p.runs):
        run._element.getparent().remove(run._element)
    if text:
        add_text(p, text, east_asian, size, bold)
    mark_size(p, size)
    fmt = p.paragraph_format
    fmt.space_after = Pt(0)
    fmt.space_before = Pt(0)
    fmt.line_spacing = 1.0
    if indent_chars:
        fmt.left_indent = Pt(size * indent_chars)
    if align is not None:
        p.alignment = align
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def mark_size(p, size: float) -> None:
    """The size of a paragraph's mark (w:pPr/w:rPr/w:sz): an empty cell is then as high as a full one."""
    ppr = p._p.get_or_add_pPr()
    rpr = ppr.find(qn("w:rPr"))
    if rpr is None:
        rpr = OxmlElement("w:rPr")
        ppr.append(rpr)
    for tag in ("w:sz", "w:szCs"):
        el = OxmlElement(tag)
        el.set(qn("w:val"), str(int(round(size * 2))))
        rpr.append(el)


def landscape_section(doc):
    """Start a new landscape section on a new page (for a table wider than the portrait text block)."""
    from docx.enum.section import WD_SECTION

    section = doc.add_section(WD_SECTION.NEW_PAGE)
    page_setup(section, landscape=True)
    return section


# ---------------------------------------------------------------- .xlsx

THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
GB2312 = 134  # font charset for simplified Chinese


def xl_font(name: str = FANGSONG, size: float = 11, bold: bool = False) -> Font:
    return Font(name=name, size=size, bold=bold, charset=GB2312)


CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="center")


def merge(ws, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
    """Merge a range known not to overlap any other (openpyxl's own check is quadratic in the number
    of merged ranges: 3,000 merges in a 183-region target sheet took 14 s)."""
    from openpyxl.worksheet.cell_range import CellRange
    from openpyxl.worksheet.merge import MergedCellRange

    coord = CellRange(min_col=first_col, min_row=first_row, max_col=last_col, max_row=last_row).coord
    merged = MergedCellRange(ws, coord)
    ws.merged_cells.ranges.add(merged)
    ws._clean_merge_range(merged)


def xl_print_setup(ws, header_rows: tuple[int, int] | None, landscape: bool, last_col_letter: str,
                   last_row: int) -> None:
    """A4, GB/T 9704 margins, fit to one page wide, header rows repeated on every page, print area,
    page numbers "— &P —" in the footer, centred horizontally."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    inch = 25.4
    if landscape:
        ws.page_margins = PageMargins(left=MARGIN_TOP / inch, right=MARGIN_BOTTOM / inch, top=MARGIN_LEFT / inch,
                                      bottom=MARGIN_RIGHT / inch, header=0.3, footer=0.4)
    else:
        ws.page_margins = PageMargins(left=MARGIN_LEFT / inch, right=MARGIN_RIGHT / inch, top=MARGIN_TOP / inch,
                                      bottom=MARGIN_BOTTOM / inch, header=0.3, footer=0.5)
    ws.print_options.horizontalCentered = True
    if header_rows:
        ws.print_title_rows = f"{header_rows[0]}:{header_rows[1]}"
    ws.print_area = f"A1:{last_col_letter}{last_row}"
    ws.oddFooter.center.text = "— &P —"
    ws.oddFooter.center.font = SONGTI
    ws.oddFooter.center.size = 14


# 附件 numbers of a notice count from 1; a notice with a hundred attachments is a typo.
MAX_ATTACHMENT_NUMBER = 99


def attachment_number_problems(number: int | None) -> list[Problem]:
    """The problem with an attachment number (附件N), if any; None means an unnumbered 附件."""
    if number is None or 1 <= number <= MAX_ATTACHMENT_NUMBER:
        return []
    return [Problem(f"附件编号 {number} 应为 1 到 {MAX_ATTACHMENT_NUMBER} 之间的整数", key="number", value=number)]
