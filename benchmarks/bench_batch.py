"""Benchmark: the batch engine against the single-run loop (apply_overrides + allocate), same run.

Not a test: run it and read the table.

    .venv/bin/python benchmarks/bench_batch.py            # full table
    .venv/bin/python benchmarks/bench_batch.py --quick    # 200 scenarios, one run each: proves the script runs (CI)

Cases
- sichuan-2020 (183 counties, 5 pools: a shared block of 4 pools and the deep-poverty pool over 45
  counties; floors 90 % and caps 120 % of last year; rounding to 1 万元): 10,000 random weight
  scenarios (困难群众 50–90 %, 户籍人口 0–10 %, 努力程度 the rest); then 10,000 scenarios that also
  vary the floor and cap shares, a pool total and the hardship elasticity.
- sichuan-2019 (the effort factor as intensity: 困难群众 × a clipped effort index): 10,000 scenarios of
  weights and the index's three sub-weights (shares recomputed per scenario).
- sichuan-2020-loop (performance part by last year's self-evaluation score, balance_penalty): 10,000
  scenarios of the four weights, with ±10 % data errors on the score and the balance share.
- guangyuan-insurance-2023 (7 counties, two pools each with a per-person part 参保人数 × 补助标准):
  10,000 scenarios of the weights and both pool totals.
- a synthetic national set of 2,850 counties: the 183 Sichuan counties plus 2,667 made by resampling
  them with ±30 % lognormal noise on every figure (fixed seed), pool totals scaled to the new bases
  (`allocator.analysis.synthetic.scaled_up`, also behind the wide-pair tests).
- a single what-if through the prepared pair (`what_if`), median of many calls.
- the region × pool table (controlled rounding per scenario, a Python loop) on 1,000 scenarios.
- a process pool of 2 workers on the 10,000 weight scenarios.

The single-run loop is timed on a sample (`--loop-sample`, 500 by default; 50 on the national set)
and extrapolated linearly to the batch's number of scenarios; the table says so. `rerun` counts the scenarios
the batch handed to the single-run path (close rounding calls). Batch times are the
best of `--repeats` runs (the machine is shared: the minimum is the least disturbed measurement).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from allocator.analysis.batch import evaluate, prepare, what_if  # noqa: E402
from allocator.analysis.synthetic import scaled_up  # noqa: E402
from allocator.engine import RegionData, allocate  # noqa: E402
from allocator.errors import DataError, InfeasibleError  # noqa: E402
from allocator.policy import apply_overrides  # noqa: E402
from allocator.usecases import load_inputs  # noqa: E402

N_NATIONAL = 2850


def weight_scenarios(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    need, pop = rng.uniform(50, 90, n), rng.uniform(0, 10, n)
    return pd.DataFrame({"factors.need.weight": need, "factors.population.weight": pop,
                         "factors.effort.weight": 100 - need - pop})


def full_scenarios(n: int, central_total: float, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = weight_scenarios(n, seed)
    frame["constraints.floor_share_of_base"] = rng.uniform(80, 95, n)
    frame["constraints.cap_share_of_base"] = rng.uniform(110, 140, n)
    frame["pools.central_general.total"] = np.round(central_total * rng.uniform(0.96, 1.07, n))
    frame["corrections.hardship.elasticity"] = rng.uniform(0.2, 1.0, n)
    return frame


def loop_scenarios(n: int, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    need, pop, split = rng.uniform(50, 85, n), rng.uniform(0, 10, n), rng.uniform(0.2, 0.8, n)
    rest = 100 - need - pop
    return pd.DataFrame({"factors.need.weight": need, "factors.population.weight": pop,
                         "factors.effort.weight": rest * split, "factors.performance.weight": rest * (1 - split)})


def intensity_scenarios(n: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = weight_scenarios(n, seed)
    for col in ("local_input", "performance_score", "management_score"):
        frame[f"factors.effort.components.{col}.weight"] = rng.uniform(5, 60, n)
    return frame


def standard_scenarios(n: int, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    assisted = rng.uniform(20, 80, n)
    return pd.DataFrame({"factors.assisted.weight": assisted, "factors.insured.weight": 100 - assisted,
                         "pools.central.total": np.round(rng.uniform(110000, 125000, n), 2),
                         "pools.local.total": np.round(rng.uniform(27000, 32000, n), 2)})


def preset_case(name: str, frame: pd.DataFrame, label: str, repeats: int, sample: int, scale=None) -> dict:
    """One preset: the batch (best of `repeats`) against the single-run loop on `sample` rows."""
    inputs = load_inputs(name)
    prepared = prepare(inputs.policy, inputs.data)
    t = best_of(lambda: evaluate(prepared, frame, data_scale=scale), repeats)
    reruns = evaluate(prepared, frame, data_scale=scale).rerun
    data = inputs.data
    if scale:  # the loop sees the first sample's perturbed data (same cost as any other draw)
        cols = {k: (v * scale[k][0] if k in scale else v) for k, v in data.columns.items()}
        data = RegionData(data.codes, data.names, cols)
    out = row(f"{name} {label}", len(frame), prepared.n_regions, t, loop_time(inputs.policy, data, frame, sample),
              sample, "")
    out["rerun"] = reruns
    return out


def national(seed: int = 0):
    """The sichuan-2020 policy on a synthetic national set of 2,850 counties (`allocator.analysis.synthetic`)."""
    inputs = load_inputs("sichuan-2020")
    return scaled_up(inputs.policy, inputs.data, N_NATIONAL, seed)


def best_of(fn, repeats: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process), each the minimum over `repeats` runs."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def loop_time(policy, data, frame: pd.DataFrame, sample: int) -> tuple[float, float]:
    """(wall, CPU) seconds per scenario of apply_overrides + allocate (the single-run path), on `sample` rows.
    Every path varied here has a value in the base policy, so a scenario row is its overrides as they stand."""
    rows = [{path: float(value) for path, value in row.items()} for _, row in frame.iloc[:sample].iterrows()]
    wall, cpu = time.perf_counter(), time.process_time()
    for overrides in rows:
        try:
            allocate(apply_overrides(policy, overrides), data)
        except (InfeasibleError, DataError):  # a scenario whose floors, caps and budget cannot all hold is part of a sweep
            pass
    return (time.perf_counter() - wall) / len(rows), (time.process_time() - cpu) / len(rows)


def row(case: str, s: int, n: int, batch: tuple[float, float], per_loop: tuple[float, float] | None,
        sample: int | None, target: str) -> dict:
    wall, cpu = batch
    out = {"case": case, "scenarios": s, "regions": n, "batch wall (ms)": wall * 1000, "batch CPU (ms)": cpu * 1000}
    if per_loop is not None:
        out.update({"loop wall (ms)": per_loop[0] * s * 1000, "loop CPU (ms)": per_loop[1] * s * 1000,
                    "loop timed on": f"{sample}, scaled to {s:,}" if sample < s else f"{sample} calls, mean",
                    "speed-up (CPU)": per_loop[1] * s / cpu})
    out["target"] = target
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="200 scenarios, loop sample 10, one run: proves the script runs")
    ap.add_argument("--scenarios", type=int, default=None, help="default 10,000 (200 with --quick)")
    ap.add_argument("--loop-sample", type=int, default=500)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    repeats = 1 if args.quick else args.repeats
    sample = 10 if args.quick else args.loop_sample
    s = args.scenarios or (200 if args.quick else 10_000)
    rows = []

    inputs = load_inputs("sichuan-2020")
    prepared = prepare(inputs.policy, inputs.data)
    n = prepared.n_regions
    weights = weight_scenarios(s)
    full = full_scenarios(s, next(p.total for p in inputs.policy.pools if p.id == "central_general"))
    t = best_of(lambda: evaluate(prepared, weights), repeats)
    rows.append(row("sichuan-2020 weights", s, n, t, loop_time(inputs.policy, inputs.data, weights, sample),
                    sample, "< 100 ms"))
    t = best_of(lambda: evaluate(prepared, full), repeats)
    rows.append(row("sichuan-2020 weights, floors, caps, total, elasticity", s, n, t,
                    loop_time(inputs.policy, inputs.data, full, sample), sample, ""))
    rows[-2]["rerun"], rows[-1]["rerun"] = evaluate(prepared, weights).rerun, evaluate(prepared, full).rerun

    rows.append(preset_case("sichuan-2019", intensity_scenarios(s), "weights, intensity sub-weights", repeats, sample))
    rng = np.random.default_rng(5)
    loop_scale = {c: rng.uniform(0.9, 1.1, (s, n)) for c in ("selfeval_score", "balance_share")}
    rows.append(preset_case("sichuan-2020-loop", loop_scenarios(s), "weights, data errors on score and balance",
                            repeats, sample, loop_scale))
    rows.append(preset_case("guangyuan-insurance-2023", standard_scenarios(s), "weights, pool totals (standard part)",
                            repeats, sample))

    policy, data = national()
    nat = prepare(policy, data)
    t = best_of(lambda: evaluate(nat, weights), repeats)
    nat_sample = max(10, sample // 10)
    rows.append(row(f"synthetic national ({N_NATIONAL:,} counties) weights", s, nat.n_regions, t,
                    loop_time(policy, data, weights, nat_sample), nat_sample, "< 1 s"))
    rows[-1]["rerun"] = evaluate(nat, weights).rerun

    one = dict(weights.iloc[0])
    what_if(prepared, one)
    calls = 20 if args.quick else 1000
    wall, cpu = best_of(lambda: [what_if(prepared, one) for _ in range(calls)], repeats)
    rows.append(row(f"single what-if (prepared pair), mean of {calls} calls", 1, n, (wall / calls, cpu / calls),
                    loop_time(inputs.policy, inputs.data, weights, sample), sample, "< 0.3 ms"))

    k = min(1000, s)
    t = best_of(lambda: evaluate(prepared, weights.iloc[:k], pools=True), max(1, repeats // 3))  # noqa: B023
    rows.append(row("sichuan-2020 weights, region × pool table", k, n, t,
                    loop_time(inputs.policy, inputs.data, weights, sample), sample, ""))

    with ProcessPoolExecutor(max_workers=2) as pool:
        evaluate(prepared, weights.iloc[:100], executor=pool)  # start the workers
        t = best_of(lambda: evaluate(prepared, weights, executor=pool), max(1, repeats // 2))
    rows.append(row("sichuan-2020 weights, process pool of 2", s, n, t, None, None, ""))

    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 250, "display.max_columns", 20, "display.float_format", "{:,.2f}".format):
        print(table.to_string(index=False))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nbatch: best of {repeats} runs (wall and CPU time of this process); single-run loop = "
          "apply_overrides + allocate per scenario, timed on the sample shown and scaled linearly to the "
          f"scenario count. Load average at the end: {load:.2f} on {os.cpu_count()} cores (a shared machine "
          "inflates wall time; CPU time is the steadier figure).")


if __name__ == "__main__":
    main()
