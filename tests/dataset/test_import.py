"""Import official figures: any reasonable file lands; every problem is named at once."""
import openpyxl
import pandas as pd
import pytest

from allocator.dataset.importer import code_text, import_table
from allocator.dataset.template import write_template
from allocator.errors import DataError

# With one title row above the header, the first region (510104 锦江区) is on file row 3.
ROW = {code: i + 3 for i, code in enumerate(["510104", "510105", "510106", "510107", "510108", "510112"])}


def assert_same_numbers(imported: pd.DataFrame, figures: pd.DataFrame) -> None:
    """The imported table holds exactly the figures: same codes, names, columns and numbers."""
    expected = figures.sort_values("code").reset_index(drop=True)
    pd.testing.assert_frame_equal(imported[expected.columns], expected, check_dtype=False)
    assert imported["code"].map(type).eq(str).all()
    assert (imported.drop(columns=["code", "name"]).dtypes == "float64").all()


def refused(source, regions, crosswalk, pools=None, **kwargs) -> tuple[str, list]:
    with pytest.raises(DataError) as caught:
        import_table(source, regions, crosswalk, pools=pools, **kwargs)
    return str(caught.value), caught.value.problems


# --- files as planners make them -------------------------------------------------------------------

def test_a_filled_xlsx_template_imports_back_to_the_same_numbers(tmp_path, regions, crosswalk, pools, figures,
                                                                 filled):
    path = write_template(tmp_path / "填报.xlsx", regions, pools=pools)
    wb = openpyxl.load_workbook(path)
    ws = wb["填报数据"]
    headers = [c.value for c in ws[2]]
    by_code = filled.set_index("地区代码")
    for r in range(3, ws.max_row + 1):
        code = ws.cell(row=r, column=1).value
        for j, header in enumerate(headers[2:], start=3):
            ws.cell(row=r, column=j, value=float(by_code.loc[code, header]))
    wb.save(path)
    result = import_table(path, regions, crosswalk, pools=pools)
    assert result.header_row == 2 and result.notes == []
    assert result.frame.columns.tolist() == figures.columns.tolist()
    assert_same_numbers(result.frame, figures)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_csv_with_a_title_row_and_a_total_row_imports_in_each_encoding(encoding, tmp_path, regions, crosswalk,
                                                                        pools, figures, filled, grid):
    path = tmp_path / "figures.csv"
    grid(filled).to_csv(path, index=False, header=False, encoding=encoding)
    result = import_table(path, regions, crosswalk, pools=pools)
    assert result.header_row == 2
    assert_same_numbers(result.frame, figures)


def test_an_xlsx_with_two_title_rows_blank_rows_numeric_codes_and_a_total_row_imports(tmp_path, regions, crosswalk,
                                                                                      pools, figures, filled, grid):
    cells = grid(filled, titles=("四川省医疗救助资金分配因素表", "填报单位：省医保局   单位：人、万元"))
    blank = pd.DataFrame([[None] * cells.shape[1]], dtype=object)
    cells = pd.concat([cells.iloc[:10], blank, cells.iloc[10:-1], blank, blank, cells.iloc[-1:]], ignore_index=True)
    cells.iloc[3:, 0] = [float(c) if str(c).isdigit() else c for c in cells.iloc[3:, 0]]  # 510104.0 as Excel has it
    path = tmp_path / "figures.xlsx"
    cells.to_excel(path, index=False, header=False)
    result = import_table(path, regions, crosswalk, pools=pools)
    assert result.header_row == 3
    assert_same_numbers(result.frame, figures)


def test_a_table_already_read_with_its_header_imports(regions, crosswalk, pools, figures, filled):
    assert_same_numbers(import_table(filled, regions, crosswalk, pools=pools).frame, figures)


def test_english_ids_labels_aliases_and_full_width_parentheses_all_map(tmp_path, regions, crosswalk, pools, figures,
                                                                       filled):
    renamed = filled.rename(columns={
        "地区代码": "code", "地区名称": "区划名称", "户籍人口(人)": "户籍人口（人）", "常住人口(人)": "常住人口",
        "城市低保对象(人)": "城市低保", "特困人员(人)": "tekun", "一般公共预算支出(万元)": "expenditure",
        "一般公共预算收入(万元)": "一般公共预算收入 （万元）", "基金结余率(%)": "结余率\n(%)",
        "上年分配·中央财政补助(万元)": "base_central", "上年分配·省级财政补助(万元)": "上年分配·省级财政补助"})
    path = tmp_path / "mixed.csv"
    renamed.to_csv(path, index=False, encoding="utf-8")
    assert_same_numbers(import_table(path, regions, crosswalk, pools=pools).frame, figures)


def test_an_unknown_column_is_ignored_with_a_note(grid, regions, crosswalk, pools, filled):
    result = import_table(grid(filled.assign(备注="已核对")), regions, crosswalk, pools=pools)
    assert "未识别的列「备注」已忽略" in result.notes
    assert "备注" not in result.frame.columns


def test_names_are_compared_after_stripping_spaces(grid, regions, crosswalk, pools, filled):
    filled.loc[0, "地区名称"] = " 锦江区\u3000"
    assert import_table(grid(filled), regions, crosswalk, pools=pools).frame["name"].iloc[0] == "锦江区"


def test_codes_are_read_as_text():
    assert [code_text(v) for v in (510104, 510104.0, "510104.0", " 510104 ", None)] == ["510104"] * 4 + [""]


# --- retired codes -------------------------------------------------------------------------------

def test_the_old_code_of_pixian_lands_on_pidu_district_with_a_note(grid, regions, crosswalk, pools, figures,
                                                                     filled):
    filled.loc[filled["地区代码"] == "510117", ["地区代码", "地区名称"]] = ["510124", "郫县"]
    result = import_table(grid(filled), regions, crosswalk, pools=pools)
    assert result.notes == ["第 186 行为合计行（各数等于各地区之和），已忽略",
                            "第 13 行：旧代码 510124 郫县 已映射为 510117 郫都区（区划调整）"]
    assert "510124" not in set(result.frame["code"])
    assert_same_numbers(result.frame, figures)  # the row is 510117 郫都区 with the same numbers


def test_an_old_code_may_carry_its_current_name(grid, regions, crosswalk, pools, filled):
    filled.loc[filled["地区代码"] == "510117", "地区代码"] = "510124"
    assert import_table(grid(filled), regions, crosswalk, pools=pools).frame["code"].tolist() == sorted(regions["code"])


def test_an_old_code_and_its_new_code_both_present_are_a_duplicate(grid, regions, crosswalk, pools, filled):
    pidu = filled[filled["地区代码"] == "510117"].assign(地区代码="510124", 地区名称="郫县")
    message, problems = refused(grid(pd.concat([filled, pidu], ignore_index=True)), regions, crosswalk, pools)
    assert len(problems) == 1
    assert "地区代码 510117 郫都区 重复（第 13 行与第 186 行；第 186 行为旧代码 510124）" in message


# --- each class of bad input, refused with its message -------------------------------------------

def _set(row: int, column: str, value):
    def change(frame):
        frame.loc[row, column] = value
        return frame
    return change


def _need_above_population(frame):
    pop = frame.loc[2, "户籍人口(人)"]
    frame.loc[2, ["城市低保对象(人)", "农村低保对象(人)", "特困人员(人)"]] = [pop * 0.4, pop * 0.4, pop * 0.4]
    return frame


BAD = {
    "negative": (_set(0, "特困人员(人)", -5), "第 3 行（510104 锦江区）「特困人员(人)」= -5：不能为负数"),
    "not a number": (_set(1, "城市低保对象(人)", "约三千"),
                     "第 4 行（510105 青羊区）「城市低保对象(人)」= '约三千'：不是数字"),
    "fraction of a person": (_set(1, "户籍人口(人)", 123456.5),
                             "第 4 行（510105 青羊区）「户籍人口(人)」= 123456.5：人数应为整数"),
    "duplicate code": (_set(3, "地区代码", "510106"), "地区代码 510106 金牛区 重复（第 5 行与第 6 行）"),
    "unknown code": (_set(5, "地区代码", "519999"),
                     "第 8 行：地区代码 519999 不是本数据集的地区（也不在区划调整对照表中）"),
    "missing region": (lambda f: f.drop(index=0), "缺少地区 510104 锦江区 的数据行"),
    "name mismatch": (_set(4, "地区名称", "青羊县"), "第 7 行：代码 510108 对应「成华区」，名称却是「青羊县」"),
    "低保 above population": (_set(2, "农村低保对象(人)", 100_000_000),
                              "第 5 行（510106 金牛区）「农村低保对象(人)」= 100,000,000 超过「户籍人口(人)」202,000"),
    "低保 and 特困 together above population": (_need_above_population,
                                               "第 5 行（510106 金牛区）低保与特困人数合计 242,400 超过「户籍人口(人)」202,000"),
    "monitored above population": (_set(0, "防止返贫监测对象(人)", 300_000), "「防止返贫监测对象(人)」= 300,000 超过"),
    "blank population with people counted": (_set(4, "户籍人口(人)", None),
                                             "第 7 行（510108 成华区）「户籍人口(人)」为空或为 0，但填有「城市低保对象(人)」等人数"),
    "percent above 100": (_set(3, "基金结余率(%)", 130), "第 6 行（510107 武侯区）「基金结余率(%)」= 130，应在 0–100 之间"),
    "score above 100": (_set(3, "绩效评价得分(分)", 101), "第 6 行（510107 武侯区）「绩效评价得分(分)」= 101，应在 0–100 之间"),
    "revenue without expenditure": (_set(0, "一般公共预算支出(万元)", 0),
                                    "第 3 行（510104 锦江区）有「一般公共预算收入(万元)」却没有「一般公共预算支出(万元)」"),
    "unit other than the catalogue's": (lambda f: f.rename(columns={"户籍人口(人)": "户籍人口(万人)"}),
                                       "列「户籍人口(万人)」的单位是「万人」，应为「人」"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_each_class_of_bad_input_is_refused_with_its_message(case, grid, regions, crosswalk, pools, filled):
    change, expected = BAD[case]
    frame = change(filled.astype(object))
    message, problems = refused(grid(frame), regions, crosswalk, pools)
    assert expected in message
    assert message.startswith("数据有误（共 ")


def test_every_problem_is_reported_at_once_in_file_order_naming_row_column_and_value(grid, regions, crosswalk, pools,
                                                                                    filled):
    frame = filled.astype(object)
    for case in ("negative", "not a number", "name mismatch", "unknown code", "percent above 100",
                 "revenue without expenditure"):
        frame = BAD[case][0](frame)
    frame = _set(2, "农村低保对象(人)", 100_000_000)(frame)
    message, problems = refused(grid(frame), regions, crosswalk, pools)
    assert len(problems) == 8  # seven in the rows, and 510112 missing (its row now says 519999)
    assert message.startswith("数据有误（共 8 处）")
    assert [p.row for p in problems] == [3, 3, 4, 5, 6, 7, 8, None]
    assert problems[-1].message == "缺少地区 510112 龙泉驿区 的数据行"
    negative = problems[0]
    assert (negative.row, negative.key, negative.region, negative.value) == (3, "tekun", "510104", -5)


def test_a_refused_population_does_not_also_report_every_count_above_it(grid, regions, crosswalk, pools, filled):
    frame = _set(0, "户籍人口(人)", -1)(filled.astype(object))
    message, problems = refused(grid(frame), regions, crosswalk, pools)
    assert [p.message for p in problems] == ["第 3 行（510104 锦江区）「户籍人口(人)」= -1：不能为负数"]


def test_a_missing_required_column_is_named_and_not_required_unless_asked(grid, regions, crosswalk, pools, filled):
    frame = filled.drop(columns=["绩效评价得分(分)", "特困人员(人)"])
    import_table(grid(frame), regions, crosswalk, pools=pools)
    message, problems = refused(grid(frame), regions, crosswalk, pools,
                                required=["hukou_population", "performance_score", "tekun"])
    assert [p.message for p in problems] == ["缺少必需的列「绩效评价得分(分)」", "缺少必需的列「特困人员(人)」"]


def test_a_file_without_a_code_column_is_refused(tmp_path, regions, crosswalk, filled):
    path = tmp_path / "no_code.csv"
    filled.drop(columns="地区代码").to_csv(path, index=False)
    message, _ = refused(path, regions, crosswalk)
    assert "找不到表头" in message and "地区代码" in message


def test_resident_population_bounds_the_counts_when_hukou_population_is_missing(grid, regions, crosswalk, pools,
                                                                                filled):
    frame = filled.drop(columns="户籍人口(人)")
    frame.loc[0, "特困人员(人)"] = 190_001
    message, _ = refused(grid(frame), regions, crosswalk, pools)
    assert "「特困人员(人)」= 190,001 超过「常住人口(人)」190,000" in message


def test_a_missing_or_unreadable_file_is_refused_in_chinese(tmp_path, regions, crosswalk):
    assert "找不到数据文件" in refused(tmp_path / "nowhere.csv", regions, crosswalk)[0]
    (tmp_path / "figures.ods").write_bytes(b"")
    assert "不支持的文件格式「.ods」" in refused(tmp_path / "figures.ods", regions, crosswalk)[0]


# --- columns a policy needs -------------------------------------------------------------------------

def test_a_column_the_catalogue_does_not_know_is_read_when_required(grid, regions, crosswalk, filled, pools):
    frame = filled.assign(custom_index=1.5)
    assert "custom_index" not in import_table(grid(frame), regions, crosswalk, pools=pools).frame
    result = import_table(grid(frame), regions, crosswalk, required=["custom_index"], pools=pools)
    assert (result.frame["custom_index"] == 1.5).all()


def test_a_required_region_flag_missing_from_the_file_is_taken_from_the_region_list(grid, regions, crosswalk,
                                                                                    filled, pools):
    result = import_table(grid(filled), regions, crosswalk, required=["deep_poverty_county"], pools=pools)
    assert "「深度贫困县」取自地区名单（公开认定）" in result.notes
    assert result.frame["deep_poverty_county"].sum() == regions["deep_poverty_county"].sum() == 45


def test_values_under_a_column_without_header_are_ignored_with_a_note(grid, regions, crosswalk, filled, pools):
    cells = grid(filled)
    cells[cells.shape[1]] = [None, None, *["x"] * (len(cells) - 2)]
    result = import_table(cells, regions, crosswalk, pools=pools)
    assert f"第 {cells.shape[1]} 列没有表头，已忽略" in result.notes


def test_a_last_year_column_without_the_policy_that_names_its_pool_is_refused(grid, regions, crosswalk, filled):
    """Dropping last year's allocation silently would leave floors, caps and advances without a base."""
    with pytest.raises(DataError, match="是上年分配数：请用 --policy 指定政策文件"):
        import_table(grid(filled), regions, crosswalk)


def test_an_empty_column_is_no_data_and_a_required_one_is_refused(grid, regions, crosswalk, filled, pools):
    blank = filled.copy()
    blank["特困人员(人)"] = None
    result = import_table(grid(blank), regions, crosswalk, pools=pools)
    assert "tekun" not in result.frame.columns and any("整列为空" in n for n in result.notes)
    with pytest.raises(DataError, match="必需的列「特困人员\\(人\\)」整列为空"):
        import_table(grid(blank), regions, crosswalk, required=["tekun"], pools=pools)
