"""The app's comparison of scenarios: per-region deltas, headline metrics side by side and each alternative's
parameter changes against the baseline.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from allocator.analysis import metrics as _metrics
from allocator.usecases.design import DesignView
from allocator.usecases.references import Inputs
from allocator.usecases.scenarios import reform_summary


@dataclass(frozen=True)
class Compared:
    label: str
    inputs: Inputs
    view: DesignView


@dataclass(frozen=True)
class ComparisonView:
    deltas: pd.DataFrame  # per region and alternative: baseline, alternative, delta (万元, %)
    metrics: pd.DataFrame  # headline metrics, one column per scenario
    changes: dict[str, pd.DataFrame]  # alternative label → reform summary against the baseline
    maps: pd.DataFrame  # per region and scenario: change against the baseline (for maps side by side)


def headline_rows(head: _metrics.Headline) -> dict[str, float]:
    """The headline metrics with Chinese names, in display order."""
    return {
        "资金合计(万元)": head.total, "保底生效地区数": head.n_floor, "封顶生效地区数": head.n_cap,
        "比上年减少超过5%的地区数": head.n_losing, "增加的地区数": head.winners.winners,
        "减少的地区数": head.winners.losers, "深度贫困县分得(万元)": head.deep_poverty_amount,
        "深度贫困县占比(%)": head.deep_poverty_share * 100, "人均(元/人)": head.per_capita,
        "每困难群众(元/人)": head.per_need, "每困难群众补助的基尼系数": head.gini_per_need,
        "每困难群众补助的泰尔指数": head.theil_per_need, "人均补助的基尼系数": head.gini_per_capita,
    }


def compare(baseline: Compared, alternatives: list[Compared]) -> ComparisonView:
    """Per-region deltas, headline metrics side by side and the parameter changes of each alternative."""
    base = baseline.view.regions
    deltas, maps = [], [base.assign(scenario=baseline.label, delta=0.0)]
    for alt in alternatives:
        other = alt.view.regions.set_index("code").reindex(base["code"])
        delta, share = _metrics.change(other["total"].to_numpy(), base["total"].to_numpy())
        deltas.append(pd.DataFrame({
            "scenario": alt.label, "code": base["code"], "name": base["name"], "prefecture": base["prefecture"],
            "baseline": base["total"], "alternative": other["total"].to_numpy(), "delta": delta,
            "delta_pct": share * 100}))
        maps.append(alt.view.regions.assign(scenario=alt.label, delta=delta))
    columns = ["scenario", "code", "name", "prefecture", "baseline", "alternative", "delta", "delta_pct"]
    metrics_frame = pd.DataFrame({c.label: headline_rows(c.view.headline) for c in [baseline, *alternatives]})
    metrics_frame.index.name = "指标"
    changes = {alt.label: reform_summary(baseline.inputs.policy, alt.inputs.policy) for alt in alternatives}
    return ComparisonView(pd.concat(deltas, ignore_index=True) if deltas else pd.DataFrame(columns=columns),
                          metrics_frame.reset_index(), changes, pd.concat(maps, ignore_index=True))


def comparable(a: Inputs, b: Inputs) -> bool:
    """Two scenarios can be compared region by region when their data hold the same regions."""
    return sorted(map(str, a.data.codes)) == sorted(map(str, b.data.codes))
