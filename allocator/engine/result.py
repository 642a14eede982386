"""The result of one allocation: integer amounts per region and pool, and the trace of every stage."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator.policy.model import BINDING_LABELS, Binding, Policy
from allocator.solver import Solution

STAGE_LABELS = {
    "formula": "公式测算额(万元)",
    "corrected": "修正后测算额(万元)",
    "base": "上年基数(万元)",
    "floor": "保底额(万元)",
    "cap": "封顶额(万元)",
    "constrained": "约束后金额(万元)",
    "rounded": "取整后金额(万元)",
    "rounding_adjustment": "取整调整(万元)",
}
TOTAL_LABEL = "合计"


def label_binding(codes) -> np.ndarray:
    """Binding codes (floor / cap / none) → 保底 / 封顶 / '' ; blanks (ineligible regions) stay blank."""
    labels = {b.value: text for b, text in BINDING_LABELS.items()}
    return np.array([labels.get(c, "") if isinstance(c, str) else "" for c in codes], dtype=object)


@dataclass(frozen=True)
class AllocationResult:
    policy: Policy
    codes: np.ndarray
    names: np.ndarray
    unit: float  # rounding unit, 万元
    amounts: np.ndarray  # int64, regions × pools, in rounding units
    trace: dict[str, np.ndarray]  # stage → per-region values; stages of a pool's own block are "<pool>:<stage>"
    solutions: dict[str, Solution]  # per block id ("shared" or a pool id)
    fingerprint: str

    @property
    def solution(self) -> Solution:
        """The first block's solution (the shared pools', when there are any)."""
        return next(iter(self.solutions.values()))

    @property
    def binding(self) -> np.ndarray:
        """Per region: floor | cap | none for the first block (`binding_labels` gives 保底 | 封顶 | '')."""
        block = next(iter(self.solutions))
        return self.trace["binding" if block == "shared" else f"{block}:binding"]

    @property
    def binding_labels(self) -> np.ndarray:
        """Per region: 保底 | 封顶 | '' for the first block, for tables people read."""
        return label_binding(self.binding)

    @property
    def region_units(self) -> np.ndarray:
        """Each region's total in rounding units (int64)."""
        return self.amounts.sum(axis=1)

    @property
    def pool_units(self) -> np.ndarray:
        return self.amounts.sum(axis=0)

    def to_wan(self, units) -> np.ndarray:
        """Integer units → 万元: int64 for a 1 万元 unit; floats rounded to 2 decimals (377.61) for 0.01."""
        if self.policy.rounding.decimals == 0:
            return np.asarray(units, dtype=np.int64) * int(round(self.unit))
        return np.round(np.asarray(units, dtype=float) * self.unit, self.policy.rounding.decimals)

    def table(self) -> pd.DataFrame:
        """One row per region: code, name, one column per pool (万元), total; English column ids."""
        frame = pd.DataFrame({"code": self.codes, "name": self.names})
        for j, pool in enumerate(self.policy.pools):
            frame[pool.id] = self.to_wan(self.amounts[:, j])
        frame["total"] = self.to_wan(self.region_units)
        return frame

    def trace_frame(self) -> pd.DataFrame:
        """Every stage per region, in pipeline order, plus the binding constraint; English column ids."""
        frame = pd.DataFrame({"code": self.codes, "name": self.names})
        for key, values in self.trace.items():
            frame[key] = values
        return frame

    def column_labels(self) -> dict[str, str]:
        """Chinese headers for the columns of `table()` and `trace_frame()`."""
        labels = {"code": "地区代码", "name": "地区名称", "total": TOTAL_LABEL}
        for pool in self.policy.pools:
            labels[pool.id] = f"{pool.label}(万元)"
        for block in self.policy.blocks:
            prefix = "" if block.id == "shared" else f"{block.id}:"
            title = "" if block.id == "shared" else f"{block.pools[0].label}·"
            stage_labels = dict(STAGE_LABELS, binding="约束情况", note="说明")
            for f in block.factors:
                stage_labels[f"value_{f.id}"] = f"{f.label}·因素值"
                stage_labels[f"share_{f.id}"] = f"{f.label}·份额"
                stage_labels[f"part_{f.id}"] = f"{f.label}·测算额(万元)"
            for c in block.corrections:
                stage_labels[f"coef_{c.id}"] = f"{c.label}系数"
            if block.standard is not None:
                stage_labels["part_standard"] = f"{block.standard.label}(万元)"
            labels.update({prefix + k: title + v for k, v in stage_labels.items()})
        return labels

    def summary(self) -> str:
        """A few lines in Chinese: budget, pools, binding constraints per block, fingerprint."""
        p = self.policy
        lines = [
            f"{p.title}（{p.year}年，{len(self.codes)} 个地区）",
            f"资金合计 {self._fmt(self.pool_units.sum())} 万元："
            + "；".join(f"{pool.label} {self._fmt(u)}" for pool, u in zip(p.pools, self.pool_units)),
        ]
        for block_id, sol in self.solutions.items():
            prefix = "" if block_id == "shared" else f"{block_id}:"
            binding = self.trace[prefix + "binding"]
            name = "共同因素分配" if block_id == "shared" else next(
                pool.label for pool in p.pools if pool.id == block_id)
            lines.append(
                f"[{name}] 目标函数 {sol.objective}（{sol.method}），保底约束生效 {int((binding == Binding.FLOOR).sum())} 个地区，"
                f"封顶约束生效 {int((binding == Binding.CAP).sum())} 个地区，未受约束地区按测算额的 {sol.scale:.4f} 倍分配")
        lines.append(f"取整单位 {self.unit:g} 万元；运行指纹 {self.fingerprint[:16]}")
        return "\n".join(lines)

    def _fmt(self, units) -> str:
        return f"{float(self.to_wan(units)):,.{self.policy.rounding.decimals}f}"
