"""Fairness figures against hand-worked examples and their defining properties."""
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocator.analysis.fairness import correlation, gini, per_head, share_reaching, theil, weighted_mean
from allocator.errors import InputError

positive = st.lists(st.floats(0.01, 1e6, allow_nan=False), min_size=2, max_size=30)


def test_gini_of_one_two_three_is_two_ninths():
    # Σ_i Σ_j |x_i − x_j| = 2 × (1 + 2 + 1) = 8; G = 8 / (2 · 3² · 2) = 2/9
    assert gini([1, 2, 3]) == pytest.approx(2 / 9)


def test_gini_when_one_region_has_everything_is_one_minus_one_over_n():
    # x = (0, 0, 0, 4): Σ|x_i − x_j| = 2 · 3 · 4 = 24; G = 24 / (2 · 16 · 1) = 3/4
    assert gini([0, 0, 0, 4]) == pytest.approx(0.75)


def test_gini_with_weights_equals_gini_of_the_values_repeated():
    # weights 2, 1 on values 1, 4 = the list (1, 1, 4): Σ|x_i − x_j| = 2·(0 + 3 + 3) = 12, μ = 2; G = 12 / (2·9·2) = 1/3
    assert gini([1, 4], [2, 1]) == pytest.approx(1 / 3)
    assert gini([1, 1, 4]) == pytest.approx(1 / 3)


def test_theil_of_one_one_two_by_hand():
    # μ = 4/3; T = (1/3)[2 · (3/4) ln(3/4) + (3/2) ln(3/2)]
    expected = (2 * 0.75 * math.log(0.75) + 1.5 * math.log(1.5)) / 3
    assert theil([1, 1, 2]) == pytest.approx(expected)
    assert expected == pytest.approx(0.0589, abs=1e-4)


def test_theil_when_one_of_n_has_everything_is_ln_n():
    assert theil([0, 0, 0, 5]) == pytest.approx(math.log(4))


def test_weighted_correlation_by_hand():
    # x = (1, 2, 3), y = (1, 3, 2), equal weights: cov = 0.5·... → r = 0.5
    assert correlation([1, 2, 3], [1, 3, 2]) == pytest.approx(0.5)
    # doubling the weight of the middle point = repeating it: (1, 2, 2, 3) vs (1, 3, 3, 2)
    assert correlation([1, 2, 3], [1, 3, 2], [1, 2, 1]) == pytest.approx(correlation([1, 2, 2, 3], [1, 3, 3, 2]))


def test_share_reaching_and_per_head_by_hand():
    assert share_reaching([100, 300, 600], [False, True, True]) == pytest.approx(0.9)
    assert per_head([3, 0], [1500, 0], 10_000).tolist()[0] == pytest.approx(20.0)  # 3 万元 / 1,500 人 = 20 元
    assert math.isnan(per_head([3, 0], [1500, 0], 10_000)[1])
    assert weighted_mean([10, 20], [3, 1]) == pytest.approx(12.5)


def test_equal_values_are_perfectly_equal():
    assert gini([5, 5, 5]) == 0
    assert theil([5, 5, 5]) == pytest.approx(0)


def test_bad_input_is_refused_in_chinese():
    with pytest.raises(InputError, match="缺失值"):
        gini([1, float("nan")])
    with pytest.raises(InputError, match="非负"):
        gini([-1, 2])
    with pytest.raises(InputError, match="个数不同"):
        gini([1, 2], [1])


@given(positive, st.floats(0.1, 100))
def test_gini_and_theil_do_not_depend_on_the_unit(values, scale):
    assert gini(np.array(values) * scale) == pytest.approx(gini(values), abs=1e-9)
    assert theil(np.array(values) * scale) == pytest.approx(theil(values), abs=1e-9)


@given(positive)
def test_gini_is_between_zero_and_one_and_order_free(values):
    g = gini(values)
    assert 0 <= g < 1
    assert gini(values[::-1]) == pytest.approx(g, abs=1e-12)


@given(positive, st.lists(st.integers(1, 4), min_size=30, max_size=30))
def test_integer_weights_equal_repetition(values, counts):
    counts = counts[:len(values)]
    repeated = np.repeat(values, counts)
    assert gini(values, counts) == pytest.approx(gini(repeated), abs=1e-9)
    assert theil(values, counts) == pytest.approx(theil(repeated), abs=1e-9)
