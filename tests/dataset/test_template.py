"""Templates carry Chinese headers with units, one row per region, and the importer reads them back."""
import openpyxl
import pandas as pd

from allocator.dataset.importer import header_lookup, column_id
from allocator.dataset.reference import load_regions
from allocator.dataset.template import template_columns, write_template


def test_the_xlsx_template_has_a_title_a_header_with_units_and_one_row_per_region(tmp_path, regions, policy):
    path = write_template(tmp_path / "t.xlsx", regions, pools=policy.pools)
    wb = openpyxl.load_workbook(path)
    ws = wb["填报数据"]
    header = [c.value for c in ws[2]]
    assert ws["A1"].value == "医疗救助资金分配因素数据填报模板"
    assert header[:4] == ["地区代码", "地区名称", "户籍人口(人)", "常住人口(人)"]
    assert "上年分配·中央财政一般公共预算(万元)" in header
    assert ws.max_row == 2 + 183 and ws["A3"].value == "510104" and ws["A3"].number_format == "@"
    assert ws["C3"].value is None
    explained = [r[0] for r in wb["填表说明"].iter_rows(values_only=True)]
    assert "城市低保对象(人)" in explained


def test_the_csv_template_for_prefectures_has_21_rows(tmp_path):
    path = write_template(tmp_path / "t.csv", load_regions("prefecture"), columns=["hukou_population", "tekun"])
    frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    assert frame.columns.tolist() == ["地区代码", "地区名称", "户籍人口(人)", "特困人员(人)"]
    assert len(frame) == 21 and frame["地区名称"].iloc[0] == "成都市"


def test_every_template_header_maps_back_to_its_column(policy):
    lookup = header_lookup(policy.pools)
    for col, header in template_columns(pools=policy.pools).items():
        assert column_id(header, lookup) == col
