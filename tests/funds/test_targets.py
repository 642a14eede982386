from allocator.engine import allocate
from allocator.funds import target_tables, targets_frame


def test_every_region_gets_a_target_table_with_its_money_and_indicators(policy, data):
    result = allocate(policy, data)
    tables = target_tables(result, data)
    table = result.table().set_index("code")
    assert [t.code for t in tables] == list(result.codes)
    for t, units in zip(tables, result.region_units):
        assert t.total == units
        # 中央 = the two central pools' columns, 地方 = the provincial pool's column, read off the table
        assert t.central == table.loc[t.code, "central"] + table.loc[t.code, "deep"]
        assert t.local == table.loc[t.code, "provincial"]
        assert len(t.indicators) == 5
        assert t.name in t.goal and "70%" in t.goal


def test_indicator_values_are_derived_from_the_regions_data(policy, data):
    tables = {t.code: t for t in target_tables(allocate(policy, data), data)}
    rows = tables["510102"].indicators.set_index("三级指标")["指标值"]
    assert rows["资助参保人数"] == "≥10,500人"  # 9000 低保 + 1500 特困
    assert rows["重点救助对象年度限额内住院救助比例"] == "≥70%"
    assert rows["基金累计结余占筹集总额比重"] == "≤15%"
    assert rows["困难群众医疗费用负担减轻程度"] == "有效减轻"


def test_central_money_counts_the_central_pools_only(policy, data):
    result = allocate(policy, data)
    t = {t.code: t for t in target_tables(result, data)}["513301"]
    i = list(result.codes).index("513301")
    assert t.central == result.amounts[i, 0] + result.amounts[i, 2]
    assert t.local == result.amounts[i, 1]
    frame = targets_frame(list(target_tables(result, data)))
    assert len(frame) == 6 * 5
