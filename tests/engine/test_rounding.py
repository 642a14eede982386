"""Largest-remainder and controlled rounding, worked by hand (allocator/rounding)."""
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from allocator.rounding import controlled_round, largest_remainder
from allocator.rounding.hamilton import snap

CODES = np.array(["510101", "510102", "510103", "510104"])


def test_largest_remainder_gives_the_leftover_units_to_the_largest_fractions():
    # ⌊q⌋ = 3, 2, 1, 2 (Σ 8); 10 − 8 = 2 units left → the fractions .6 and .6 win over .5 and .3
    result = largest_remainder([3.6, 2.3, 1.5, 2.6], 10, CODES)
    assert result.tolist() == [4, 2, 1, 3]
    assert result.sum() == 10 and result.dtype == np.int64


def test_a_tie_between_equal_remainders_goes_to_the_smaller_administrative_code():
    # ⌊q⌋ = 1, 1, 2, 1 (Σ 5); 6 − 5 = 1 unit; 510102 and 510104 both have .5 → 510102 (smaller code)
    quotas = [1.25, 1.5, 2.0, 1.5]
    assert largest_remainder(quotas, 6, CODES).tolist() == [1, 2, 2, 1]
    # the codes decide, not the row order: with the codes reversed the tie is between 510103 (row 2)
    # and 510101 (row 4), and row 4 wins
    assert largest_remainder(quotas, 6, CODES[::-1]).tolist() == [1, 1, 2, 2]


def test_two_units_and_a_three_way_tie_go_to_the_two_smallest_codes():
    # ⌊q⌋ = 0 each; 2 units among three equal quotas of 2/3: 510101 and 510102
    assert largest_remainder([2 / 3] * 3, 2, CODES[:3]).tolist() == [1, 1, 0]
    assert largest_remainder([2 / 3] * 3, 2, ["510103", "510102", "510101"]).tolist() == [0, 1, 1]


def test_a_quota_a_hair_below_an_integer_is_that_integer():
    # 99.9999999999 is solver noise for 100, not 99 with a remainder of .9999999999
    assert snap([99.9999999999, 0.5])[0] == 100
    assert largest_remainder([99.9999999999, 50.0000000001], 150).tolist() == [100, 50]


def test_a_floor_is_respected_even_when_its_quota_fell_just_below_it():
    # quota 2.6 under floor 3: raised to 3 first. Then ⌊q⌋ = 3, 3, 3 (Σ 9), one unit left between two
    # remainders of .7 → 510102 (smaller code). Without the floor: ⌊q⌋ = 2, 3, 3, two units to the .7s.
    quotas = [2.6, 3.7, 3.7]
    assert largest_remainder(quotas, 10, CODES[:3], lo=[3, 0, 0]).tolist() == [3, 4, 3]
    assert largest_remainder(quotas, 10, CODES[:3]).tolist() == [2, 4, 4]


def test_a_cap_is_respected_even_when_its_quota_rose_just_above_it():
    # quota 5.8 over cap 5: lowered to 5. ⌊q⌋ = 5, 2, 2 (Σ 9); one unit between .1 and .1 → 510102
    quotas = [5.8, 2.1, 2.1]
    assert largest_remainder(quotas, 10, CODES[:3], hi=[5, np.inf, np.inf]).tolist() == [5, 3, 2]


def test_bounds_the_quotas_respect_are_never_broken():
    quotas = np.array([3.0, 4.9, 7.1, 5.0])  # lo and hi are integers around each quota
    lo, hi = np.array([3, 4, 7, 5]), np.array([3, 5, 8, 5])
    result = largest_remainder(quotas, 20, CODES, lo=lo, hi=hi)
    assert result.tolist() == [3, 5, 7, 5]
    assert np.all(result >= lo) and np.all(result <= hi)


def test_a_total_that_rounding_cannot_reach_is_refused():
    with pytest.raises(ValueError, match="相差过大"):
        largest_remainder([1.5, 2.5], 7)


# --- controlled rounding of a region × pool table ------------------------------------------------

def test_controlled_rounding_keeps_every_row_and_column_total_worked_example():
    # Region totals 176, 192, 289, 243 split 7 : 2 between pools of 700 and 200:
    #   甲 136.889 39.111 | 乙 149.333 42.667 | 丙 224.778 64.222 | 丁 189 54
    # Floors give columns 698 and 199, so two central units and one provincial unit are short, one each
    # for 甲, 乙, 丙. Largest fractions first: 甲·central .889, 丙·central .778, 乙·provincial .667.
    rows = np.array([176, 192, 289, 243])
    cols = np.array([700, 200])
    table = np.outer(rows, cols / cols.sum())
    result = controlled_round(table, rows, cols)
    assert result.tolist() == [[137, 39], [149, 43], [225, 64], [189, 54]]
    assert result.sum(axis=1).tolist() == rows.tolist()
    assert result.sum(axis=0).tolist() == cols.tolist()


def test_controlled_rounding_repairs_what_the_greedy_pass_gets_wrong():
    # rows need 2, 1, 2 and columns 2, 2, 1 (all floors are 0). Greedy by largest fraction takes
    # (0,1) .9, (2,0) .9, (0,0) .6, (2,1) .6 — then row 1 is short and only column 2 is, where row 1
    # has nothing to round up (0). The augmenting path column 2 → (0,2) up → row 0 → (0,0) down →
    # column 0 → (1,0) up reaches row 1.
    table = np.array([[0.6, 0.9, 0.5],
                      [0.5, 0.5, 0.0],
                      [0.9, 0.6, 0.5]])
    result = controlled_round(table, [2, 1, 2], [2, 2, 1])
    assert result.tolist() == [[0, 1, 1],
                               [1, 0, 0],
                               [1, 1, 0]]


def test_margins_that_disagree_are_refused():
    with pytest.raises(ValueError, match="不一致"):
        controlled_round(np.array([[0.5, 0.5]]), np.array([1]), np.array([1, 1]))


def fitted_table(rng, row_totals, col_totals):
    """A positive real table with the given integer margins (iterative proportional fitting)."""
    table = rng.uniform(0.05, 1.0, (len(row_totals), len(col_totals)))
    def ratio(target, current):  # a margin of 0 stays 0 (no 0/0)
        return np.divide(target, current, out=np.zeros_like(target), where=current > 0)

    for _ in range(500):
        table *= ratio(row_totals, table.sum(axis=1))[:, None]
        table *= ratio(col_totals, table.sum(axis=0))[None, :]
    return table


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 40), st.integers(1, 5), st.integers(0, 2**32 - 1))
@example(1, 2, 8002)  # a pool total of 0 (found by hypothesis)
def test_controlled_rounding_keeps_margins_and_cells_within_floor_and_ceiling(n_rows, n_cols, seed):
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, 500, n_rows) + 1
    weights = rng.uniform(0.1, 1.0, n_cols)
    cols = np.floor(rows.sum() * weights / weights.sum()).astype(np.int64)
    cols[0] += rows.sum() - cols.sum()
    table = fitted_table(rng, rows.astype(float), cols.astype(float))
    assert np.allclose(table.sum(axis=1), rows) and np.allclose(table.sum(axis=0), cols)
    result = controlled_round(table, rows, cols)
    assert result.sum(axis=1).tolist() == rows.tolist()
    assert result.sum(axis=0).tolist() == cols.tolist()
    assert np.all(result >= np.floor(snap(table))) and np.all(result <= np.ceil(snap(table)))
