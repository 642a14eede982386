"""Workbooks for settlement and two tiers (target tables: tests/export/test_targets_doc.py) open in office software and add up exactly."""
import openpyxl

from allocator.engine import allocate
from allocator.export.funds import write_settlement_xlsx, write_two_tier_xlsx
from allocator.export.targets_doc import Departments, region_sheets, write_targets_xlsx
from allocator.funds import allocate_two_tier, compare_paths, settle


def _rows(path, sheet=None):
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet] if sheet else wb.active
    return wb, list(ws.iter_rows(values_only=True))


def test_the_settlement_workbook_has_a_two_level_header_and_exact_totals(policy, data, tmp_path):
    s = settle(policy, data)
    path = tmp_path / "settle.xlsx"
    write_settlement_xlsx(s, path, note="示例数据")
    wb, rows = _rows(path)
    assert wb.sheetnames == ["分配表", "说明", "政策参数", "运行信息"]
    assert rows[0][0] == policy.title and rows[1][0] == "示例数据" and rows[1][-1] == "单位：万元"
    assert rows[2][:3] == ("地区代码", "地区名称", "中央一般公共预算")
    assert rows[3][2:5] == ("全年", "提前下达", "此次下达")
    total_row, regions = rows[4], rows[5:]
    assert total_row[1] == "合计" and len(regions) == len(data)
    for col in range(2, len(total_row)):
        assert total_row[col] == sum(r[col] or 0 for r in regions)
    assert total_row[2] == 1000 and total_row[3] == 900 and total_row[4] == 100


def test_the_settlement_notes_give_the_pass_on_deadline(policy, data, tmp_path):
    path = tmp_path / "settle.xlsx"
    write_settlement_xlsx(settle(policy, data), path)
    _, rows = _rows(path, "说明")
    text = " ".join(str(v) for r in rows for v in r if v)
    assert "2019-07-10" in text  # received 2019-06-10 + 30 days


def test_the_two_tier_workbook_lists_prefectures_counties_and_the_path_comparison(policy, counties, data, links,
                                                                                  tmp_path):
    parent_of, names = links
    two_tier = allocate_two_tier(policy, counties, parent_of, names, city_share=0.1)
    path = tmp_path / "tiers.xlsx"
    write_two_tier_xlsx(two_tier, path, compare_paths(two_tier, allocate(policy, data)))
    wb, top = _rows(path, "市州分配表")
    assert wb.sheetnames[:3] == ["市州分配表", "县级分配表", "路径比较"]
    assert [r[1] for r in top[4:]] == ["甲市", "乙州"]
    _, lower = _rows(path, "县级分配表")
    header, total_row, body = lower[2], lower[3], lower[4:]
    assert "分配路径" in header and "市本级" in {r[3] for r in body}
    total_col = header.index("合计")
    assert total_row[total_col] == sum(r[total_col] or 0 for r in body) == 1000 + 203 + 301


def test_the_two_tier_county_sheet_names_the_prefecture_and_shows_shares_as_percentages(policy, counties, data,
                                                                                        links, tmp_path):
    parent_of, names = links
    two_tier = allocate_two_tier(policy, counties, parent_of, names)
    path = tmp_path / "tiers.xlsx"
    write_two_tier_xlsx(two_tier, path, compare_paths(two_tier, allocate(policy, data)))
    wb, lower = _rows(path, "县级分配表")
    parent_col = lower[2].index("所属市州")
    assert {r[parent_col] for r in lower[4:]} == {"甲市", "乙州"}
    ws = wb["路径比较"]
    share_col = [c.value for c in ws[1]].index("差额占比") + 1
    assert ws.cell(2, share_col).number_format == "0.00%"


def test_a_region_named_like_a_formula_stays_text_in_every_workbook_and_csv(policy, counties, tmp_path):
    from allocator.engine import RegionData
    from allocator.export import write_csv, write_xlsx

    counties.loc[0, "name"] = "=1+1"
    data = RegionData.from_frame(counties)
    result = allocate(policy, data)
    write_xlsx(result, tmp_path / "run.xlsx")
    write_csv(result, tmp_path / "run.csv")
    write_settlement_xlsx(settle(policy, data), tmp_path / "settle.xlsx")
    write_targets_xlsx(region_sheets(result, data, Departments("=1+1")), "=1+1", Departments("=1+1"), 0,
                       tmp_path / "targets.xlsx")
    for name in ("run.xlsx", "settle.xlsx", "targets.xlsx"):
        wb = openpyxl.load_workbook(tmp_path / name)
        cells = [c for ws in wb for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "=1+1" in c.value]
        assert cells and all(c.data_type == "s" for c in cells), name
        assert not [c for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"], name
    text = (tmp_path / "run.csv").read_text(encoding="utf-8-sig")
    assert "'=1+1" in text and ",=1+1" not in text
