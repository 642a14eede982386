"""The app's downloads as bytes: a chart's data or a table as CSV (UTF-8 with BOM, Chinese headers), a result as
the allocation workbook. Frames for charts carry English column ids; CHART_LABELS gives their Chinese headers.
"""
from __future__ import annotations

import tempfile as _tempfile
from pathlib import Path

import pandas as pd

from allocator.engine import AllocationResult
from allocator.export.tables import write_xlsx as _write_xlsx

CHART_LABELS = {
    "code": "地区代码", "name": "地区名称", "prefecture": "所属市州", "total": "全年分配额(万元)",
    "base": "上年分配额(万元)", "change": "增减(万元)", "change_pct": "增减(%)", "per_capita": "人均(元/人)",
    "per_need": "每困难群众(元/人)", "binding": "约束情况", "scenario": "方案", "amount": "金额(万元)",
    "baseline": "基准方案(万元)", "alternative": "比较方案(万元)", "delta": "差额(万元)", "delta_pct": "差额(%)",
    "label": "项目", "kind": "类型", "start": "起点(万元)", "end": "终点(万元)", "block": "资金块",
    "floor": "保底额(万元)", "cap": "封顶额(万元)", "corrected": "修正后测算额(万元)",
    "constrained": "约束后金额(万元)", "cost": "约束调整额(万元)", "deep_poverty": "深度贫困县",
}


def chart_csv(frame: pd.DataFrame) -> bytes:
    """A chart's data as CSV (UTF-8 with BOM, Chinese headers) for download."""
    return frame.rename(columns=CHART_LABELS).to_csv(index=False).encode("utf-8-sig")


def table_csv(frame: pd.DataFrame, note: str | None = None) -> bytes:
    """A table as CSV (UTF-8 with BOM); a `note` (示例数据) becomes a last column on every row."""
    out = frame.copy()
    if note:
        out["数据说明"] = note
    return out.to_csv(index=False).encode("utf-8-sig")


def result_xlsx(result: AllocationResult, note: str | None = None) -> bytes:
    """The allocation workbook (分配表, 测算过程, 政策参数, 运行信息) as bytes, via the library's export."""
    with _tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "result.xlsx"
        _write_xlsx(result, path, note)
        return path.read_bytes()
