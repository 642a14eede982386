"""Benchmark: the exact NumPy solvers against the PuLP/HiGHS model, and the whole pipeline.

Not a test: run it and read the tables.

    .venv/bin/python benchmarks/bench_solver.py            # n = 183, 2,850, 50,000
    .venv/bin/python benchmarks/bench_solver.py --quick    # n = 183 only, a few repeats (CI runs this)
    .venv/bin/python benchmarks/bench_solver.py --sizes 183 2850

Each solver instance is random but realistic: lognormal targets, floors at 90 % and caps at 115 % of
a "last year" that differs from the target by ±20 %, so a fair share of regions (about 40 %) is held
by a floor or a cap. Times are medians over repeated runs (`timeit.repeat`, one call per run), in
milliseconds. The PuLP/HiGHS model is slow at 50,000 regions: when one run takes longer than
`--lp-single-run-limit` seconds (30 by default) it is run only once, and the table says so; otherwise it
is repeated while the runs fit in `--lp-budget` seconds.

The pipeline rows run `allocate(policy, region_data)` with the RegionData built once, in memory:
the structure of the `example` preset (allocator/data/presets/example.toml: two pools, three factors, a hardship correction inside
two terms, floors 90 % and caps 130 %) on 183 random regions, and the Sichuan presets on their 183
counties (示例数据).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
import timeit
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from allocator.engine import RegionData, allocate  # noqa: E402
from allocator.policy import apply_overrides, load_policy  # noqa: E402
from allocator.solver import solve_fast, solve_lp  # noqa: E402

warnings.filterwarnings("ignore", message=r".*PuLP 4\.0", category=DeprecationWarning)

OBJECTIVES = ("least_squares", "least_absolute", "minimax_relative")


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
    return statistics.median(timeit.repeat(fn, number=1, repeat=repeats)) * 1000


def lp_runs(fn, repeats: int, single_run_limit: float, budget: float) -> tuple[list[float], object]:
    """Run the LP at least once; repeat while a run is under the limit and the runs fit the budget."""
    times, result = [], None
    while len(times) < repeats:
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
        if times[0] > single_run_limit or sum(times) + statistics.mean(times) > budget:
            break
    return times, result


def bench_solvers(sizes, repeats: int, lp_repeats: int, single_run_limit: float, budget: float):
    rows, checks, notes = [], [], []
    for n in sizes:
        t, lo, hi, total = instance(n)
        codes = [f"{i:06d}" for i in range(n)]
        ls = solve_fast(t, lo, hi, total)
        at_floor = int(np.sum((ls.x <= lo + 1e-9) & (ls.scale * t < lo)))
        at_cap = int(np.sum((ls.x >= hi - 1e-9) & (ls.scale * t > hi)))
        notes.append(f"n = {n:,}: floors bind for {at_floor:,} regions ({at_floor / n:.0%}), "
                     f"caps for {at_cap:,} ({at_cap / n:.0%})")
        times, model = lp_runs(lambda: solve_lp(t, lo, hi, total, "least_absolute", codes),
                               lp_repeats, single_run_limit, budget)
        lp = statistics.median(times) * 1000
        runs = f"{len(times)}"
        if times[0] > single_run_limit:
            runs += f" (one run took {times[0]:.0f} s > {single_run_limit:.0f} s: not repeated)"
        elif len(times) < lp_repeats:
            runs += f" (limited to fit {budget:.0f} s)"
        rows.append((n, "PuLP/HiGHS least_absolute", runs, lp, 1.0))
        fast_x = {}
        for objective in OBJECTIVES:
            ms = median_ms(lambda: solve_fast(t, lo, hi, total, objective), repeats)
            fast_x[objective] = solve_fast(t, lo, hi, total, objective)
            rows.append((n, f"fast {objective}", str(repeats), ms, lp / ms))
        checks.append((n, "least_absolute", float(np.abs(fast_x["least_absolute"].x - model.x).max() / total),
                       abs(fast_x["least_absolute"].objective_value - model.objective_value) / total))
        if n <= 10_000:  # one more LP solve; at 50,000 it would add another half minute
            mm = solve_lp(t, lo, hi, total, "minimax_relative", codes)
            checks.append((n, "minimax_relative", float(np.abs(fast_x["minimax_relative"].x - mm.x).max() / total),
                           abs(fast_x["minimax_relative"].objective_value - mm.objective_value)))
    return rows, checks, notes


def example_frame(n: int, seed: int = 1) -> pd.DataFrame:
    """n random regions with every column the `example` preset reads (示例数据 shape, not real)."""
    rng = np.random.default_rng(seed)
    population = rng.lognormal(12.5, 0.6, n).round()
    poverty = rng.uniform(0.01, 0.08, n)
    frame = pd.DataFrame({
        "code": [f"99{i:04d}" for i in range(n)],
        "name": [f"地区{i + 1}" for i in range(n)],
        "hukou_population": population,
        "dibao_urban": (population * poverty * rng.uniform(0.05, 0.3, n)).round(),
        "dibao_rural": (population * poverty * rng.uniform(0.3, 0.8, n)).round(),
        "tekun": (population * poverty * rng.uniform(0.05, 0.15, n)).round(),
        "monitored": (population * poverty * rng.uniform(0.02, 0.2, n)).round(),
        "local_input": rng.lognormal(5, 0.8, n).round(),
        "performance_score": rng.uniform(60, 100, n).round(1),
        "revenue": rng.lognormal(11, 0.8, n).round(),
    })
    frame["expenditure"] = (frame["revenue"] / rng.uniform(0.1, 0.9, n)).round()
    need = frame[["dibao_urban", "dibao_rural", "tekun", "monitored"]].sum(axis=1).to_numpy()
    last_year = need / need.sum() * rng.uniform(0.7, 1.3, n)  # last year's share, ±30 %
    frame["base_central"] = (100_000 * last_year).round()
    frame["base_provincial"] = (20_000 * last_year).round()
    return frame


def bench_pipeline(repeats: int):
    """policy + RegionData (built once, in memory) → rounded region × pool table with trace."""
    rows, notes = [], []
    example = load_policy("example")  # presets ship inside the package
    frame = example_frame(183)
    policy = apply_overrides(example, {"pools.central.total": 100_000, "pools.provincial.total": 20_000})
    data = RegionData.from_frame(frame)
    result = allocate(policy, data)
    notes.append(f"pipeline, example structure on 183 random regions: floors bind for "
                 f"{int((result.binding == '保底').sum())}, caps for {int((result.binding == '封顶').sum())}")
    rows.append((183, "pipeline: example preset structure (2 pools, 3 factors, correction)", str(repeats),
                 median_ms(lambda: allocate(policy, data), repeats), None))
    try:
        from allocator.dataset.reference import load_figures
    except ImportError as exc:  # the dataset module is optional here
        notes.append(f"Sichuan presets skipped: {exc}")
        return rows, notes
    for name, year in (("sichuan-2019", 2019), ("sichuan-2020", 2020)):
        preset = load_policy(name)
        counties = RegionData.from_frame(load_figures(year))
        rows.append((len(counties), f"pipeline: {name} ({len(preset.pools)} pools, 示例数据)", str(repeats),
                     median_ms(lambda: allocate(preset, counties), repeats), None))
    return rows, notes


def markdown(rows, checks, notes) -> str:
    lines = ["| n | method | runs | median ms | speed-up vs PuLP |", "|---:|---|---|---:|---:|"]
    for n, what, runs, ms, speedup in rows:
        up = "" if speedup is None else ("1×" if speedup == 1.0 else f"{speedup:,.0f}×")
        lines.append(f"| {n:,} | {what} | {runs} | {ms:,.3f} | {up} |")
    lines += ["", "| n | objective | max abs(x fast − x LP) / B | objective gap |", "|---:|---|---:|---:|"]
    lines += [f"| {n:,} | {objective} | {dx:.1e} | {gap:.1e} |" for n, objective, dx, gap in checks]
    lines += [""] + [f"- {note}" for note in notes]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 183 only, a few repeats: proves the script runs")
    parser.add_argument("--sizes", type=int, nargs="*", default=None, help="default 183 2850 50000")
    parser.add_argument("--lp-single-run-limit", type=float, default=30.0,
                        help="seconds; an LP run longer than this is not repeated")
    parser.add_argument("--lp-budget", type=float, default=90.0, help="seconds of LP runs per size at most")
    args = parser.parse_args()
    repeats, lp_repeats = (3, 1) if args.quick else (100, 7)
    sizes = args.sizes or ([183] if args.quick else [183, 2_850, 50_000])
    rows, checks, notes = bench_solvers(sizes, repeats, lp_repeats, args.lp_single_run_limit, args.lp_budget)
    pipeline_rows, pipeline_notes = bench_pipeline(repeats)
    print(markdown(rows + pipeline_rows, checks, notes + pipeline_notes))


if __name__ == "__main__":
    main()
