"""County matching (配套) burden: the local money a matching rule asks of each county, against its own revenue.

Seeds/001: 盐边县 spent 962.03 万元 in 2021, of which its own 393.73 万元 — 69.3 % of the 568.24 万元 it
received from the centre and the province — and calls it a heavy burden (增加了县级财政投入压力). A
matching rule asks a share of the money received from above: the same share everywhere, or a share per
fiscal class (classes by 财政自给率 = 一般公共预算收入 ÷ 一般公共预算支出, poorer counties asked less). A
county is flagged when the matching money asked exceeds a threshold share of its own revenue.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator.errors import InputError, Problem

MONEY_DECIMALS = 2  # 万元 to the cent of a 万元, as county tables show it (盐边县 2021 绩效评价报告: 393.73)


@dataclass(frozen=True)
class MatchingRule:
    """Required local matching as a share of the money received from above (share of 1).

    `share`: the same for every county; or, with `class_edges` (财政自给率 edges, ascending, share of 1)
    and `class_shares` (one more than the edges), a share per fiscal class: a county whose 财政自给率 is
    ≤ edges[0] is class 1, and so on. `threshold`: flag a county whose matching money exceeds this share
    of its own 一般公共预算收入. All values are scenarios unless a document says otherwise (`source`).
    """

    share: float = 0.2
    class_edges: tuple[float, ...] = ()
    class_shares: tuple[float, ...] = ()
    threshold: float = 0.01
    source: str = "scenario"

    def problems(self) -> list[Problem]:
        out = []
        if any(not 0 <= e <= 10 for e in self.class_edges):  # nan fails every comparison, so it is caught here
            out.append(Problem(f"财力分档界限 {', '.join(f'{e:.0%}' for e in self.class_edges)}：财政自给率界限应为 0% 到 "
                               "1000% 之间的数", key="class_edges", value=list(self.class_edges)))
        if self.class_edges or self.class_shares:
            if list(self.class_edges) != sorted(self.class_edges) or len(self.class_shares) != len(self.class_edges) + 1:
                out.append(Problem(f"财力分档：分档界限须升序，配套比例须比界限多一个（现为 {len(self.class_edges)} 个界限、"
                                   f"{len(self.class_shares)} 个比例）", key="class_shares"))
        shares = self.class_shares or (self.share,)
        if any(not 0 <= s <= 10 for s in shares):
            out.append(Problem(f"配套比例 {', '.join(f'{s:.0%}' for s in shares)}：应在 0% 到 1000% 之间", key="share"))
        if not 0 < self.threshold <= 10:
            out.append(Problem(f"警戒线 {self.threshold:.2%}：应大于 0", key="threshold"))
        return out


def self_sufficiency(revenue: np.ndarray, expenditure: np.ndarray) -> np.ndarray:
    """财政自给率 = 一般公共预算收入 ÷ 一般公共预算支出 (share of 1); no expenditure → NaN."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(expenditure > 0, revenue / expenditure, np.nan)


def required_share(rule: MatchingRule, sufficiency: np.ndarray) -> np.ndarray:
    """The matching share asked of each county (share of 1): uniform, or by its fiscal class."""
    if not rule.class_shares:
        return np.full(len(sufficiency), rule.share)
    index = np.searchsorted(np.asarray(rule.class_edges, dtype=float), sufficiency, side="left")
    return np.asarray(rule.class_shares, dtype=float)[index]


def matching_burden(codes, names, received: np.ndarray, revenue: np.ndarray, expenditure: np.ndarray,
                    rule: MatchingRule, actual: np.ndarray | None = None) -> pd.DataFrame:
    """Per county: money received from above, matching share asked, matching money asked (万元), its
    ratio to own revenue, the flag, and — when the county's actual 本级投入 is known — the actual
    matching ratio (69.3 % in 盐边县医疗保障局、盐边县财政局《关于开展2021年医疗救助补助资金绩效评价的报告》(2022-02-21)). Chinese headers, for display."""
    if rule.problems():
        raise InputError(rule.problems())
    sufficiency = self_sufficiency(revenue, expenditure)
    share = required_share(rule, sufficiency)
    asked = np.round(received * share, MONEY_DECIMALS)
    with np.errstate(divide="ignore", invalid="ignore"):
        burden = np.where(revenue > 0, asked / revenue, np.inf)
    frame = pd.DataFrame({
        "地区代码": list(codes), "地区名称": list(names), "上级补助(万元)": np.round(received, MONEY_DECIMALS),
        "财政自给率": np.round(sufficiency, 4), "配套比例": share, "应配套资金(万元)": asked,
        "一般公共预算收入(万元)": revenue, "配套占本级收入比重": np.round(burden, 6),
        "超过警戒线": np.where(burden > rule.threshold, "是", ""),
    })
    if actual is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            frame["本级实际投入(万元)"] = actual
            frame["实际配套比例(本级投入÷上级补助)"] = np.round(np.where(received > 0, actual / received, np.nan), 4)
    return frame


def flagged(frame: pd.DataFrame) -> pd.DataFrame:
    """The counties above the threshold, heaviest burden first."""
    return frame[frame["超过警戒线"] == "是"].sort_values("配套占本级收入比重", ascending=False)
