"""Benchmark: the exact NumPy solvers against the PuLP/HiGHS model, and the whole pipeline.

Not a test: run it and read the table.

    .venv/bin/python benchmarks/bench_solver.py            # n = 183, 2,850, 50,000
    .venv/bin/python benchmarks/bench_solver.py --quick    # fewer repeats

Each instance is random but realistic: lognormal targets, floors at 90 % and caps at 115 % of a
"last year" that differs from the target by ±20 %, so a good share of regions is held by a floor or
a cap. Times are medians over repeated runs (time.perf_counter), in milliseconds.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from allocator.dataset.reference import DATA_DIR, load_figures  # noqa: E402
from allocator.engine import RegionData, allocate  # noqa: E402
from allocator.policy import load_policy  # noqa: E402
from allocator.solver import solve_fast, solve_lp  # noqa: E402


def instance(n: int, seed: int = 0):
    """Targets t, floors lo, caps hi (in units) and a budget B that leaves the problem feasible."""
    rng = np.random.default_rng(seed)
    t = rng.lognormal(5.0, 1.0, n)
    base = t * rng.uniform(0.8, 1.2, n)
    lo, hi = np.ceil(0.9 * base), np.floor(1.15 * base)
    total = float(np.round(t.sum()))
    assert lo.sum() <= total <= hi.sum()
    return t, lo, hi, total


def median_ms(fn, repeats: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def bench_solvers(sizes, repeats: int, lp_repeats: int) -> list[tuple]:
    rows = []
    for n in sizes:
        t, lo, hi, total = instance(n)
        codes = [f"{i:06d}" for i in range(n)]
        lp = median_ms(lambda: solve_lp(t, lo, hi, total, "least_absolute", codes), lp_repeats if n < 10_000 else 1)
        rows.append((n, "PuLP/HiGHS least_absolute", lp, 1.0))
        for objective in ("least_squares", "least_absolute", "minimax_relative"):
            ms = median_ms(lambda: solve_fast(t, lo, hi, total, objective), repeats)
            rows.append((n, f"fast {objective}", ms, lp / ms))
        for objective in ("least_absolute", "minimax_relative"):
            fast = solve_fast(t, lo, hi, total, objective)
            model = solve_lp(t, lo, hi, total, objective, codes)
            gap = abs(fast.objective_value - model.objective_value) / (total if objective == "least_absolute" else 1)
            rows.append((n, f"agreement {objective}: |objective fast − LP| (÷B for L1)", gap, None))
            first = model.details["first_stage_x"]
            rows.append((n, f"agreement {objective}: max |x| difference HiGHS raw vs tie-broken (units)",
                         float(np.abs(first - fast.x).max()), None))
    return rows


def bench_pipeline(repeats: int) -> list[tuple]:
    """policy + data in memory → rounded region × pool table with trace, on the Sichuan presets."""
    rows = []
    for name, year in (("sichuan-2019", 2019), ("sichuan-2020", 2020)):
        policy = load_policy(DATA_DIR / "policies" / f"{name}.toml")
        data = RegionData.from_frame(load_figures(year))
        rows.append((len(data), f"pipeline {name} ({len(policy.pools)} pools)",
                     median_ms(lambda: allocate(policy, data), repeats), None))
    return rows


def markdown(rows) -> str:
    lines = ["| n | what | median ms | speed-up vs PuLP |", "|---:|---|---:|---:|"]
    for n, what, ms, speedup in rows:
        if what.startswith("agreement"):
            lines.append(f"| {n:,} | {what} | {ms:.3g} | |")
        else:
            lines.append(f"| {n:,} | {what} | {ms:.3f} | {'' if speedup is None else f'{speedup:,.0f}×'} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--sizes", type=int, nargs="*", default=[183, 2_850, 50_000])
    args = parser.parse_args()
    repeats, lp_repeats = (20, 3) if args.quick else (200, 9)
    rows = bench_solvers(args.sizes, repeats, lp_repeats) + bench_pipeline(repeats)
    print(markdown(rows))


if __name__ == "__main__":
    main()
