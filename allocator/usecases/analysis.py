"""Sweeps, sensitivity, uncertainty, goal-seeking and pace of change over one (policy, data) pair.
Specs written as text (CLI options, app inputs) are parsed here, so every caller gives the same message.
"""
from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from allocator.analysis.batch import BatchResult, Prepared, evaluate, grid_scenarios, prepare, what_if
from allocator.analysis.goalseek import Goal, GoalResult, seek
from allocator.analysis.pace import Pace
from allocator.analysis.pace import pace as pace_of_change
from allocator.analysis.sensitivity import Tornado, incentives, tornado
from allocator.analysis.uncertainty import DataNoise, Uncertainty, monte_carlo
from allocator.errors import InputError, Problem
from allocator.usecases.references import Inputs


@contextmanager
def analysis_executor(workers: int = 1, scheduler: str | None = None) -> Iterator[Executor | None]:
    """The executor a batch runs on: in-process (None) for one worker, a process pool for several, or
    a Dask cluster's executor (`scheduler` = its address, or "local" for a local cluster; needs the
    `dask` extra)."""
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
    return path.strip(), numbers


def parse_ranges(texts: list[str]) -> dict[str, tuple[float, float]]:
    """`factors.need.weight=70:80` → {path: (70, 80)} (file units, % for weights)."""
    out = {}
    for text in texts:
        path, numbers = _spec(text, "范围")
        if len(numbers) != 2:
            raise InputError([Problem(f"范围「{text}」应为 下限:上限", key="范围", value=text)])
        out[path] = (numbers[0], numbers[1])
    return out


def parse_grid(texts: list[str]) -> dict[str, np.ndarray]:
    """`factors.need.weight=70:80:2` → {path: [70, 72, …, 80]}; a single number is one value."""
    out = {}
    for text in texts:
        path, numbers = _spec(text, "网格")
        if len(numbers) == 1:
            out[path] = np.array(numbers)
        elif len(numbers) == 3 and numbers[2] > 0 and numbers[1] >= numbers[0]:
            k = int(np.floor((numbers[1] - numbers[0]) / numbers[2] + 1e-9))
            out[path] = np.round(numbers[0] + numbers[2] * np.arange(k + 1), 10)
        else:
            raise InputError([Problem(f"网格「{text}」应为 起点:终点:步长（步长为正）或单个数值", key="网格", value=text)])
    return out


def parse_errors(texts: list[str], distribution: str = "uniform") -> list[DataNoise]:
    """`dibao_rural=5` (±5 %) → DataNoise(column, 0.05, distribution)."""
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
        path = Path(scenarios)
        if not path.exists():
            raise InputError([Problem(f"情景表 {path} 不存在", key="scenarios", value=str(path))])
        scenarios = pd.read_excel(path) if path.suffix.lower() == ".xlsx" else pd.read_csv(path, encoding="utf-8-sig")
    frame = scenarios if scenarios is not None else grid_scenarios(prepared, grid or {}, balance)
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
    if draws < 1:
        raise InputError([Problem(f"抽样次数 {draws} 应为正整数", key="draws", value=draws)])
    if not ranges and not errors:
        raise InputError([Problem("请至少给出一个权重范围（--range）或数据误差（--error）", key="range")])
    return monte_carlo(prepare_inputs(inputs), ranges, errors, draws, seed, executor=executor, progress=progress)


def goal(inputs: Inputs, kind: str, ranges: dict[str, tuple[float, float]], threshold: float = 5.0,
         minimum: float | None = None, step: float = 1.0) -> GoalResult:
    """The weights within `ranges` that best meet the goal, with what stops it doing better."""
    if not ranges:
        raise InputError([Problem("请给出可调整的权重范围（--range）", key="range")])
    if step <= 0:
        raise InputError([Problem(f"步长 {step:g} 应为正数", key="step", value=step)])
    return seek(prepare_inputs(inputs), Goal(kind, threshold, minimum), ranges, step)


def pace(inputs: Inputs, years: int = 5, growth: float = 0.0) -> Pace:
    """Year-by-year amounts from last year's toward the formula target under floors and caps."""
    return pace_of_change(inputs.policy, inputs.data, years, growth)
