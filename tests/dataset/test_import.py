"""Import official figures: any reasonable file lands; every problem is named at once; nothing is lost."""
import numpy as np
import openpyxl
import pandas as pd
import pytest

from allocator.dataset.importer import import_table
from allocator.dataset.reference import load_figures
from allocator.dataset.template import write_template
from allocator.errors import DataError


def _expected():
    return load_figures(2020, flags=False).sort_values("code").reset_index(drop=True)


def _same_numbers(frame: pd.DataFrame) -> None:
    expected = _expected()
    assert frame["code"].tolist() == expected["code"].tolist()
    for col in expected.columns.drop(["code", "name"]):
        np.testing.assert_allclose(frame[col].to_numpy(dtype=float), expected[col].to_numpy(dtype=float), err_msg=col)


def test_a_filled_xlsx_template_imports_back_to_the_same_numbers(tmp_path, regions, crosswalk, policy, official):
    path = tmp_path / "template.xlsx"
    write_template(path, regions, [c for c in official.columns], policy.pools)
    wb = openpyxl.load_workbook(path)
    ws = wb["填报数据"]
    headers = [c.value for c in ws[2]]
    filled = official.set_index("地区代码")
    for r in range(3, ws.max_row + 1):
        code = ws.cell(row=r, column=1).value
        for j, header in enumerate(headers[2:], start=3):
            ws.cell(row=r, column=j, value=filled.loc[code, header].item())
    wb.save(path)
    result = import_table(path, regions, crosswalk, pools=policy.pools)
    assert result.header_row == 2
    _same_numbers(result.frame)


def test_a_csv_in_gb18030_with_a_title_and_a_total_row_imports(as_file_grid, tmp_path, regions, crosswalk, policy, official):
    path = tmp_path / "figures.csv"
    as_file_grid(official).to_csv(path, index=False, header=False, encoding="gb18030")
    result = import_table(path, regions, crosswalk, pools=policy.pools)
    assert result.header_row == 2
    _same_numbers(result.frame)


def test_english_ids_and_full_width_parentheses_both_map(tmp_path, regions, crosswalk, policy, official):
    renamed = official.rename(columns={"地区代码": "code", "户籍人口(人)": "户籍人口（人）",
                                       "特困人员(人)": "tekun", "一般公共预算支出(万元)": "expenditure"})
    path = tmp_path / "mixed.csv"
    renamed.to_csv(path, index=False, encoding="utf-8")
    _same_numbers(import_table(path, regions, crosswalk, pools=policy.pools).frame)


def test_an_old_code_lands_on_its_current_county_with_a_note(as_file_grid, regions, crosswalk, policy, official):
    frame = official.copy()
    frame.loc[frame["地区代码"] == "510117", ["地区代码", "地区名称"]] = ["510124", "郫县"]
    result = import_table(as_file_grid(frame), regions, crosswalk, pools=policy.pools)
    assert any("旧代码 510124 郫县" in n and "510117" in n for n in result.notes)
    assert "510117" in set(result.frame["code"]) and "510124" not in set(result.frame["code"])
    assert result.frame.set_index("code").loc["510117", "name"] == "郫都区"


def _problems(grid, regions, crosswalk, policy):
    with pytest.raises(DataError) as caught:
        import_table(grid, regions, crosswalk, pools=policy.pools)
    return str(caught.value), caught.value.problems


def test_every_class_of_bad_input_is_refused_in_one_list_naming_row_column_and_value(as_file_grid, regions, crosswalk, policy,
                                                                                       official):
    bad = official.astype(object)
    bad.loc[0, "特困人员(人)"] = -5                       # negative          (file row 3)
    bad.loc[1, "城市低保对象(人)"] = "约三千"               # not a number      (row 4)
    bad.loc[2, "农村低保对象(人)"] = 99_999_999             # more than population (row 5)
    bad.loc[3, "基金结余率(%)"] = 130                      # percent > 100     (row 6)
    bad.loc[4, "地区名称"] = "青羊县"                       # name ≠ code       (row 7)
    bad.loc[5, "地区代码"] = "519999"                      # unknown code      (row 8) → 510112 missing
    bad.loc[6, "地区代码"] = bad.loc[7, "地区代码"]          # duplicate         (rows 9 and 10)
    bad.loc[8, "户籍人口(人)"] = 123.5                      # fraction of a person (row 11)
    message, problems = _problems(as_file_grid(bad), regions, crosswalk, policy)
    expected = [
        "第 3 行（510104 锦江区）「特困人员(人)」= -5：不能为负数",
        "第 4 行（510105 青羊区）「城市低保对象(人)」= '约三千'：不是数字",
        "「农村低保对象(人)」= 99,999,999 超过「户籍人口(人)」",
        "「基金结余率(%)」= 130，应在 0–100 之间",
        "代码 510108 对应「成华区」，名称却是「青羊县」",
        "地区代码 519999 不是本数据集的地区",
        "重复（第 9 行与第 10 行）",
        "人数应为整数",
        "缺少地区 510112 龙泉驿区 的数据行",
    ]
    for text in expected:
        assert text in message, text
    assert message.startswith("数据有误（共 ")
    assert all(p.row for p in problems if p.region not in ("510112", "510113"))


def test_a_required_column_missing_is_named(as_file_grid, regions, crosswalk, policy, official):
    frame = official.drop(columns=["绩效评价得分(分)"])
    import_table(as_file_grid(frame), regions, crosswalk, pools=policy.pools)  # not required unless asked
    with pytest.raises(DataError, match="缺少必需的列「绩效评价得分\\(分\\)」"):
        import_table(as_file_grid(frame), regions, crosswalk, required=list(policy.data_columns),
                     pools=policy.pools)


def test_a_header_in_another_unit_is_refused_rather_than_scaled(as_file_grid, regions, crosswalk, policy, official):
    frame = official.rename(columns={"户籍人口(人)": "户籍人口(万人)"})
    message, _ = _problems(as_file_grid(frame), regions, crosswalk, policy)
    assert "单位是「万人」，应为「人」" in message


def test_an_unknown_column_is_ignored_with_a_note(as_file_grid, regions, crosswalk, policy, official):
    frame = official.assign(备注="")
    result = import_table(as_file_grid(frame), regions, crosswalk, pools=policy.pools)
    assert "未识别的列「备注」已忽略" in result.notes
