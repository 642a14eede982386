"""Two more programs from their policy files alone: 广元's capacity fund (project + factors with a rank
transform) and a 城乡居民医保-style fund whose pools pay a per-person standard before the factor shares."""
import textwrap

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from allocator import usecases
from allocator.cli import app
from allocator.engine import allocate
from allocator.errors import DataError, PolicyError
from allocator.policy import load_policy

runner = CliRunner()
COUNTIES = ["510802", "510811", "510812", "510821", "510822", "510823", "510824"]


def test_the_guangyuan_demo_data_add_up_to_the_seed_totals():
    frame = usecases.read_data("guangyuan-2023").frame
    assert frame["insured"].sum() == 2_169_600  # 216.96 万人 参保
    assert frame["insured_assisted"].sum() == 416_700  # 41.67 万 资助参保
    assert round(frame["budget_central"].sum() + frame["budget_local"].sum(), 2) == 23_322  # 医疗救助
    assert sorted(frame["assessment_rank"][frame["code"].isin(COUNTIES)]) == list(range(1, 8))


def test_the_capacity_fund_gives_the_city_its_project_and_the_counties_the_rest_by_factors():
    inputs = usecases.load_inputs("guangyuan-capacity-2023")
    result = usecases.run(inputs)
    table = result.table().set_index("code")
    assert table.loc["510800", "total"] == 174.00
    assert table.loc[COUNTIES, "counties"].sum() == pytest.approx(500.00)
    cols = inputs.data.columns
    i = list(result.codes).index("510821")  # 旺苍县: rank 1 of 7 → 7 points of 28
    county = np.isin(inputs.data.codes, COUNTIES)
    by_hand = 500 * (0.5 * cols["insured"][i] / cols["insured"][county].sum()
                     + 0.2 * cols["execution_rate"][i] / cols["execution_rate"][county].sum()
                     + 0.3 * 7 / 28)
    assert result.trace["counties:formula"][i] == pytest.approx(by_hand)
    assert table.loc["510821", "counties"] == round(by_hand, 2)


def test_the_insurance_fund_pays_500_yuan_per_insured_person_then_shares_the_rest_by_factors():
    inputs = usecases.load_inputs("guangyuan-insurance-2023")
    result = usecases.run(inputs)
    cols = inputs.data.columns
    county = np.isin(inputs.data.codes, COUNTIES)
    i = list(result.codes).index("510802")  # 利州区
    standard = cols["insured"][i] * 500 / 10_000  # 万元
    rest = 110_750.93 - cols["insured"][county].sum() * 500 / 10_000  # 2,270.93 万元
    by_hand = standard + rest * (0.6 * cols["insured_assisted"][i] / cols["insured_assisted"][county].sum()
                                 + 0.4 * cols["insured"][i] / cols["insured"][county].sum())
    assert result.trace["central:part_standard"][i] == pytest.approx(16_814.40)
    assert result.trace["central:formula"][i] == pytest.approx(by_hand)
    assert abs(result.table().set_index("code").loc["510802", "central"] - by_hand) < 0.01
    assert result.amounts.sum() == 13_805_024  # 138,050.24 万元 in units of 0.01, exactly


POLICY = textwrap.dedent('''
    [policy]
    id = "std"
    title = "t"
    year = 2023
    source = "test"
    [rounding]
    unit = { value = 0.01, unit = "万元" }
    [[pools]]
    id = "p"
    label = "补助"
    level = "中央"
    kind = "一般公共预算"
    total = { value = TOTAL, unit = "万元" }
    standard = { column = "insured", rate = { value = 100, unit = "元/人" } }
    [[factors]]
    id = "need"
    label = "困难群众"
    weight = { value = 100, unit = "%" }
    components = [{ column = "tekun" }]
''')


def _policy(tmp_path, total="100"):
    path = tmp_path / "std.toml"
    path.write_text(POLICY.replace("TOTAL", total), encoding="utf-8")
    return load_policy(path)


def test_a_region_with_three_times_the_insured_gets_three_times_the_standard_part(tmp_path):
    data = pd.DataFrame({"code": ["1", "2"], "name": ["甲", "乙"], "insured": [1000, 3000], "tekun": [5, 5]})
    result = allocate(_policy(tmp_path), data)
    # standard 10 and 30 万元; the other 60 万元 split 50/50 by 特困
    assert list(result.trace["p:part_standard"]) == pytest.approx([10.0, 30.0])
    assert list(result.amounts[:, 0]) == [4000, 6000]


def test_a_standard_part_larger_than_the_pool_is_refused_with_both_figures(tmp_path):
    data = pd.DataFrame({"code": ["1"], "name": ["甲"], "insured": [20_000], "tekun": [5]})
    with pytest.raises(DataError, match="按标准测算的部分.*合计 200.00 万元，超过资金总额 100.00 万元"):
        allocate(_policy(tmp_path), data)


def test_a_standard_needs_a_rate_or_a_rate_column(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(POLICY.replace("TOTAL", "100").replace('rate = { value = 100, unit = "元/人" }', 'label = "x"'),
                    encoding="utf-8")
    with pytest.raises(PolicyError, match="需要 rate（统一补助标准，元/人）或 rate_column"):
        load_policy(path)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 100_000), st.integers(1, 500)), min_size=1, max_size=12),
       st.integers(0, 500_000))
def test_the_pool_is_paid_out_exactly_and_each_region_within_a_cent_of_its_formula(tmp_path_factory, rows, extra):
    insured = np.array([r[0] for r in rows])
    total = round(insured.sum() * 0.01 + extra / 100, 2)
    if total <= 0:
        return
    policy = _policy(tmp_path_factory.mktemp("p"), f"{total:.2f}")
    data = pd.DataFrame({"code": [f"{i:06d}" for i in range(len(rows))], "name": "x", "insured": insured,
                         "tekun": [r[1] for r in rows]})
    result = allocate(policy, data)
    assert result.amounts.sum() == round(total * 100)
    assert np.all(np.abs(result.amounts[:, 0] / 100 - result.trace["p:formula"]) < 0.01 + 1e-9)
    assert np.all(result.amounts[:, 0] / 100 >= result.trace["p:part_standard"] - 0.01)


@pytest.mark.parametrize("preset", ["guangyuan-capacity-2023", "guangyuan-insurance-2023"])
def test_each_program_runs_validates_and_exports_from_the_command_line(preset, tmp_path):
    out = tmp_path / "r.xlsx"
    for args in (["run", "-p", preset, "-o", str(out)], ["validate", "-p", preset]):
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output
    assert out.exists()
