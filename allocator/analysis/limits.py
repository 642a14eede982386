"""The most work one analysis may ask for, estimated and checked before anything is computed.

A request above a limit is refused with its size and the limit, in Chinese, instead of running out
of memory (or starting thousands of processes) part way through. Each limit is declared once here,
with the reason for its size; the use cases and the analysis modules call the checks below.
"""
from __future__ import annotations

import math
import os

from allocator.errors import InputError, Problem

# Scenarios in one sweep (grid points or table rows). A sweep keeps every scenario's amounts for every
# region and writes one column per scenario; 200,000 columns is already far beyond what a planner
# can read (the amounts per region are bounded separately, below).
MAX_SCENARIOS = 200_000
# Scenario × region amounts a sweep keeps in memory. Issue 22 measured a peak of 4.2 GB for 10^6
# scenarios on the 183 Sichuan counties, about 23 bytes per amount over the whole sweep (amounts, floor
# and cap flags, the wide output table); 2×10^7 amounts then peak near 0.5 GB, about 109,000 scenarios
# on the 183 counties.
MAX_SCENARIO_AMOUNTS = 20_000_000
# Monte Carlo draws. The amounts are reduced to histograms chunk by chunk, but the drawn weights are
# kept one row per draw; a million draws keeps them in tens of MB, and the P10/P50/P90 of a region
# settle to the 万元 long before that.
MAX_DRAWS = 1_000_000
# Weight combinations on a goal search's coarse grid (the refinements around the best few add a
# bounded number more). Each one is a full allocation through the batch engine; the search has kept
# this limit since it was written, but checked it only after building the grid.
MAX_SEARCH_POINTS = 200_000
# Worker processes: more processes than cores only adds start-up time and memory (each process holds
# a copy of the prepared data), so the limit is the number of cores this machine has.
MAX_WORKERS = os.cpu_count() or 1
# Largest number a range, grid or data-error spec may hold. No policy parameter (weights and shares
# in %, pool totals in 万元) comes near 10^15, and beyond it float64 no longer holds a number to the
# 0.01 the amounts are rounded to (1e308, accepted before, overflowed the grid's arithmetic).
MAX_MAGNITUDE = 1e15
# Rows read from a scenario table: the table is refused once it has more rows than a sweep may run,
# without reading the rest of it.
MAX_TABLE_ROWS = MAX_SCENARIOS


def _refuse(message: str, key: str, value) -> None:
    raise InputError([Problem(message, key=key, value=value)], title="计算量超过上限")


def check_scenarios(n_scenarios: float, n_regions: int, what: str = "批量情景") -> None:
    """Refuse a sweep of more scenarios, or more scenario × region amounts, than the limits; `what`
    names where the scenarios come from (e.g. the grid's axes)."""
    if n_scenarios > MAX_SCENARIOS:
        _refuse(f"{what}共 {_count(n_scenarios)} 个情景，超过上限 {MAX_SCENARIOS:,} 个；请加大网格步长、减少网格参数或拆分情景表",
                "scenarios", n_scenarios)
    if n_scenarios * n_regions > MAX_SCENARIO_AMOUNTS:
        _refuse(f"{what} {_count(n_scenarios)} 个情景 × {n_regions:,} 个地区 = {_count(n_scenarios * n_regions)} 个金额，"
                f"超过上限 {MAX_SCENARIO_AMOUNTS:,} 个（约 0.5 GB 内存）；请减少情景数", "scenarios", n_scenarios)


def check_draws(draws: int) -> None:
    """Refuse fewer than one or more than MAX_DRAWS Monte Carlo draws."""
    if draws < 1:
        raise InputError([Problem(f"抽样次数 {draws} 应为正整数", key="draws", value=draws)])
    if draws > MAX_DRAWS:
        _refuse(f"抽样次数 {draws:,} 超过上限 {MAX_DRAWS:,}；分位数在远少于此的抽样下已稳定", "draws", draws)


def check_search_points(points: float) -> None:
    """Refuse a goal search whose coarse grid has more than MAX_SEARCH_POINTS weight combinations."""
    if points > MAX_SEARCH_POINTS:
        _refuse(f"搜索网格有 {_count(points)} 个权重组合（每个都要完整分配一次），超过上限 {MAX_SEARCH_POINTS:,}；"
                "请加大步长（--step）或缩小范围", "step", points)


def check_workers(workers: int) -> None:
    """Refuse fewer than one worker or more workers than this machine has cores."""
    if workers < 1:
        raise InputError([Problem(f"并行进程数 {workers} 应为正整数", key="workers", value=workers)])
    if workers > MAX_WORKERS:
        _refuse(f"并行进程数 {workers:,} 超过本机处理器核数 {MAX_WORKERS}；更多进程不会更快，只会多占内存",
                "workers", workers)


def grid_points(low: float, high: float, step: float) -> float:
    """Points of low, low + step, … ≤ high, as a float (it may be astronomically large), without building them."""
    q = (high - low) / step
    return max(0.0, math.floor(q + 1e-9) + 1.0) if math.isfinite(q) else math.inf


def _count(n: float) -> str:
    """A count as people read it: 1,234,567, or 8.1×10^11 when it is too large to spell out."""
    if not math.isfinite(n):
        return "无穷多"
    if n < 1e15:
        return f"{int(n):,}"
    mantissa, exponent = f"{n:.1e}".split("e")
    return f"{mantissa}×10^{int(exponent)}"
