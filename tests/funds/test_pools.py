import numpy as np

from allocator.engine import allocate


def test_every_row_and_column_of_the_region_by_pool_table_adds_up_exactly(policy, data):
    result = allocate(policy, data)
    assert result.amounts.dtype == np.int64
    assert result.pool_units.tolist() == [1000, 203, 301]
    table = result.table()
    assert (table[["central", "provincial", "deep"]].sum(axis=1) == table["total"]).all()
    assert table["total"].sum() == 1504


def test_a_special_pool_goes_only_to_eligible_regions_and_says_why_the_others_get_nothing(policy, data):
    result = allocate(policy, data)
    deep = result.table().set_index("code")["deep"]
    assert (deep[["510101", "510102", "510103"]] == 0).all()
    assert (deep[["513301", "513302", "513303"]] > 0).all()
    notes = dict(zip(result.codes, result.trace["deep:note"]))
    assert notes["510101"] == "非深度贫困县，不参与此项分配"
    assert notes["513301"] == ""


def test_the_special_pool_follows_its_own_factors(policy, data):
    # 丁县: 0.6·20000/48000 + 0.4·5000/11100 of 301, before rounding
    result = allocate(policy, data)
    i = list(result.codes).index("513301")
    expected = 301 * (0.6 * 20000 / 48000 + 0.4 * 5000 / 11100)
    assert abs(result.trace["deep:formula"][i] - expected) < 1e-9
    assert abs(int(result.amounts[i, 2]) - expected) < 1


def test_shared_pools_split_each_region_total_in_proportion_to_the_pool_totals(policy, data):
    result = allocate(policy, data)
    shared = result.amounts[:, :2]
    expected = np.outer(shared.sum(axis=1), np.array([1000, 203]) / 1203)
    assert (np.abs(shared - expected) < 1).all()
