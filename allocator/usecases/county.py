"""The app's county preview: one county's transfer explained step by step, a private what-if on its own figures,
its marginal gains, and its 配套 burden.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as _np
import pandas as pd

from allocator.analysis import metrics as _metrics
from allocator.analysis.matching import MatchingRule
from allocator.columns import column_label as _column_label
from allocator.engine import AllocationResult
from allocator.errors import InputError, Problem
from allocator.funds import advance_from_policy as _advance_from_policy
from allocator.usecases.design import NEED_FACTOR, prefecture_names
from allocator.usecases.loop import matching
from allocator.usecases.references import Inputs, load_inputs
from allocator.usecases.runs import run

OWN_INPUT_COLUMN = "local_input"


@dataclass(frozen=True)
class CountyPreview:
    code: str
    name: str
    prefecture: str
    steps: list[_metrics.Step]  # the waterfall on the shared data
    pools: pd.DataFrame  # per pool: last year, this year, change, advance, still to issue (万元)
    what_if_steps: list[_metrics.Step] | None  # the waterfall after the private what-if, if any
    what_if_total: float | None  # 万元
    per_person: float  # 万元 gained per extra person in need (before rounding)
    per_input: float  # 万元 gained per extra 万元 of own input (before rounding)
    marginal_note: str
    figures: pd.DataFrame  # the county's own figures (column, 标签, value)


def county_choices(inputs: Inputs) -> dict[str, str]:
    """Region code → 'name（prefecture）' for a search box."""
    names = prefecture_names(inputs.data.codes)
    return {str(c): f"{n}（{p}）" if p else str(n) for c, n, p in zip(inputs.data.codes, inputs.data.names, names)}


def find_regions(inputs: Inputs, text: str) -> list[str]:
    """Codes of the regions whose name or code contains `text`."""
    text = text.strip()
    return [c for c, label in county_choices(inputs).items() if text and (text in label or text in c)]


def with_region_changes(inputs: Inputs, code: str, changes: dict[str, float]) -> Inputs:
    """A private copy of the inputs with one region's figures changed (added deltas); the shared data
    are never touched. Refuses unknown columns and values that become negative."""
    frame = inputs.source.frame.copy()
    rows = frame.index[frame["code"].astype(str) == code]
    problems = []
    for column, delta in changes.items():
        if column not in frame.columns:
            problems.append(Problem(f"数据中没有「{_column_label(column)}」列", key=column, region=code))
            continue
        value = float(frame.loc[rows, column].iloc[0]) + float(delta)
        if value < 0:
            problems.append(Problem(f"{code} 的「{_column_label(column)}」调整后为 {value:g}，不能为负",
                                    key=column, region=code, value=value))
        frame[column] = frame[column].astype(float)
        frame.loc[rows, column] = value
    if problems:
        raise InputError(problems, title="模拟调整有误")
    return load_inputs(inputs.policy, frame)


def _marginal(inputs: Inputs, base_amount: float, i: int, code: str, column: str | None, delta: float) -> float:
    if column is None or column not in inputs.data.columns:
        return float("nan")
    moved = run(with_region_changes(inputs, code, {column: delta}))
    return _metrics.marginal(base_amount, float(_metrics.constrained_totals(moved)[i]), delta)


def county_preview(inputs: Inputs, code: str, pool: str | None = None,
                   changes: dict[str, float] | None = None) -> CountyPreview:
    """One county's expected transfer explained, last year vs this year, advance and still to issue,
    an optional private what-if on its own figures, and its marginal gains per person and per 万元."""
    result = run(inputs)
    codes = result.codes.astype(str)
    if code not in set(codes):
        raise InputError([Problem(f"数据中没有地区代码「{code}」", key="code", value=code)])
    i = int(_np.flatnonzero(codes == code)[0])
    advance = _advance_from_policy(inputs.policy, inputs.data) if any(
        p.advance_total for p in inputs.policy.pools) else None
    pool_index = {p.id: j for j, p in enumerate(inputs.policy.pools)}
    advance_wan = None
    if advance is not None:
        units = advance[i].sum() if pool is None else advance[i, pool_index[pool]]
        advance_wan = float(result.to_wan(units))
    steps = _metrics.waterfall(result, code, pool, advance_wan)
    what_steps, what_total = None, None
    if changes:
        moved = run(with_region_changes(inputs, code, changes))
        what_steps = _metrics.waterfall(moved, code, pool, advance_wan)
        what_total = float(moved.to_wan(moved.amounts[i].sum() if pool is None else moved.amounts[i, pool_index[pool]]))
    before = float(_metrics.constrained_totals(result)[i])
    need_factor = next((f for f in inputs.policy.factors if f.id == NEED_FACTOR), None)
    need_column = need_factor.components[0].column if need_factor else None
    per_person = _marginal(inputs, before, i, code, need_column, 100.0) if need_column else float("nan")
    per_input = _marginal(inputs, before, i, code, OWN_INPUT_COLUMN, 10.0)
    floor, cap = _metrics.bindings(result)
    note = ("该地区受保底约束：小幅增加人数或投入不改变分配额" if floor[i] else
            "该地区受封顶约束：小幅增加人数或投入不改变分配额" if cap[i] else
            f"按增加 100 名{_column_label(need_column or '')}、本级投入增加 10 万元测算（取整前金额）")
    return CountyPreview(code, str(result.names[i]), prefecture_names([code])[0], steps,
                         _county_pools(inputs, result, i, advance), what_steps, what_total, per_person, per_input,
                         note, _county_figures(inputs, i))


@dataclass(frozen=True)
class CountyMatching:
    """A county's 配套 burden under a matching rule, beside the transfer it receives (see `matching`)."""

    received: float  # 万元 from above (all pools, full year)
    share: float  # matching share asked, share of 1
    asked: float  # matching money asked, 万元
    revenue: float  # own 一般公共预算收入, 万元
    burden: float  # asked ÷ revenue, share of 1 (inf when the county has no revenue)
    over: bool  # burden above the rule's threshold
    threshold: float  # share of 1
    actual: float | None  # the county's actual 本级投入 (万元), when the data have it
    actual_ratio: float | None  # actual ÷ received, share of 1
    n_over: int  # counties above the threshold in the whole table


def county_matching(inputs: Inputs, code: str, rule: MatchingRule | None = None) -> CountyMatching | None:
    """One county's row of `matching` (issue 13: 盐边县 put in 69.3 % of what it received), or None when
    the data have no 一般公共预算收入/支出 to measure a burden against."""
    if "revenue" not in inputs.data.columns or "expenditure" not in inputs.data.columns:
        return None
    report = matching(inputs, rule)
    table = report.table.assign(地区代码=report.table["地区代码"].astype(str)).set_index("地区代码")
    if code not in table.index:
        raise InputError([Problem(f"数据中没有地区代码「{code}」", key="code", value=code)])
    row: dict[Any, Any] = table.loc[code].to_dict()
    actual = row.get("本级实际投入(万元)")
    ratio = row.get("实际配套比例(本级投入÷上级补助)")
    return CountyMatching(float(row["上级补助(万元)"]), float(row["配套比例"]), float(row["应配套资金(万元)"]),
                          float(row["一般公共预算收入(万元)"]), float(row["配套占本级收入比重"]),
                          bool(row["超过警戒线"] == "是"), report.rule.threshold,
                          None if actual is None or pd.isna(actual) else float(actual),
                          None if ratio is None or pd.isna(ratio) else float(ratio), len(report.flagged))


def _county_pools(inputs: Inputs, result: AllocationResult, i: int, advance) -> pd.DataFrame:
    rows = []
    for j, pool in enumerate(inputs.policy.pools):
        this_year = float(result.to_wan(result.amounts[i, j]))
        last = float(inputs.data.columns[pool.base_column][i]) if pool.base_column in inputs.data.columns else _np.nan
        adv = float(result.to_wan(advance[i, j])) if advance is not None else _np.nan
        rows.append({"资金池": pool.label, "上年(万元)": last, "本年(万元)": this_year, "增减(万元)": this_year - last,
                     "已提前下达(万元)": adv, "此次下达(万元)": this_year - adv if advance is not None else _np.nan})
    frame = pd.DataFrame(rows)
    total = frame.drop(columns="资金池").sum(min_count=1)
    return pd.concat([frame, pd.DataFrame([{"资金池": "合计", **total.to_dict()}])], ignore_index=True)


def _county_figures(inputs: Inputs, i: int) -> pd.DataFrame:
    cols = [c for c in inputs.policy.data_columns if c in inputs.data.columns and not c.startswith("base_")]
    return pd.DataFrame({"column": cols, "项目": [_column_label(c) for c in cols],
                         "数值": [float(inputs.data.columns[c][i]) for c in cols]})


def waterfall_frame(steps: list[_metrics.Step]) -> pd.DataFrame:
    """Bars of a waterfall chart: label, amount, start, end, kind (增加 | 减少 | 合计), in order."""
    rows, level = [], 0.0
    for order, s in enumerate(steps):
        if s.total:
            rows.append({"order": order, "label": s.label, "amount": s.amount, "start": 0.0, "end": s.amount,
                         "kind": "合计"})
            level = s.amount
        else:
            rows.append({"order": order, "label": s.label, "amount": s.amount, "start": level,
                         "end": level + s.amount, "kind": "增加" if s.amount >= 0 else "减少"})
            level += s.amount
    return pd.DataFrame(rows, columns=["order", "label", "amount", "start", "end", "kind"])
