"""Realism figures of an allocation on the Sichuan demo data: does the published principle hold?

The 2019 provincial report (四川省医疗保障局2019年度部门决算 附件2) states the principle 尊重客观需求、
强化主观努力 … 向负担重、困难大、努力程度高、管理水平好的地区倾斜. On the demo data that means: more money per
困难群众 where hardship and need are greater, effort rewarding intensity rather than size, group rates close
to public anchors, and few hardship coefficients on a clip bound. Each figure here is compared with its
anchor in `realism_table` (anchors: allocator/data/sichuan/SOURCES.md). Pure functions; nothing prints.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator.engine import AllocationResult
from allocator.policy.model import Purpose

# 成都 中心城区 "11 区": 锦江 青羊 金牛 武侯 成华 龙泉驿 青白江 新都 温江 双流 郫都
CHENGDU_CENTRAL = ("510104", "510105", "510106", "510107", "510108", "510112", "510113", "510114",
                   "510115", "510116", "510117")
JINJIANG = "510104"
NEED_COLUMNS = ("dibao_urban", "dibao_rural", "tekun", "poverty_population", "monitored")
YUAN_PER_WAN = 10_000


@dataclass(frozen=True)
class Figure:
    """One realism figure: what it is, its value, the anchor it is compared with, and that anchor's source."""

    name: str
    value: float
    unit: str
    anchor: str


def need_people(data: pd.DataFrame) -> np.ndarray:
    """困难群众 per region (人): 低保 + 特困 + 建档立卡贫困人口 (+ 防止返贫监测对象 where the data have it)."""
    total = np.zeros(len(data))
    for column in NEED_COLUMNS:
        if column in data.columns:
            total = total + data[column].to_numpy(dtype=float)
    return total


def regular_wan(result: AllocationResult) -> np.ndarray:
    """Each region's money from the regular (factor-method) pools, 万元; earmarked pools left out."""
    cols = [j for j, p in enumerate(result.policy.pools) if p.purpose == Purpose.REGULAR]
    return np.asarray(result.to_wan(result.amounts[:, cols].sum(axis=1)), dtype=float)


def aid_per_need(result: AllocationResult, data: pd.DataFrame, regular_only: bool = True) -> pd.Series:
    """Money per 困难群众 (元/人) from the regular pools (or from all pools), indexed by region code."""
    frame = data.set_index("code").loc[result.codes]
    money = regular_wan(result) if regular_only else np.asarray(result.to_wan(result.region_units), dtype=float)
    return pd.Series(money * YUAN_PER_WAN / need_people(frame), index=result.codes)


def group_aid_per_need(result: AllocationResult, data: pd.DataFrame, codes) -> float:
    """Regular-pool money per 困难群众 (元/人) over a group of regions (total money / total people)."""
    frame = data.set_index("code").loc[result.codes]
    mask = np.isin(result.codes, list(codes))
    return float(regular_wan(result)[mask].sum() * YUAN_PER_WAN / need_people(frame)[mask].sum())


def effort_share(result: AllocationResult, code: str, factor: str = "effort") -> float:
    """Share of a region's shared-block formula amount that comes from one factor term (share of 1)."""
    i = int(np.flatnonzero(result.codes == code)[0])
    return float(result.trace[f"part_{factor}"][i] / result.trace["formula"][i])


def need_rate_correlation(result: AllocationResult, data: pd.DataFrame, regular_only: bool = True) -> float:
    """Pearson correlation, across regions, of aid per 困难群众 (regular pools, or all pools) with the
    困难群众 rate (困难群众 per 户籍人口)."""
    frame = data.set_index("code").loc[result.codes]
    rate = need_people(frame) / frame["hukou_population"].to_numpy(dtype=float)
    return float(np.corrcoef(aid_per_need(result, data, regular_only).to_numpy(), rate)[0, 1])


def tekun_share(data: pd.DataFrame) -> float:
    """特困 / (低保 + 特困), share of 1."""
    tekun = data["tekun"].sum()
    return float(tekun / (data["dibao_urban"].sum() + data["dibao_rural"].sum() + tekun))


def urban_dibao_share(data: pd.DataFrame) -> float:
    """城市低保 / 低保, share of 1."""
    return float(data["dibao_urban"].sum() / (data["dibao_urban"].sum() + data["dibao_rural"].sum()))


def coefficients_on_bounds(result: AllocationResult, correction: str = "hardship") -> int:
    """How many regions' correction coefficient sits on its lower or upper clip bound."""
    corr = next(c for c in result.policy.corrections if c.id == correction)
    coef = result.trace[f"coef_{correction}"]
    on = np.zeros(len(coef), dtype=bool)
    for bound in (corr.lower, corr.upper):
        if bound is not None:
            on |= np.isclose(coef, bound)
    return int(on.sum())


def realism_table(result: AllocationResult, data: pd.DataFrame) -> list[Figure]:
    """The realism figures of one allocation on county data, each with its anchor."""
    deep: list[str] = (data.loc[data["deep_poverty_county"] == 1, "code"].tolist()
                       if "deep_poverty_county" in data else [])
    return [
        Figure("成都中心城区11区·每名困难群众常规资金", group_aid_per_need(result, data, CHENGDU_CENTRAL), "元/人",
               "应低于深度贫困县（原则：向负担重、困难大的地区倾斜）"),
        Figure("45个深度贫困县·每名困难群众常规资金", group_aid_per_need(result, data, deep), "元/人",
               "应高于成都中心城区"),
        Figure("锦江区资金中来自努力程度项的比例", effort_share(result, JINJIANG), "比例",
               "努力程度权重20%：按强度计，应接近0.20"),
        Figure("每名困难群众常规资金与困难群众比例的相关系数", need_rate_correlation(result, data), "相关系数",
               "应明显为正（需求越大，人均越多）"),
        Figure("每名困难群众全部资金（含深度贫困定向）与困难群众比例的相关系数",
               need_rate_correlation(result, data, regular_only=False), "相关系数", "应明显为正"),
        Figure("特困人员占低保与特困之和的比例", tekun_share(data), "比例",
               "约4.1%（民政事业统计月报表2020年1月：特困122,933人，低保2,909,554人）"),
        Figure("城市低保占低保对象比例", urban_dibao_share(data), "比例",
               "约14.8%（同一月报：城市低保431,185人）；四川低保支出城市占19.0%"),
        Figure("财政困难程度系数位于上下限的地区数", coefficients_on_bounds(result), "个",
               "183个县中少数（目标≤10%）"),
    ]


def realism_frame(figures: list[Figure]) -> pd.DataFrame:
    """The figures as a table with Chinese headers (指标, 数值, 单位, 对照)."""
    return pd.DataFrame({"指标": [f.name for f in figures], "数值": [round(f.value, 3) for f in figures],
                         "单位": [f.unit for f in figures], "对照": [f.anchor for f in figures]})
