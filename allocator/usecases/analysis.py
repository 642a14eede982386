"""Sweeps, sensitivity, uncertainty, goal-seeking and pace of change over one (policy, data) pair.
Specs written as text (CLI options, app inputs) are parsed here, so every caller gives the same message.
"""
from __future__ import annotations

import math
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from allocator.analysis.batch import BatchResult, Prepared, evaluate, grid_scenarios, prepare, what_if
from allocator.analysis.goalseek import Goal, GoalResult, seek
from allocator.analysis.limits import (
    MAX_MAGNITUDE,
    MAX_TABLE_ROWS,
    check_draws,
    check_scenarios,
    check_workers,
    grid_points,
)
from allocator.analysis.pace import Pace
from allocator.analysis.pace import pace as pace_of_change
from allocator.analysis.sensitivity import Tornado, incentives, tornado
from allocator.analysis.uncertainty import DISTRIBUTIONS, DataNoise, Uncertainty, monte_carlo
from allocator.dataset.scenario_table import read_scenario_table
from allocator.errors import InputError, Problem
from allocator.usecases.references import Inputs


@contextmanager
def analysis_executor(workers: int = 1, scheduler: str | None = None) -> Iterator[Executor | None]:
    """The executor a batch runs on: in-process (None) for one worker, a process pool for several, or
    a Dask cluster's executor (`scheduler` = its address, or "local" for a local cluster; needs the
    `dask` extra). At most one worker per core (`limits.MAX_WORKERS`)."""
    check_workers(workers)
    if scheduler:
        try:
            import distributed
        except ImportError:
            raise InputError([Problem("使用 Dask 集群需要安装 dask 附加组件：pip install 'allocator[dask]'",
                                      key="scheduler")]) from None
        if scheduler == "local":
            with distributed.LocalCluster(n_workers=max(1, workers), threads_per_worker=1,
                                          dashboard_address=None) as cluster, distributed.Client(cluster) as client:
                yield client.get_executor()
        else:
            with distributed.Client(scheduler) as client:
                yield client.get_executor()
    elif workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            yield pool
    else:
        yield None


def _spec(text: str, what: str) -> tuple[str, list[float]]:
    """`path=a:b[:c]` → (path, [a, b, c]); numbers may end in %."""
    path, sep, values = text.partition("=")
    try:
        numbers = [float(v.strip().rstrip("%")) for v in values.split(":")] if sep else []
    except ValueError:
        numbers = []
    if not path.strip() or not numbers:
        raise InputError([Problem(f"{what}「{text}」写法有误，应为 参数路径=数值:数值（如 factors.need.weight=70:80）",
                                  key=what, value=text)])
    if not all(math.isfinite(x) and abs(x) <= MAX_MAGNITUDE for x in numbers):
        raise InputError([Problem(f"{what}「{text}」中的数值应为有限的数，且绝对值不超过 {MAX_MAGNITUDE:.0e}"
                                  "（不能是 nan、inf 或更大的数）", key=path.strip(), value=text)])
    return path.strip(), numbers


def parse_ranges(texts: list[str]) -> dict[str, tuple[float, float]]:
    """`factors.need.weight=70:80` → {path: (70, 80)} (file units, % for weights)."""
    out = {}
    for text in texts:
        path, numbers = _spec(text, "范围")
        if len(numbers) != 2 or numbers[0] > numbers[1]:
            raise InputError([Problem(f"范围「{text}」应为 下限:上限（下限不大于上限）", key="范围", value=text)])
        out[path] = (numbers[0], numbers[1])
    return out


def parse_grid(texts: list[str]) -> dict[str, np.ndarray]:
    """`factors.need.weight=70:80:2` → {path: [70, 72, …, 80]}; a single number is one value. The
    number of scenarios (the product of the axes) is checked against `limits.MAX_SCENARIOS` before
    any axis is built."""
    specs = []
    for text in texts:
        path, numbers = _spec(text, "网格")
        if not (len(numbers) == 1 or (len(numbers) == 3 and numbers[2] > 0 and numbers[1] >= numbers[0])):
            raise InputError([Problem(f"网格「{text}」应为 起点:终点:步长（步长为正）或单个数值", key="网格", value=text)])
        specs.append((path, text, numbers, 1.0 if len(numbers) == 1 else grid_points(*numbers)))
    check_scenarios(math.prod(n for *_, n in specs), 0,
                    "网格 " + " × ".join(f"「{text}」" for _, text, _, _ in specs))
    out = {}
    for path, _, numbers, n in specs:
        out[path] = np.array(numbers) if len(numbers) == 1 else np.round(numbers[0] + numbers[2] * np.arange(int(n)), 10)
    return out


def parse_errors(texts: list[str], distribution: str = "uniform") -> list[DataNoise]:
    """`dibao_rural=5` (±5 %) → DataNoise(column, 0.05, distribution)."""
    if distribution not in DISTRIBUTIONS:
        raise InputError([Problem(f"数据误差分布「{distribution}」不可用，应为 {' / '.join(DISTRIBUTIONS)} 之一",
                                  key="distribution", value=distribution)])
    out = []
    for text in texts:
        column, numbers = _spec(text, "数据误差")
        out.append(DataNoise(column, numbers[0] / 100, distribution))
    return out


def prepare_inputs(inputs: Inputs) -> Prepared:
    """The prepared pair every analysis starts from (checked and hashed once)."""
    return prepare(inputs.policy, inputs.data)


@dataclass(frozen=True)
class SweepReport:
    batch: BatchResult
    scenarios: pd.DataFrame  # 情景, parameters…, 可行, 保底地区数, 封顶地区数
    amounts: pd.DataFrame  # 地区代码, 地区名称, 基准(万元), then one column per scenario (万元)


def sweep(inputs: Inputs, scenarios: pd.DataFrame | str | Path | None = None, grid: dict | None = None,
          balance: str | None = None, executor: Executor | None = None, progress=None) -> SweepReport:
    """Every scenario of a table (columns = override paths; a .csv/.xlsx file or a DataFrame) or of a
    grid, through the batch engine; amounts equal single runs exactly."""
    prepared = prepare_inputs(inputs)
    if scenarios is None and not grid:
        raise InputError([Problem("请给出情景表（--scenarios）或网格（--grid）", key="scenarios")])
    if scenarios is not None and not isinstance(scenarios, pd.DataFrame):
        scenarios = read_scenario_table(scenarios, MAX_TABLE_ROWS)
    if scenarios is None:
        check_scenarios(math.prod(len(axis) for axis in (grid or {}).values()), prepared.n_regions)
    frame = scenarios if scenarios is not None else grid_scenarios(prepared, grid or {}, balance)
    check_scenarios(len(frame), prepared.n_regions)
    if frame.empty:
        why = f"平衡权重 {balance} 在每个网格点上都落在 0–100% 之外" if balance and scenarios is None else "没有任何情景"
        raise InputError([Problem(f"没有可计算的情景：{why}", key="scenarios")])
    batch = evaluate(prepared, frame, executor=executor, progress=progress)
    base = what_if(prepared, {}) * prepared.unit
    table = frame.reset_index(drop=True).copy()
    table.insert(0, "情景", np.arange(1, len(table) + 1))
    table["可行"] = batch.feasible
    table["保底地区数"] = batch.at_floor.sum(axis=1)
    table["封顶地区数"] = batch.at_cap.sum(axis=1)
    amounts = pd.DataFrame({"地区代码": prepared.data.codes, "地区名称": prepared.data.names, "基准(万元)": base})
    wide = pd.DataFrame(batch.to_wan(batch.totals).T, columns=[f"情景{i}" for i in range(1, len(table) + 1)])
    if batch.refused.any():  # refused scenarios have no figures: blank, with the reason
        refused = batch.refused
        for column in ("保底地区数", "封顶地区数"):
            table[column] = table[column].astype(float).where(~refused)
        table["拒绝原因"] = batch.reasons
        wide.loc[:, refused] = np.nan
    return SweepReport(batch, table, pd.concat([amounts, wide], axis=1))


@dataclass(frozen=True)
class SensitivityReport:
    tornado: Tornado
    incentives: pd.DataFrame  # per region: marginal 万元 per 低保对象 / 万元 own input / score point


def sensitivity(inputs: Inputs, points: float = 5.0) -> SensitivityReport:
    """Tornado data (each weight ±points) and the incentive figures of every region."""
    prepared = prepare_inputs(inputs)
    return SensitivityReport(tornado(prepared, points), incentives(prepared))


def montecarlo(inputs: Inputs, ranges: dict[str, tuple[float, float]] | None = None,
               errors: list[DataNoise] | None = None, draws: int = 1000, seed: int = 0,
               executor: Executor | None = None, progress=None) -> Uncertainty:
    """Monte Carlo over weight ranges and data error (seeded): quantiles and floor/cap probabilities."""
    check_draws(draws)
    if seed < 0:
        raise InputError([Problem(f"随机种子 {seed} 应为非负整数（0、1、2……）", key="seed", value=seed)])
    if not ranges and not errors:
        raise InputError([Problem("请至少给出一个权重范围（--range）或数据误差（--error）", key="range")])
    return monte_carlo(prepare_inputs(inputs), ranges, errors, draws, seed, executor=executor, progress=progress)


def goal(inputs: Inputs, kind: str, ranges: dict[str, tuple[float, float]], threshold: float = 5.0,
         minimum: float | None = None, step: float = 1.0) -> GoalResult:
    """The weights within `ranges` that best meet the goal, with what stops it doing better."""
    if not ranges:
        raise InputError([Problem("请给出可调整的权重范围（--range）", key="range")])
    problems = []
    if not (math.isfinite(step) and step > 0):
        problems.append(Problem(f"步长 {step:g} 应为正数", key="step", value=step))
    if not (math.isfinite(threshold) and 0 <= threshold <= 100):
        problems.append(Problem(f"降幅阈值 {threshold:g}% 应在 0 到 100 之间", key="threshold", value=threshold))
    if minimum is not None and not (math.isfinite(minimum) and minimum >= 0):
        problems.append(Problem(f"最低额 {minimum:g} 万元应为非负的有限数", key="minimum", value=minimum))
    if problems:
        raise InputError(problems)
    return seek(prepare_inputs(inputs), Goal(kind, threshold, minimum), ranges, step)


def pace(inputs: Inputs, years: int = 5, growth: float = 0.0) -> Pace:
    """Year-by-year amounts from last year's toward the formula target under floors and caps."""
    return pace_of_change(inputs.policy, inputs.data, years, growth)
