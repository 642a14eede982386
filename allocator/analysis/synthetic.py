"""Larger synthetic sets for benchmarks and tests: a dataset grown to n regions by resampling its own.

The national batch benchmark (2,850 counties, about China's count) and the wide-pair tests need
more regions than Sichuan's 183 with the same structure. `scaled_up` keeps the real regions and adds
n − len(data) made from randomly drawn ones, every figure times lognormal noise (σ = `noise`); flags
and classes (columns of kind flag/class in `allocator.columns`) are copied, not scaled, and no figure
exceeds its column's plausible maximum (`allocator.columns.plausible_max`). Pool totals
(and advance totals) grow with the sum of their base column, so floors and caps keep their meaning.
Seeded: the same arguments give the same set. Synthetic codes start at 700000 (no real region).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from allocator.columns import BY_ID, plausible_max
from allocator.engine import RegionData
from allocator.policy import Policy, apply_overrides

COPIED_KINDS = ("flag", "class")  # column kinds taken as they are from the region drawn


def scaled_up(policy: Policy, data: RegionData, n: int, seed: int = 0, noise: float = 0.3,
              overrides: dict | None = None) -> tuple[Policy, RegionData]:
    """`policy` (with `overrides` applied) and `data` grown to n regions; see the module docstring."""
    rng = np.random.default_rng(seed)
    extra = max(0, n - len(data))
    pick = rng.integers(0, len(data), extra)
    columns = {}
    for key, values in data.columns.items():
        drawn = values[pick]
        copied = key in BY_ID and BY_ID[key].kind in COPIED_KINDS
        grown_values = drawn if copied else drawn * rng.lognormal(0.0, noise, extra)
        high = plausible_max(key)  # a score stays a score (≤ 100 分) however the noise falls
        columns[key] = np.concatenate([values, grown_values if high is None else np.minimum(grown_values, high[0])])
    codes = np.concatenate([data.codes, np.array([f"{700000 + i:06d}" for i in range(extra)])])
    names = np.concatenate([data.names, np.array([f"合成县{i}" for i in range(extra)])])
    grown = RegionData.from_frame(pd.DataFrame({"code": codes, "name": names, **columns}))
    changes = dict(overrides or {})
    for p in policy.pools:
        ratio = columns[p.base_column].sum() / data.columns[p.base_column].sum() if p.base_column else 1.0
        changes.setdefault(f"pools.{p.id}.total", float(round(p.total * ratio)))
        if p.advance_total is not None:
            changes.setdefault(f"pools.{p.id}.advance_total", float(round(p.advance_total * ratio)))
    return apply_overrides(policy, changes), grown
