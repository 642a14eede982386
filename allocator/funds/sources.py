"""Totals by funding source and purpose: the two dimensions of a published allocation table.

A source (中央/省级 × 一般公共预算/彩票公益金) may hold several pools of different purpose: in 2019 the
central general budget 213,294 万元 = 186,650 常规分配 + 26,644 深度贫困定向 (四川省医疗保障局2019年度
部门决算 附件2; the split is our reading of it). Published tables show it as a two-level header
(一般预算: 小计 | 常规分配 | 贫困县定向分配). Amounts are integer units of the rounding unit; every
figure here is a sum of the result's cells, so both dimensions add up exactly.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from allocator.engine import AllocationResult


def source_label(pool) -> str:
    """A funding source as people read it: 中央一般公共预算, 省级彩票公益金 …"""
    level, kind = pool.funding_source
    return f"{level}{kind}"


def source_purpose_units(result: AllocationResult) -> dict[tuple[str, str], np.ndarray]:
    """Per (funding source, purpose): each region's amount in integer units, in the order pools are
    written (a source first met first)."""
    out: dict[tuple[str, str], np.ndarray] = {}
    for j, pool in enumerate(result.policy.pools):
        key = (source_label(pool), pool.purpose_name)
        out[key] = out.get(key, np.zeros(len(result.codes), dtype=np.int64)) + result.amounts[:, j]
    return out


def source_totals(result: AllocationResult) -> pd.DataFrame:
    """One row per funding source × purpose and a 小计 row per source, then 合计 (万元).

    Columns: 资金来源, 用途, 金额(万元). E.g. 中央一般公共预算 | 常规分配 186,650; | 深度贫困定向 26,644;
    | 小计 213,294.
    """
    rows = []
    cells = source_purpose_units(result)
    for source in dict.fromkeys(s for s, _ in cells):
        parts = [(purpose, units) for (s, purpose), units in cells.items() if s == source]
        for purpose, units in parts:
            rows.append((source, purpose, units.sum()))
        if len(parts) > 1:
            rows.append((source, "小计", sum(int(units.sum()) for _, units in parts)))
    rows.append(("合计", "", result.amounts.sum()))
    return pd.DataFrame({"资金来源": [r[0] for r in rows], "用途": [r[1] for r in rows],
                         "金额(万元)": result.to_wan(np.array([r[2] for r in rows], dtype=np.int64))})


def source_table(result: AllocationResult) -> pd.DataFrame:
    """Per region: one column per (source, purpose) with a 小计 per source holding several purposes,
    then 合计; two-level columns (资金来源, 用途), amounts in 万元. Rows add up to 合计 exactly."""
    cells = source_purpose_units(result)
    columns: dict[tuple[str, str], np.ndarray] = {("地区代码", ""): result.codes, ("地区名称", ""): result.names}
    for source in dict.fromkeys(s for s, _ in cells):
        parts = {purpose: units for (s, purpose), units in cells.items() if s == source}
        if len(parts) > 1:
            columns[(source, "小计")] = result.to_wan(sum(parts.values()))
        for purpose, units in parts.items():
            columns[(source, purpose)] = result.to_wan(units)
    columns[("合计", "")] = result.to_wan(result.region_units)
    return pd.DataFrame(columns)
