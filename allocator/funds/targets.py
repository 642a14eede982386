"""区域绩效目标表: the performance targets issued with the money (随文下达绩效目标), one per region.

Layout from the published 转移支付区域（项目）绩效目标表 (e.g. 广元市医疗保障局《广元市转移支付区域（项目）绩效目标自评表（2023年度）》): 资金情况 (total, of
which 中央 / 地方), 年度总体目标, then indicator rows 一级指标 / 二级指标 / 三级指标 / 指标值. The indicator
set and how each 指标值 is derived are written in the policy file's [performance] section.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator.engine import AllocationResult, RegionData
from allocator.errors import DataError, Problem
from allocator.policy.model import Indicator, Level, fill_goal

CENTRAL = Level.CENTRAL


@dataclass(frozen=True)
class RegionTargets:
    code: str
    name: str
    total: float  # 万元
    central: float  # 万元, pools whose level is 中央
    local: float  # 万元, all other pools (省级, 市级 …)
    goal: str
    indicators: pd.DataFrame  # 一级指标, 二级指标, 三级指标, 指标值


def indicator_value(indicator: Indicator, columns: dict[str, np.ndarray], i: int) -> str:
    """The 指标值 text of one indicator for region i, e.g. "≥12,345人" or "≥70%" or "全覆盖"."""
    if indicator.text is not None:
        return indicator.text
    if indicator.columns:
        value = indicator.multiplier * sum(columns[c][i] for c in indicator.columns)
    else:
        value = indicator.value
    number = f"{value:,.{indicator.decimals}f}"
    return f"{indicator.comparator}{number}{indicator.unit}"


def target_tables(result: AllocationResult, data: RegionData) -> list[RegionTargets]:
    """One target table per region of the result, from the policy's [performance] section."""
    policy = result.policy
    if policy.performance is None:
        raise DataError([Problem("政策文件没有 [performance] 部分，无法生成区域绩效目标表", key="performance")])
    missing = [c for ind in policy.performance.indicators for c in ind.columns if c not in data.columns]
    if missing:
        raise DataError([Problem(f"绩效指标所需的列「{c}」不在数据中", key=c) for c in dict.fromkeys(missing)])
    index = {code: i for i, code in enumerate(data.codes)}
    central_cols = [j for j, p in enumerate(policy.pools) if p.level == CENTRAL]
    out = []
    for r, (code, name) in enumerate(zip(result.codes, result.names)):
        i = index[code]
        total = float(result.to_wan(result.region_units[r]))
        central = float(result.to_wan(result.amounts[r, central_cols].sum()))
        rows = [(ind.level1, ind.level2, ind.name, indicator_value(ind, data.columns, i))
                for ind in policy.performance.indicators]
        goal = fill_goal(policy.performance.goal, name=name, total=_wan(total), year=policy.year)
        out.append(RegionTargets(code, name, total, central, round(total - central, 2), goal,
                                 pd.DataFrame(rows, columns=["一级指标", "二级指标", "三级指标", "指标值"])))
    return out


def _wan(amount: float) -> str:
    return f"{amount:,.2f}".rstrip("0").rstrip(".")


def targets_frame(tables: list[RegionTargets]) -> pd.DataFrame:
    """All regions' target tables in one long table, for export and review."""
    frames = []
    for t in tables:
        f = t.indicators.copy()
        f.insert(0, "地区代码", t.code)
        f.insert(1, "地区名称", t.name)
        f.insert(2, "资金总额(万元)", t.total)
        f.insert(3, "其中：中央(万元)", t.central)
        f.insert(4, "地方(万元)", t.local)
        f.insert(5, "年度总体目标", t.goal)
        frames.append(f)
    return pd.concat(frames, ignore_index=True)
