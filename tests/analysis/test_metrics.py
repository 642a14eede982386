"""Headline metrics, winners and losers, and the county waterfall, against hand-worked figures."""
import numpy as np
import pytest

from allocator import usecases as u
from allocator.analysis import metrics as m


def test_change_is_against_last_year_once():
    delta, share = m.change([110, 90, 50], [100, 100, 0])
    assert delta.tolist() == [10, -10, 50]
    assert share[:2].tolist() == pytest.approx([0.10, -0.10])  # 10 %, not 20 %
    assert np.isnan(share[2])


def test_winners_and_losers_count_each_region_once():
    wl = m.winners_losers([110, 90, 100, 130], [100, 100, 100, 100])
    assert (wl.winners, wl.losers, wl.unchanged) == (2, 1, 1)
    assert (wl.gained, wl.lost) == (40, 10)
    assert wl.winner_share == pytest.approx(0.5)  # 2 of 4 regions, PolicyEngine once reported double
    assert wl.loser_share == pytest.approx(0.25)


def test_losing_more_than_five_percent_is_strict():
    assert m.losing_more_than([95, 94.9, 80, 10], [100, 100, 100, 0]).tolist() == [False, True, True, False]


def test_marginal_by_hand():
    assert m.marginal(100.0, 102.5, 100) == pytest.approx(0.025)


@pytest.fixture(scope="module")
def sichuan():
    inputs = u.load_inputs("sichuan-2020")
    return inputs, u.run(inputs)


def test_waterfall_steps_add_up_to_the_amount_in_every_pool(sichuan):
    inputs, result = sichuan
    for code in ("510104", "513222", "513437"):
        i = int(np.flatnonzero(result.codes == code)[0])
        for j, pool in enumerate([None, *[p.id for p in result.policy.pools]]):
            steps = m.waterfall(result, code, pool, advance=7.0)
            parts = sum(s.amount for s in steps if not s.total and s.label != "已提前下达")
            expected = result.to_wan(result.amounts[i].sum() if pool is None else result.amounts[i, j - 1])
            assert parts == pytest.approx(float(expected), abs=1e-6)
            assert steps[-1].amount == pytest.approx(float(expected) - 7.0)


def test_waterfall_factor_parts_without_correction_are_the_textbook_shares(sichuan):
    inputs, result = sichuan
    steps = {s.label: s.amount for s in m.waterfall(result, "510104")}
    block = result.policy.blocks[0]
    need = inputs.policy.factors[0]
    values = result.trace[f"value_{need.id}"]
    i = int(np.flatnonzero(result.codes == "510104")[0])
    assert steps[f"{need.label}部分"] == pytest.approx(block.budget * need.weight * values[i] / values.sum())


def test_headline_on_a_hand_example(sichuan):
    _, result = sichuan
    base = m.region_totals(result) * 0 + 1000.0  # everyone had 1,000 万元 last year
    need = np.full(len(result.codes), 100.0)
    head = m.headline(result, base, need, need * 10, np.arange(len(result.codes)) < 2)
    totals = m.region_totals(result)
    assert head.total == pytest.approx(totals.sum())
    assert head.n_losing == int((totals < 950).sum())
    assert head.deep_poverty_amount == pytest.approx(totals[:2].sum())
    assert head.per_need == pytest.approx(totals.sum() * 10_000 / need.sum())
    assert head.per_capita == pytest.approx(head.per_need / 10)
