"""Benchmark: server time for the design page to re-run after a weight change (target < 300 ms).

Not a test: run it and read the table.

    .venv/bin/python benchmarks/bench_app.py            # 15 re-runs per case
    .venv/bin/python benchmarks/bench_app.py --runs 5
    .venv/bin/python benchmarks/bench_app.py --quick     # one re-run per case: proves the script runs (CI)

Cases, on the 183-county Sichuan preset (sichuan-2020, 示例数据):
- "AppTest re-run, new weights": the whole design page script re-run by streamlit's AppTest after the
  困难群众 and 努力程度 weights move by one point each (a scenario never seen before, so nothing of the
  allocation is cached: policy + data checked, allocated, headline metrics, table, map data, the page
  drawn). Each run uses new weights, so the st.cache_resource wrappers miss every time.
- "same, with the county map tab open": the map's spec (183 counties, oriented TopoJSON) is rebuilt.
  Only the open tab is computed (lazy tabs); the xlsx is written only when its button is clicked.
- "AppTest re-run, one weight (sum ≠ 100)": one weight changed alone: the page shows the explained error
  and keeps the last good result (served from cache).
- "use cases only": `usecases.scenario_inputs` + `usecases.design_view` for a new scenario, no Streamlit.
Times are medians (and maxima) in milliseconds of wall-clock server time; the browser's own drawing
(Vega, the data grid) is not included.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from allocator import usecases as u  # noqa: E402

APP = str(ROOT / "app" / "main.py")


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def bench_apptest(runs: int, tab: str | None = None) -> tuple[list[float], list[float]]:
    at = AppTest.from_file(APP, default_timeout=120)
    if tab:
        at.query_params["tab"] = tab
    at.run()
    assert not at.exception
    new_weights, one_weight = [], []
    for k in range(1, runs + 1):
        need, effort = 75.0 - k * 0.5, 20.0 + k * 0.5
        at.number_input(key="w_need").set_value(need)
        at.number_input(key="w_effort").set_value(effort)
        new_weights.append(timed(at.run))
        assert not at.exception and not at.error, "the page should run"
        at.number_input(key="w_population").set_value(5.0 + k * 0.25)
        one_weight.append(timed(at.run))
        assert at.sidebar.error, "weights off 100 % should show the message"
        at.number_input(key="w_population").set_value(5.0)
        at.run()
    return new_weights, one_weight


def bench_usecases(runs: int) -> list[float]:
    out = []
    for k in range(1, runs + 1):
        overrides = {"factors.need.weight": 75 - k * 0.25, "factors.effort.weight": 20 + k * 0.25}
        out.append(timed(lambda: u.design_view(u.scenario_inputs("sichuan-2020", None, overrides))))
    return out


def row(name: str, times: list[float]) -> str:
    return f"| {name} | {statistics.median(times):7.1f} | {max(times):7.1f} | {len(times)} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="one re-run per case: proves the script runs")
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    folder = tempfile.mkdtemp()
    os.environ.setdefault("ALLOCATOR_STORE", str(Path(folder) / "store.sqlite"))
    os.environ.setdefault("ALLOCATOR_SCENARIOS", str(Path(folder) / "scenarios.sqlite"))
    u.design_view(u.load_inputs("sichuan-2020"))  # warm imports
    new_weights, one_weight = bench_apptest(runs)
    map_tab, _ = bench_apptest(runs, "地图")
    direct = bench_usecases(runs)
    print("Design page re-run after a weight change, 183 counties (sichuan-2020, 示例数据); ms of server time")
    print("| case | median | max | runs |\n|---|---:|---:|---:|")
    print(row("AppTest re-run, new weights (nothing cached)", new_weights))
    print(row("same, with the county map tab open", map_tab))
    print(row("AppTest re-run, one weight (sum ≠ 100, error shown)", one_weight))
    print(row("use cases only (scenario_inputs + design_view)", direct))


if __name__ == "__main__":
    main()
