"""The 敏感性与不确定性 page: tornado bars equal single runs, Monte Carlo runs seeded and shows its figures."""
import pytest

pytest.importorskip("streamlit")
from pathlib import Path  # noqa: E402

from streamlit.testing.v1 import AppTest  # noqa: E402

from allocator import usecases as u  # noqa: E402
from allocator.policy import apply_overrides  # noqa: E402

APP = str(Path(__file__).resolve().parents[2] / "app" / "main.py")


def open_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page("views/analysis.py")
    return at.run()


def test_the_tornado_bar_of_a_county_is_a_single_run_with_that_weight_moved(stores):
    at = open_page()
    assert not at.exception and at.title[0].value == "敏感性与不确定性"
    at.selectbox(key="sens_region").set_value("510104").run()
    incentives = next(d.value for d in at.main.dataframe if "地区代码" in d.value.columns)
    assert incentives["地区代码"].tolist() == ["510104"]
    # the chart's +5-point bar for 困难群众: 75 → 80 %, the other two give 5 points in proportion (5:20)
    inputs = u.load_inputs("sichuan-2020")
    bars = u.sensitivity(inputs).tornado.for_region("510104")
    up = bars[(bars["因素"] == "困难群众人数") & (bars["权重变化(百分点)"] > 0)]["变化(万元)"].iloc[0]
    moved = apply_overrides(inputs.policy, {"factors.need.weight": 80, "factors.population.weight": 4,
                                            "factors.effort.weight": 16})
    total = u.run(u.load_inputs(moved)).table().set_index("code").loc["510104", "total"]
    base = u.run(inputs).table().set_index("code").loc["510104", "total"]
    assert up == total - base


def test_monte_carlo_runs_seeded_and_reports_its_draws(stores):
    at = open_page()
    at.number_input(key="mc_draws").set_value(50)
    form_buttons = [b for b in at.button if b.label == "开始抽样"]
    form_buttons[0].click().run()
    assert not at.exception
    assert any("50 次抽样" in c.value for c in at.caption)
    quantiles = next(d.value for d in at.main.dataframe if "P50(万元)" in d.value.columns)
    assert len(quantiles) == 183 and (quantiles["P10(万元)"] <= quantiles["P90(万元)"]).all()
