"""The performance and rank transforms: hand-worked values, invariants, and existing transforms unchanged."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from allocator import usecases
from allocator.engine.formula import balance_penalty, bands, bonus_penalty, rank_linear


def test_bonus_penalty_moves_each_region_by_half_its_distance_from_the_mean():
    np.testing.assert_allclose(bonus_penalty(np.array([80.0, 100.0, 120.0]), 0.5, None, None), [0.9, 1.0, 1.1])


def test_bonus_penalty_is_clipped_and_never_negative():
    np.testing.assert_allclose(bonus_penalty(np.array([0.0, 100.0, 200.0]), 3.0, 0.8, 1.2), [0.8, 1.0, 1.2])
    assert (bonus_penalty(np.array([0.0, 100.0, 200.0]), 3.0, None, None) >= 0).all()


@given(st.lists(st.floats(1, 100), min_size=2, max_size=30), st.floats(0, 1))
def test_unclipped_bonuses_and_penalties_cancel_out(scores, slope):
    values = bonus_penalty(np.array(scores), slope, None, None)
    assert values.sum() == pytest.approx(len(scores))


def test_a_balance_above_15_percent_takes_20_percent_off_the_score():
    np.testing.assert_allclose(balance_penalty(np.array([80.0, 90.0]), np.array([15.0, 15.01]), 15.0, 0.2), [80.0, 72.0])


def test_rank_1_of_7_gets_7_points_and_rank_7_gets_1():
    np.testing.assert_array_equal(rank_linear(np.array([1.0, 4.0, 7.0, 2.0, 3.0, 5.0, 6.0])), [7, 4, 1, 6, 5, 3, 2])


def test_bands_put_ranks_1_2_then_3_5_then_the_rest():
    np.testing.assert_array_equal(bands(np.array([1.0, 2, 3, 5, 6, 7]), (2, 5), (1.2, 1.0, 0.8)),
                                  [1.2, 1.2, 1.0, 1.0, 0.8, 0.8])


def test_the_loop_preset_pays_the_performance_part_by_penalised_score_shares_by_hand():
    inputs = usecases.load_inputs("sichuan-2020-loop")
    result = usecases.run(inputs)
    cols = inputs.data.columns
    score = np.where(cols["balance_share"] > 15, 0.8 * cols["selfeval_score"], cols["selfeval_score"])
    budget = 196000 + 15600 + 37700 + 10200  # the shared pools, 万元
    np.testing.assert_allclose(result.trace["part_performance"], budget * 0.10 * score / score.sum())
    assert result.amounts.sum() == (budget + 28000)  # every 万元 allocated, nothing more


def _factor_policy(tmp_path, extra):
    import textwrap
    path = tmp_path / "f.toml"
    path.write_text(textwrap.dedent('''
        [policy]
        base = "example"
        [[factors]]
        id = "effort"
    ''') + extra, encoding="utf-8")
    return path


def test_bands_and_balance_penalty_settings_are_read_and_checked(tmp_path):
    from allocator.errors import PolicyError
    from allocator.policy import load_policy

    ok = _factor_policy(tmp_path, 'transform = "bands"\nthresholds = { value = [2, 5], unit = "ratio" }\n'
                                  'values = { value = [1.2, 1.0, 0.8], unit = "ratio" }\n')
    effort = next(f for f in load_policy(ok).factors if f.id == "effort")
    assert effort.thresholds == (2.0, 5.0) and effort.values == (1.2, 1.0, 0.8)
    bad = _factor_policy(tmp_path, 'transform = "bands"\nthresholds = { value = [5, 2], unit = "ratio" }\n'
                                   'values = { value = [1.2, 1.0], unit = "ratio" }\n')
    with pytest.raises(PolicyError, match="需要升序的 thresholds"):
        load_policy(bad)
    missing = _factor_policy(tmp_path, 'transform = "balance_penalty"\npenalty_column = "balance_ratio"\n')
    with pytest.raises(PolicyError, match="threshold：缺少此项"):
        load_policy(missing)


def test_scores_saved_then_joined_from_the_command_line(tmp_path):
    from typer.testing import CliRunner

    from allocator.cli import app
    runner = CliRunner()
    store, merged = tmp_path / "s.sqlite", tmp_path / "m.csv"
    res = runner.invoke(app, ["selfeval", "-d", "sichuan-selfeval-2019", "--store", str(store), "--save-as", "sc"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["loop-data", "-d", "sichuan-2020", "--scores", "db:sc", "--store", str(store),
                              "-o", str(merged)])
    assert res.exit_code == 0 and "「selfeval_score」取自上年绩效自评结果 db:sc@1" in res.output
    by_file = usecases.run(usecases.load_inputs("sichuan-2020-loop", str(merged)))
    packaged = usecases.run(usecases.load_inputs("sichuan-2020-loop"))
    np.testing.assert_array_equal(by_file.amounts, packaged.amounts)


def test_the_three_ways_of_linking_money_to_last_years_score_by_hand():
    from allocator.policy import apply_overrides, load_policy

    inputs = usecases.load_inputs("sichuan-2020-loop")
    s = inputs.data.columns["selfeval_score"]
    part = (196000 + 15600 + 37700 + 10200) * 0.10
    normalised = apply_overrides(load_policy("sichuan-2020-loop"), {"factors.performance.transform": "raw"})
    bonus = apply_overrides(load_policy("sichuan-2020-loop"), {
        "factors.performance.transform": "bonus_penalty",
        "factors.performance.slope": {"value": 2, "unit": "ratio", "source": "scenario"}})
    r_norm = usecases.run(usecases.load_inputs(normalised, inputs.source.frame))
    r_bonus = usecases.run(usecases.load_inputs(bonus, inputs.source.frame))
    np.testing.assert_allclose(r_norm.trace["part_performance"], part * s / s.sum())
    # 1 + 2 × (s − mean) / mean adds up to n: each region's part is the equal share moved by twice its distance
    np.testing.assert_allclose(r_bonus.trace["part_performance"], part / len(s) * (1 + 2 * (s / s.mean() - 1)))
    above = s > s.mean()
    assert (r_bonus.trace["part_performance"][above] > r_norm.trace["part_performance"][above]).all()
