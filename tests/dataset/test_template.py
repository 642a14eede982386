"""Templates carry Chinese headers with units, one row per region, and the importer reads them back."""
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from allocator.cli import app
from allocator.columns import FIGURES
from allocator.dataset.importer import column_id, header_lookup
from allocator.dataset.reference import load_regions
from allocator.dataset.template import TITLE, template_columns, template_frame, write_template
from allocator.errors import InputError


def test_the_frame_has_chinese_headers_with_units_codes_and_names_filled_and_figures_blank(regions, pools):
    frame = template_frame(regions, pools=pools)
    assert frame.columns[:5].tolist() == ["地区代码", "地区名称", "户籍人口(人)", "常住人口(人)", "城市低保对象(人)"]
    assert frame.columns[-2:].tolist() == ["上年分配·中央财政补助(万元)", "上年分配·省级财政补助(万元)"]
    assert len(frame) == 183
    assert frame["地区代码"].tolist() == regions["code"].tolist()
    assert frame["地区名称"].iloc[0] == "锦江区"
    assert frame.iloc[:, 2:].isna().all().all()


def test_a_pool_base_column_is_its_base_column_or_else_base_and_its_id(pools):
    columns = template_columns(["tekun"], pools)
    assert columns == {"code": "地区代码", "name": "地区名称", "tekun": "特困人员(人)",
                       "base_central": "上年分配·中央财政补助(万元)", "base_provincial": "上年分配·省级财政补助(万元)"}


def test_only_the_columns_asked_for_are_in_the_template(regions):
    frame = template_frame(regions, columns=["hukou_population", "dibao_rural"])
    assert frame.columns.tolist() == ["地区代码", "地区名称", "户籍人口(人)", "农村低保对象(人)"]


def test_the_xlsx_template_has_a_title_a_bold_frozen_header_text_codes_and_one_row_per_region(tmp_path, regions,
                                                                                              pools):
    path = write_template(tmp_path / "模板.xlsx", regions, pools=pools)
    wb = openpyxl.load_workbook(path)
    ws = wb["填报数据"]
    assert wb.sheetnames == ["填报数据", "填表说明"]
    assert ws["A1"].value == TITLE == "医疗救助资金分配因素数据填报模板"
    header = [c.value for c in ws[2]]
    assert header[:4] == ["地区代码", "地区名称", "户籍人口(人)", "常住人口(人)"]
    assert "上年分配·中央财政补助(万元)" in header
    assert all(c.font.bold for c in ws[2])
    assert ws.freeze_panes == "C3"
    assert ws.max_row == 2 + 183
    assert ws["A3"].value == "510104" and ws["A3"].number_format == "@" and ws["B3"].value == "锦江区"
    assert all(c.value is None for c in ws[3][2:])


def test_the_instructions_sheet_lists_every_column_with_its_id_chinese_name_unit_and_meaning(tmp_path, regions, pools):
    path = write_template(tmp_path / "模板.xlsx", regions, pools=pools)
    rows = list(openpyxl.load_workbook(path)["填表说明"].iter_rows(values_only=True))
    assert rows[0] == ("列名", "英文标识", "单位", "说明")
    listed = {r[1]: r for r in rows[1:] if r and r[1]}
    assert set(listed) == set(template_columns(pools=pools))
    assert listed["dibao_urban"][0] == "城市低保对象(人)" and listed["dibao_urban"][2] == "人"
    assert "城市最低生活保障" in listed["dibao_urban"][3]
    assert listed["base_provincial"][2] == "万元" and "上年" in listed["base_provincial"][3]
    assert all(r[3] for r in listed.values())


def test_a_title_can_be_given(tmp_path, regions):
    path = write_template(tmp_path / "t.xlsx", regions, title="2021年医疗救助因素数据")
    assert openpyxl.load_workbook(path)["填报数据"]["A1"].value == "2021年医疗救助因素数据"


def test_the_csv_template_is_utf8_with_bom_without_a_title_and_has_21_prefectures(tmp_path):
    path = write_template(tmp_path / "t.csv", load_regions("prefecture"), columns=["hukou_population", "tekun"])
    assert path.read_bytes().startswith("\ufeff地区代码".encode("utf-8"))
    frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str)
    assert frame.columns.tolist() == ["地区代码", "地区名称", "户籍人口(人)", "特困人员(人)"]
    assert len(frame) == 21 and frame["地区名称"].iloc[0] == "成都市"


def test_another_file_type_is_refused_in_chinese(tmp_path, regions):
    with pytest.raises(InputError, match="不支持的模板格式"):
        write_template(tmp_path / "t.ods", regions)


def test_every_template_header_maps_back_to_its_column(pools):
    lookup = header_lookup(pools)
    for col, header in template_columns(pools=pools).items():
        assert column_id(header, lookup) == col


def test_cli_template_writes_the_county_workbook_by_default(tmp_path):
    out = tmp_path / "模板.xlsx"
    result = CliRunner().invoke(app, ["template", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "已写出填报模板" in result.output and "183 个地区" in result.output
    ws = openpyxl.load_workbook(out)["填报数据"]
    assert [c.value for c in ws[2]] == ["地区代码", "地区名称", *(c.header for c in FIGURES)]


def test_cli_template_for_prefectures_as_csv(tmp_path):
    out = tmp_path / "市州.csv"
    result = CliRunner().invoke(app, ["template", "--out", str(out), "--level", "prefecture"])
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out, encoding="utf-8-sig")) == 21


def test_cli_template_with_a_policy_asks_for_its_columns_and_one_base_per_pool(tmp_path):
    from allocator.policy import load_policy

    policy_path = "sichuan-2020"
    policy = load_policy(policy_path)
    out = tmp_path / "t.xlsx"
    result = CliRunner().invoke(app, ["template", "--out", str(out), "--policy", str(policy_path)])
    assert result.exit_code == 0, result.output
    header = [c.value for c in openpyxl.load_workbook(out)["填报数据"][2]]
    assert header == list(template_columns([c for c in policy.data_columns if not c.startswith("base_")],
                                           policy.pools).values())
    assert sum(h.startswith("上年分配·") for h in header) == len(policy.pools)


def test_cli_template_refuses_an_unknown_level(tmp_path):
    result = CliRunner().invoke(app, ["template", "--out", str(tmp_path / "t.xlsx"), "--level", "town"])
    assert result.exit_code == 1 and "地区层级应为 county（县）或 prefecture（市州）" in result.output
    assert not (tmp_path / "t.xlsx").exists()
