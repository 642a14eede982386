"""The allocation as a CSV for importing into budget systems: one row per region (no 合计 or 小计 rows,
which an import would count twice), codes first, amounts as plain numbers in 万元 from the engine's
integers, UTF-8 with BOM, every text cell safe against formula injection."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from allocator.engine.result import AllocationResult
from allocator.export.csv_safe import write_safe_csv
from allocator.funds.advance import SettlementResult


def systems_frame(result: AllocationResult, parent_of: dict[str, str] | None = None,
                  parent_names: dict[str, str] | None = None,
                  settlement: SettlementResult | None = None) -> pd.DataFrame:
    """地区代码, 地区名称, 所属市州代码/名称, one column per pool (全年, 万元), 全年合计, and with a
    settlement 已提前下达, 此次下达, 收回 (totals per region; 全年 − 已提前下达 = 此次下达 − 收回)."""
    parent_of, parent_names = parent_of or {}, parent_names or {}
    codes = [str(c) for c in result.codes]
    frame = pd.DataFrame({"地区代码": codes, "地区名称": [str(n) for n in result.names]})
    frame["所属市州代码"] = [parent_of.get(c, "") for c in codes]
    frame["所属市州名称"] = [parent_names.get(parent_of.get(c, ""), "") for c in codes]
    for j, pool in enumerate(result.policy.pools):
        frame[f"{pool.label}(万元)"] = result.to_wan(result.amounts[:, j])
    frame["全年合计(万元)"] = result.to_wan(result.region_units)
    if settlement is not None:
        to_issue = settlement.to_issue
        frame["已提前下达(万元)"] = result.to_wan(settlement.advance.sum(axis=1))
        frame["此次下达(万元)"] = result.to_wan(np.maximum(to_issue, 0).sum(axis=1))
        frame["收回(万元)"] = result.to_wan(np.maximum(-to_issue, 0).sum(axis=1))
    return frame.sort_values("地区代码", kind="stable").reset_index(drop=True)


def write_systems_csv(frame: pd.DataFrame, path: str | Path) -> None:
    write_safe_csv(frame, path)
