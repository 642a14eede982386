"""Goal-seeking: the search finds the brute-force optimum on a small case and names what limits it."""
import numpy as np
import pandas as pd
import pytest

from allocator.analysis.batch import evaluate
from allocator.analysis.goalseek import Goal, grid, scores, search, seek, space
from allocator.errors import InputError

SMALL = {"factors.need.weight": (72, 78), "factors.population.weight": (2, 8), "factors.effort.weight": (17, 23)}


def brute_force(prepared, goal, ranges, step):
    """Every point of the finest grid, evaluated: the optimum the search must reach."""
    sp = space(prepared, ranges)
    frame = grid(sp, step)
    score, figure = scores(prepared, goal, evaluate(prepared, frame))
    return float(score.min()), len(frame)


@pytest.mark.parametrize("goal", [Goal("alignment"), Goal("losers", threshold=2.0),
                                  Goal("deep_poverty_minimum", regions=("990103", "990105"))],
                         ids=["alignment", "losers", "minimum"])
def test_the_search_reaches_the_brute_force_optimum_on_the_example(example, goal):
    sp = space(example, SMALL)
    _, best, _, evaluations = search(example, goal, sp, step=1.0)
    optimum, points = brute_force(example, goal, SMALL, 1.0 / 25)
    assert best == pytest.approx(optimum, abs=1e-12)
    assert evaluations < points  # and it looked at far fewer points


def test_the_grid_keeps_every_weight_in_its_range_and_the_sum_at_100(sichuan):
    frame = grid(space(sichuan, SMALL), 0.5)
    assert np.allclose(frame.sum(axis=1), 100)
    for path, (low, high) in SMALL.items():
        assert frame[path].between(low - 1e-9, high + 1e-9).all()


def test_alignment_is_half_the_distance_from_need_shares_in_percent(two_regions):
    # one factor = need: amounts 25 and 75 are exactly proportional to need 1 and 3 → 0 % to move
    batch = evaluate(two_regions, pd.DataFrame(index=[0]))
    _, figure = scores(two_regions, Goal("alignment"), batch)
    assert figure[0] == pytest.approx(0.0)


def test_the_result_says_how_far_the_goal_is_met_and_what_limits_it(sichuan):
    result = seek(sichuan, Goal("deep_poverty_minimum"), {"factors.need.weight": (70, 80),
                  "factors.population.weight": (0, 10), "factors.effort.weight": (15, 25)})
    assert result.figure >= result.base_figure
    assert sum(result.weights.values()) == pytest.approx(100)
    assert any("最优权重" in n for n in result.notes)
    for path, _side, bound, relaxed in result.limiting:  # relaxing a limiting bound does better
        assert result.weights[path] == pytest.approx(bound)
        assert relaxed >= result.figure
    assert result.allocation["分配额(万元)"].sum() == pytest.approx(sum(p.total for p in sichuan.policy.pools))


def test_only_weights_can_be_sought(example):
    with pytest.raises(InputError, match="不是权重"):
        seek(example, Goal("alignment"), {"constraints.floor_share_of_base": (80, 95)})


def test_an_unknown_goal_is_refused(example):
    with pytest.raises(InputError, match="不可用"):
        seek(example, Goal("happiness"), SMALL)
