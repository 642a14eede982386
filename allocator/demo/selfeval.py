"""Demo 绩效自评 entries (示例数据) for the Sichuan counties: what counties would report at year end.

County self-evaluations are not published as a table; these figures are drawn with a fixed seed around
public anchors so the performance loop can be shown end to end: 全年预算数 = the year's allocation (中央 and
省级 pools) + 本级投入 (local_input) + a carried balance; 资助参保人数 targets = 低保 + 特困 + 建档立卡
(2019: 402 万 people had premiums paid); 住院救助人次 ≈ 0.43 per person assisted (173 万 / 402 万);
基金累计结余占比 = the dataset's balance_ratio. Labelled 示例数据 wherever shown.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from allocator.engine import AllocationResult
from allocator.policy.model import Level

SEED = 2019
# 2019 Sichuan: 173 万 inpatient cases, 402 万 premium subsidies (四川省医疗保障局《2019年度部门决算》附件2《四川省医疗救助补助专项资金绩效自评报告》(2020))
INPATIENT_PER_ASSISTED = 173 / 402


def demo_entries(result: AllocationResult, data: pd.DataFrame, seed: int = SEED) -> pd.DataFrame:
    """One row of self-evaluation entries per region of `result` (column ids, money in 万元 to 0.01)."""
    rng = np.random.default_rng(seed)
    figures = data.assign(code=data["code"].astype(str)).set_index("code").loc[list(result.codes)]
    n = len(result.codes)
    central_cols = [j for j, p in enumerate(result.policy.pools) if p.level == Level.CENTRAL]
    central = result.to_wan(result.amounts[:, central_cols].sum(axis=1))
    upper = result.to_wan(result.region_units) - central
    budget_local = np.round(upper + figures["local_input"].to_numpy(dtype=float), 2)
    budget_other = np.round((central + budget_local) * rng.uniform(0.0, 0.2, n), 2)
    assisted_target = figures[["dibao_urban", "dibao_rural", "tekun", "poverty_population"]].sum(axis=1).to_numpy()
    inpatient_target = np.round(assisted_target * INPATIENT_PER_ASSISTED)
    return pd.DataFrame({
        "code": list(result.codes), "name": list(result.names),
        "budget_central": np.round(central, 2), "budget_local": budget_local, "budget_other": budget_other,
        "spent_central": np.round(central * rng.uniform(0.8, 1.0, n), 2),
        "spent_local": np.round(budget_local * rng.uniform(0.85, 1.0, n), 2),
        "spent_other": np.round(budget_other * rng.uniform(0.3, 1.0, n), 2),
        "insured_assisted": np.round(assisted_target * rng.uniform(0.95, 1.04, n)),
        "insured_assisted_target": assisted_target.astype(float),
        "inpatient_cases": np.round(inpatient_target * rng.uniform(0.9, 1.1, n)),
        "inpatient_cases_target": inpatient_target,
        "key_inpatient_ratio": np.round(rng.uniform(64.0, 78.0, n), 2),
        "balance_share": figures["balance_ratio"].to_numpy(dtype=float),
        "pass_on_days": np.round(rng.uniform(12, 40, n)),
        "satisfaction": np.round(rng.uniform(80.0, 99.0, n), 1),
    })
