"""Text a spreadsheet would run as a formula is stored as text; numbers stay numbers."""
import io

import openpyxl
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from allocator.export.csv_safe import FORMULA_STARTS, append, is_risky, neutralise, put, safe_frame


@given(st.sampled_from(FORMULA_STARTS), st.text(max_size=20))
def test_text_starting_like_a_formula_gets_a_leading_apostrophe(start, rest):
    assert neutralise(start + rest) == "'" + start + rest


@given(st.text(max_size=20).filter(lambda s: not s.startswith(FORMULA_STARTS)))
def test_other_text_is_unchanged(text):
    assert neutralise(text) == text and not is_risky(text)


@given(st.one_of(st.integers(), st.floats(allow_nan=False)))
def test_numbers_including_negative_ones_are_never_touched(number):
    assert neutralise(number) == number


def test_a_csv_keeps_negative_numbers_numeric_and_neutralises_text():
    frame = pd.DataFrame({"地区名称": ["=1+1", "-2", "@SUM(A1)", "锦江区"], "收回(万元)": [-5, 3, 0, 1]})
    text = safe_frame(frame).to_csv(index=False)
    back = pd.read_csv(io.StringIO(text))
    assert list(back["地区名称"]) == ["'=1+1", "'-2", "'@SUM(A1)", "锦江区"]
    assert list(back["收回(万元)"]) == [-5, 3, 0, 1] and back["收回(万元)"].dtype.kind == "i"


def test_a_workbook_stores_formula_like_text_as_text(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    put(ws, 1, 1, "=1+1")
    append(ws, ["+A1", -7, "\tx"])
    wb.save(tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert ws["A1"].value == "=1+1" and ws["A1"].data_type == "s" and ws["A1"].quotePrefix
    assert ws["A2"].value == "+A1" and ws["A2"].data_type == "s"
    assert ws["B2"].value == -7 and ws["B2"].data_type == "n"
