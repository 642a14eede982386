"""绩效自评, scored: the year-end self-evaluation table of each region and its score.

Layout from the published 转移支付区域（项目）绩效目标自评表 (广元市医疗保障局《广元市转移支付区域（项目）绩效目标自评表（2023年度）》): 项目资金 全年预算数 (A),
全年执行数 (B), 预算执行率 (B/A) by source (中央补助 / 地方资金 / 其他资金); 年度总体目标 with 全年实际完成情况;
per indicator 年度指标值, 实际完成值, 分值, 得分 and 偏差原因. Marks as in 泸县医疗保障局《2023年度部门决算》附表《部门预算项目支出绩效自评表（2023年度）》:
预算执行情况 10 分, 绩效指标 90 分. Which indicators count, their marks and how each is scored are the
policy file's [selfeval] section (a province's 评价指标体系 is a file, not code).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator.columns import column_label
from allocator.errors import DataError, Problem, raise_if
from allocator.policy.model import Direction, EvalIndicator, Policy, ScoreRule, SelfEvaluation, fill_goal

SOURCES = (("central", "中央补助"), ("local", "地方资金"), ("other", "其他资金"))
BUDGET_COLUMNS = tuple(f"budget_{s}" for s, _ in SOURCES)
SPENT_COLUMNS = tuple(f"spent_{s}" for s, _ in SOURCES)
SCORE_DECIMALS = 2
BUDGET_HEADERS = ("资金来源", "全年预算数(A)(万元)", "全年执行数(B)(万元)", "预算执行率(B/A)")
INDICATOR_HEADERS = ("一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "偏差原因")


def completion(actual: float, target: float, direction: Direction) -> float:
    """Degree of completion, share of 1 (1 = the target is met exactly or better).

    ≥: actual / target; ≤: 1 when actual ≤ target, else target / actual; =: 1 − |actual − target| / target
    (not below 0). A target of 0 is met only by ≥ 0 (≥), 0 (≤, =).
    """
    if direction == Direction.AT_LEAST:
        return 1.0 if actual >= target else (actual / target if target > 0 else 1.0)
    if direction == Direction.AT_MOST:
        return 1.0 if actual <= target else (target / actual if actual > 0 else 1.0)
    if target == 0:
        return 1.0 if actual == 0 else 0.0
    return max(0.0, 1.0 - abs(actual - target) / target)


def indicator_score(indicator: EvalIndicator, degree: float) -> float:
    """得分 of one indicator (分) from its degree of completion, by the rule the policy names:
    met — full marks at completion ≥ 1, else 0; proportional — marks × min(completion, 1); banded —
    marks × the band share of the first band whose threshold the completion reaches (0 below all)."""
    if indicator.rule == ScoreRule.MET:
        share = 1.0 if degree >= 1.0 - 1e-12 else 0.0
    elif indicator.rule == ScoreRule.PROPORTIONAL:
        share = min(degree, 1.0)
    else:
        share = next((m for b, m in zip(indicator.bands, indicator.band_marks) if degree >= b - 1e-12), 0.0)
    return round(indicator.marks * share, SCORE_DECIMALS)


def execution_rate(budget: float, spent: float) -> float:
    """预算执行率 B/A, share of 1; no budget (A = 0) → 0."""
    return spent / budget if budget > 0 else 0.0


def budget_score(marks: float, rate: float) -> float:
    """预算执行情况 得分: marks × min(B/A, 1) (部门预算项目支出绩效自评表: 预算执行情况 10 分 by 预算执行率)."""
    return round(marks * min(rate, 1.0), SCORE_DECIMALS)


@dataclass(frozen=True)
class RegionSelfEval:
    """One region's scored 绩效自评表."""

    code: str
    name: str
    budget: pd.DataFrame  # BUDGET_HEADERS: 年度资金总额 then 中央补助 / 地方资金 / 其他资金
    goal: str  # 年度总体目标
    achieved: str  # 全年实际完成情况
    indicators: pd.DataFrame  # INDICATOR_HEADERS, one row per indicator
    budget_marks: float
    budget_score: float
    score: float  # 自评得分, 分 (of 100)
    execution_rate: float  # share of 1, all sources together
    balance_share: float | None  # 基金累计结余占筹集总额比重, %, when the data have it


def _shown(value: float, unit: str, decimals: int) -> str:
    return f"{value:,.{decimals}f}{unit}"


def _budget_table(row: pd.Series) -> tuple[pd.DataFrame, float]:
    lines = []
    for key, label in SOURCES:
        a, b = float(row.get(f"budget_{key}", 0.0)), float(row.get(f"spent_{key}", 0.0))
        lines.append((f"其中：{label}", a, b))
    total_a, total_b = sum(x[1] for x in lines), sum(x[2] for x in lines)
    rate = execution_rate(total_a, total_b)
    rows = [("年度资金总额", total_a, total_b, rate)] + [(n, a, b, execution_rate(a, b)) for n, a, b in lines]
    frame = pd.DataFrame(rows, columns=list(BUDGET_HEADERS))
    frame[BUDGET_HEADERS[3]] = [f"{r:.2%}" for r in frame[BUDGET_HEADERS[3]]]
    return frame, rate


def _indicator_row(ind: EvalIndicator, row: pd.Series) -> tuple[tuple, bool]:
    actual = float(row[ind.column])
    target = ind.target if ind.target is not None else float(row[str(ind.target_column)])
    degree = completion(actual, target, ind.direction)
    score = indicator_score(ind, degree)
    reason = "" if degree >= 1.0 - 1e-12 else f"未达到年度指标值（完成程度 {degree:.1%}），请说明原因和改进措施"
    return ((ind.level1, ind.level2, ind.name, f"{ind.direction.value}{_shown(target, ind.unit, ind.decimals)}",
             _shown(actual, ind.unit, ind.decimals), ind.marks, score, reason), degree >= 1.0 - 1e-12)


def score_region(system: SelfEvaluation, row: pd.Series, year: int) -> RegionSelfEval:
    """The scored 自评表 of one region from its row of self-evaluation data (column ids)."""
    budget, rate = _budget_table(row)
    rows, met = zip(*(_indicator_row(ind, row) for ind in system.indicators))
    indicators = pd.DataFrame(list(rows), columns=list(INDICATOR_HEADERS))
    b_score = budget_score(system.budget_marks, rate)
    score = round(b_score + float(indicators["得分"].sum()), SCORE_DECIMALS)
    total_a, total_b = (float(x) for x in budget.iloc[0, 1:3].to_numpy(dtype=float))
    name = str(row.get("name", ""))
    achieved = (f"全年执行{total_b:,.2f}万元，预算执行率{rate:.2%}；{len(met)}项绩效指标中{sum(met)}项达到年度指标值；"
                f"自评得分{score:g}分。")
    balance = float(row["balance_share"]) if "balance_share" in row.index else None
    return RegionSelfEval(str(row["code"]), name, budget, fill_goal(system.goal, name=name, total=f"{total_a:,.2f}",
                                                                 year=year),
                          achieved, indicators, system.budget_marks, b_score, score, rate, balance)


def required_columns(system: SelfEvaluation) -> list[str]:
    """The self-evaluation data columns a region's row must have: budget and execution by source, then
    the indicators' actual values and per-region targets."""
    return [*BUDGET_COLUMNS, *SPENT_COLUMNS, *system.columns]


def entry_problems(frame: pd.DataFrame, system: SelfEvaluation) -> list[Problem]:
    """What makes self-evaluation entries unusable: missing columns, execution above the budget."""
    missing = [c for c in required_columns(system) if c not in frame.columns]
    problems = [Problem(f"自评数据缺少列「{column_label(c)}」（{c}）", key=c) for c in missing]
    if missing:
        return problems
    for (_, label), b, s in zip(SOURCES, BUDGET_COLUMNS, SPENT_COLUMNS):
        over = frame[s].to_numpy(dtype=float) > frame[b].to_numpy(dtype=float) + 1e-9
        for i in np.flatnonzero(over):
            code, name = frame["code"].iloc[i], frame.get("name", frame["code"]).iloc[i]
            problems.append(Problem(f"地区 {code} {name} 的{label}全年执行数 {frame[s].iloc[i]:,.2f} 万元大于全年预算数 "
                                    f"{frame[b].iloc[i]:,.2f} 万元", key=s, region=str(code), value=frame[s].iloc[i]))
    return problems


def score_selfeval(policy: Policy, frame: pd.DataFrame) -> list[RegionSelfEval]:
    """The scored 自评表 of every region in `frame` (column ids), under the policy's [selfeval] system."""
    if policy.selfeval is None:
        raise DataError([Problem(f"政策「{policy.id}」没有 [selfeval] 部分（绩效评价指标体系），无法计分", key="selfeval")])
    raise_if(entry_problems(frame, policy.selfeval), DataError)
    ordered = frame.assign(code=frame["code"].astype(str)).sort_values("code")
    return [score_region(policy.selfeval, row, policy.year) for _, row in ordered.iterrows()]


def results_frame(evals: list[RegionSelfEval]) -> pd.DataFrame:
    """The scores as data for next year's allocation (column ids): selfeval_score (分), execution_rate
    (%), balance_share (%) per region. Stored as a dataset, read by next year's policy."""
    frame = pd.DataFrame({
        "code": [e.code for e in evals], "name": [e.name for e in evals],
        "selfeval_score": [e.score for e in evals],
        "execution_rate": [round(100 * e.execution_rate, SCORE_DECIMALS) for e in evals],
    })
    if all(e.balance_share is not None for e in evals):
        frame["balance_share"] = [e.balance_share for e in evals]
    return frame


def summary_frame(evals: list[RegionSelfEval]) -> pd.DataFrame:
    """One line per region for display: 地区, 预算执行得分, 绩效指标得分, 自评得分, 预算执行率, 未达标指标."""
    return pd.DataFrame({
        "地区代码": [e.code for e in evals], "地区名称": [e.name for e in evals],
        "预算执行得分": [e.budget_score for e in evals],
        "绩效指标得分": [round(e.score - e.budget_score, SCORE_DECIMALS) for e in evals],
        "自评得分": [e.score for e in evals],
        "预算执行率": [f"{e.execution_rate:.2%}" for e in evals],
        "未达到指标值的指标": ["、".join(e.indicators.loc[e.indicators["偏差原因"] != "", "三级指标"]) for e in evals],
    })
