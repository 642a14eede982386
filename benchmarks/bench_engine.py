"""Benchmark: the one engine at the sizes issue 17 names, each beside its floor measured in the same run.

Not a test: run it on a quiet machine and read the table.

    .venv/bin/python benchmarks/bench_engine.py            # full table
    .venv/bin/python benchmarks/bench_engine.py --quick    # fewer scenarios and repeats (CI runs this)

Cases (sichuan-2020 unless said; 示例数据):
- a single allocation, `allocate(policy, data)` with the full trace and the region × pool table:
  "same pair" repeats one (policy, data) pair (its plan — data check, formula, bounds — is reused, as
  when the app reruns a page), "new pair" clears the plans first (a policy the engine has not seen);
  for sichuan-2020 and sichuan-2019;
- a prepared what-if (`what_if`, three weights), region totals only;
- 10,000 weight scenarios on the 183 counties, and on the synthetic national set of 2,850
  (`allocator.analysis.synthetic.scaled_up`), in-process (chunks shared by the machine's cores);
- `import allocator.cli` in a fresh interpreter (what `allocator --help` pays), median of several.

Floor: the one matrix product every case must make at least once, W @ A.T — the scenarios' weights
(S × K) times the factor shares (K × n) — timed the same way in the same run. Times are the minimum
over repeats (the least disturbed run on a shared machine), wall clock; CPU time of this process
beside it (threads add their CPU time up).
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from allocator.analysis.batch import evaluate, prepare, what_if  # noqa: E402
from allocator.analysis.synthetic import scaled_up  # noqa: E402
from allocator.engine import allocate  # noqa: E402
from allocator.engine.pipeline import clear_plans  # noqa: E402
from allocator.usecases import load_inputs  # noqa: E402


def weight_scenarios(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    need, pop = rng.uniform(50, 90, n), rng.uniform(0, 10, n)
    return pd.DataFrame({"factors.need.weight": need, "factors.population.weight": pop,
                         "factors.effort.weight": 100 - need - pop})


def best(fn, repeats: int, number: int = 1) -> tuple[float, float]:
    """(wall, CPU) seconds per call: the minimum over `repeats` runs of `number` calls."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(number):
            fn()
        walls.append((time.perf_counter() - wall) / number)
        cpus.append((time.process_time() - cpu) / number)
    return min(walls), min(cpus)


def floor_of(prepared, rows: int, repeats: int, number: int = 1) -> float:
    """Wall seconds of W @ A.T for `rows` scenarios on the prepared pair's first block."""
    shares = prepared.blocks[0].shares
    weights = np.random.default_rng(0).random((rows, shares.shape[0]))
    return best(lambda: weights @ shares, repeats, number)[0]


def import_time(runs: int) -> float:
    """Median wall seconds of `python -c "import allocator.cli"` in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import allocator.cli"], check=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--scenarios", type=int, default=10_000)
    args = ap.parse_args()
    repeats = 3 if args.quick else 15
    s = 500 if args.quick else args.scenarios
    rows = []

    def add(case, target, wall, cpu, floor):
        rows.append({"case": case, "wall (ms)": wall * 1e3, "CPU (ms)": cpu * 1e3, "floor W@A.T (ms)": floor * 1e3,
                     "× floor": wall / floor if floor else np.nan, "target": target})

    for name in ("sichuan-2020", "sichuan-2019"):
        inputs = load_inputs(name)
        policy, data = inputs.policy, inputs.data
        prepared = prepare(policy, data)
        floor = floor_of(prepared, 1, repeats, 200)
        allocate(policy, data)
        add(f"{name}: single allocation, same pair", "≤ 0.3 ms", *best(lambda: allocate(policy, data), repeats, 100),
            floor)

        def cold():
            clear_plans()
            allocate(policy, data)
        add(f"{name}: single allocation, new pair", "", *best(cold, repeats, 20), floor)

    inputs = load_inputs("sichuan-2020")
    prepared = prepare(inputs.policy, inputs.data)
    one = dict(weight_scenarios(1).iloc[0])
    what_if(prepared, one)
    add("prepared what-if (three weights)", "≤ 0.1 ms", *best(lambda: what_if(prepared, one), repeats, 200),
        floor_of(prepared, 1, repeats, 200))

    weights = weight_scenarios(s)
    evaluate(prepared, weights.iloc[:100])
    add(f"{s:,} × {prepared.n_regions} weight scenarios", "≤ 25 ms" if s == 10_000 else "",
        *best(lambda: evaluate(prepared, weights), repeats), floor_of(prepared, s, repeats))

    policy, data = scaled_up(inputs.policy, inputs.data, 2850, 0)
    national = prepare(policy, data)
    evaluate(national, weights.iloc[:100])
    add(f"{s:,} × {national.n_regions:,} weight scenarios (synthetic national)", "≤ 300 ms" if s == 10_000 else "",
        *best(lambda: evaluate(national, weights), max(2, repeats // 3)), floor_of(national, s, max(2, repeats // 3)))

    wall = import_time(3 if args.quick else 11)
    rows.append({"case": "import allocator.cli (fresh interpreter, median)", "wall (ms)": wall * 1e3,
                 "CPU (ms)": np.nan, "floor W@A.T (ms)": np.nan, "× floor": np.nan, "target": "≤ 300 ms"})

    with pd.option_context("display.width", 200, "display.max_columns", 10, "display.float_format", "{:,.3f}".format):
        print(pd.DataFrame(rows).to_string(index=False))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nminimum over {repeats} runs; load average at the end {load:.2f} on {os.cpu_count()} cores "
          "(a shared machine inflates wall time; the ratio to the floor is the steadier figure).")


if __name__ == "__main__":
    main()
