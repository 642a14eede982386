"""The app's design view: one run's headline metrics, region chart data, the region × pool table with every
trace stage, the regions held by a floor or a cap, fairness correlations and the totals by funding source.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as _np
import pandas as pd

from allocator.analysis import fairness as _fairness
from allocator.analysis import metrics as _metrics
from allocator.dataset.reference import load_regions, parent_map
from allocator.engine import AllocationResult, RegionData
from allocator.export.tables import result_frame as _result_frame
from allocator.funds.sources import source_purpose_units
from allocator.policy import Policy
from allocator.policy.model import Binding as _Binding
from allocator.usecases.references import Inputs
from allocator.usecases.runs import run

NEED_FACTOR = "need"  # the factor whose components count 困难群众 (first factor when a policy has none)
POPULATION_COLUMN = "hukou_population"
DEEP_POVERTY_FLAG = "deep_poverty_county"


def need_counts(policy: Policy, data: RegionData) -> _np.ndarray:
    """困难群众 per region (人): the plain sum of the need factor's component columns (sub-weights
    ignored, so the count of people does not move with the formula)."""
    factors = {f.id: f for f in policy.factors}
    factor = factors.get(NEED_FACTOR) or (policy.factors[0] if policy.factors else None)
    out = _np.zeros(len(data))
    if factor is None:
        return out
    for comp in factor.components:
        out = out + _np.nan_to_num(_np.asarray(data.columns[comp.column], dtype=float))
    return out


def deep_poverty_flags(data: RegionData) -> _np.ndarray | None:
    """1 for deep-poverty counties: the data's flag column, else the packaged Sichuan list by code."""
    if DEEP_POVERTY_FLAG in data.columns:
        return _np.asarray(data.columns[DEEP_POVERTY_FLAG], dtype=float)
    regions = load_regions()
    flags = dict(zip(regions["code"], regions[DEEP_POVERTY_FLAG]))
    if not any(str(c) in flags for c in data.codes):
        return None
    return _np.array([float(flags.get(str(c), 0)) for c in data.codes])


def prefecture_names(codes) -> list[str]:
    """The prefecture (市州) of each county code from the packaged list ('' when unknown)."""
    parent_of, names = parent_map()
    return [names.get(parent_of.get(str(c), ""), "") for c in codes]


@dataclass(frozen=True)
class DesignView:
    """Everything the design page shows for one run."""

    result: AllocationResult
    note: str | None
    headline: _metrics.Headline
    regions: pd.DataFrame  # chart data per region (English ids, see CHART_LABELS)
    table: pd.DataFrame  # the region × pool table with every trace stage, Chinese headers
    bindings: pd.DataFrame  # regions held by a floor or a cap, with the amount it moves
    correlations: dict[str, float]  # per-head aid vs need intensity and vs fiscal hardship
    sources: pd.DataFrame  # totals by funding source × purpose (see funding_sources)


def design_view(inputs: Inputs, result: AllocationResult | None = None) -> DesignView:
    """Run (unless a result is given) and build the headline metrics, the tables and the chart data."""
    result = result if result is not None else run(inputs)
    data, policy = inputs.data, inputs.policy
    base = _metrics.base_totals(result, data.columns)
    need = need_counts(policy, data)
    population = data.columns.get(POPULATION_COLUMN)
    deep = deep_poverty_flags(data)
    head = _metrics.headline(result, base, need, population, deep)
    regions = region_frame(result, base, need, population, deep)
    return DesignView(result, inputs.note, head, regions, region_table(result, regions),
                      binding_frame(result), correlations(regions, data), funding_sources(result))


def funding_sources(result: AllocationResult) -> pd.DataFrame:
    """Totals by funding source (rows: 中央一般公共预算 …, then 合计) × purpose (columns: 常规分配,
    深度贫困定向 …, then 小计), 万元, from `allocator.funds.sources`: each cell is a sum of the result's
    integer units, so rows and columns add up exactly (2019: 中央一般公共预算 186,650 | 26,644 | 213,294)."""

    cells = source_purpose_units(result)
    sources = list(dict.fromkeys(s for s, _ in cells))
    purposes = list(dict.fromkeys(p for _, p in cells))
    units = _np.array([[int(cells[(s, p)].sum()) if (s, p) in cells else 0 for p in purposes] for s in sources],
                      dtype=_np.int64).reshape(len(sources), len(purposes))
    present = _np.array([[(s, p) in cells for p in purposes] for s in sources], dtype=bool).reshape(units.shape)
    grid = _np.vstack([units, units.sum(axis=0, keepdims=True)])
    grid = _np.hstack([grid, grid.sum(axis=1, keepdims=True)])
    shown = _np.vstack([present, _np.ones((1, len(purposes)), dtype=bool)])
    shown = _np.hstack([shown, _np.ones((len(sources) + 1, 1), dtype=bool)])
    money = _np.where(shown, result.to_wan(grid), _np.nan)  # a source without that purpose: blank, not 0
    frame = pd.DataFrame(money, columns=[*purposes, "小计"])
    frame.insert(0, "资金来源", [*sources, "合计"])
    return frame


def off_map_regions(codes, topology: dict[str, Any]) -> list[str]:
    """The region codes that have no shape on the county map (e.g. a 市本级 such as 510800, or the
    example's 99xxxx codes): a map of these data would leave them out."""
    drawn = {str(g.get("properties", {}).get("adcode")) for g in topology["objects"]["data"]["geometries"]}
    return [str(c) for c in codes if str(c) not in drawn]


def region_frame(result: AllocationResult, base, need, population, deep) -> pd.DataFrame:
    """Per region: total, last year, change (万元, %), per-capita and per-困难群众 aid (元), binding."""
    totals = _metrics.region_totals(result)
    delta, share = _metrics.change(totals, base)
    floor, cap = _metrics.bindings(result)
    frame = pd.DataFrame({
        "code": result.codes.astype(str), "name": result.names.astype(str),
        "prefecture": prefecture_names(result.codes), "total": totals, "base": base, "change": delta,
        "change_pct": share * 100,
        "per_capita": _fairness.per_head(totals, population, _metrics.YUAN_PER_WAN) if population is not None
        else _np.nan,
        "per_need": _fairness.per_head(totals, need, _metrics.YUAN_PER_WAN),
        "binding": _np.where(floor, "保底", _np.where(cap, "封顶", "")),
    })
    frame["deep_poverty"] = (_np.asarray(deep) > 0) if deep is not None else False
    return frame


def region_table(result: AllocationResult, regions: pd.DataFrame) -> pd.DataFrame:
    """The region × pool table (Chinese headers): pools and 合计, last year, change, per-head aid, binding,
    then every stage of the trace (the export's 测算过程 columns)."""
    full = _result_frame(result)
    n_money = 2 + len(result.policy.pools) + 1  # code, name, pools, total
    extra = pd.DataFrame({
        "所属市州": regions["prefecture"], "上年分配额(万元)": regions["base"], "增减(万元)": regions["change"],
        "增减(%)": regions["change_pct"].round(2), "人均(元/人)": regions["per_capita"].round(2),
        "每困难群众(元/人)": regions["per_need"].round(2), "保底/封顶生效": regions["binding"],
    })
    head, tail = full.iloc[:, :n_money], full.iloc[:, n_money:]
    return pd.concat([head.iloc[:, :2], extra[["所属市州"]], head.iloc[:, 2:], extra.drop(columns="所属市州"), tail],
                     axis=1)


def binding_frame(result: AllocationResult) -> pd.DataFrame:
    """Regions held by a floor or a cap in each block: the bound, the formula amount and what it moved."""
    rows = []
    for block in result.policy.blocks:
        p = "" if block.id == "shared" else f"{block.id}:"
        codes = result.trace[p + "binding"]
        label = "共同因素资金" if block.id == "shared" else block.pools[0].label
        for i in _np.flatnonzero((codes == _Binding.FLOOR.value) | (codes == _Binding.CAP.value)):
            corrected, constrained = float(result.trace[p + "corrected"][i]), float(result.trace[p + "constrained"][i])
            rows.append({"code": str(result.codes[i]), "name": str(result.names[i]), "block": label,
                         "binding": "保底" if codes[i] == _Binding.FLOOR.value else "封顶",
                         "floor": float(result.trace[p + "floor"][i]), "cap": float(result.trace[p + "cap"][i]),
                         "corrected": corrected, "constrained": constrained, "cost": constrained - corrected})
    columns = ["code", "name", "block", "binding", "floor", "cap", "corrected", "constrained", "cost"]
    return pd.DataFrame(rows, columns=columns)


def correlations(regions: pd.DataFrame, data: RegionData) -> dict[str, float]:
    """Correlation (weighted by population) of per-capita aid with need intensity (困难群众 per
    inhabitant) and with fiscal hardship (1 − revenue / expenditure), when the data have them."""
    out: dict[str, float] = {}
    cols = data.columns
    if POPULATION_COLUMN not in cols:
        return out
    pop = _np.asarray(cols[POPULATION_COLUMN], dtype=float)
    ok = (pop > 0) & _np.isfinite(regions["per_capita"].to_numpy(dtype=float))
    aid = regions["per_capita"].to_numpy(dtype=float)
    need_rate = regions["per_capita"].to_numpy(dtype=float) / _np.where(
        regions["per_need"].to_numpy(dtype=float) > 0, regions["per_need"].to_numpy(dtype=float), _np.nan)
    ok_need = ok & _np.isfinite(need_rate)
    out["need"] = _fairness.correlation(aid[ok_need], need_rate[ok_need], pop[ok_need])
    if "revenue" in cols and "expenditure" in cols:
        rev, exp = _np.asarray(cols["revenue"], dtype=float), _np.asarray(cols["expenditure"], dtype=float)
        ok_fiscal = ok & (exp > 0)
        hardship = 1 - rev[ok_fiscal] / exp[ok_fiscal]
        out["hardship"] = _fairness.correlation(aid[ok_fiscal], hardship, pop[ok_fiscal])
    return out
