"""Prefecture rows from county rows: a table of county figures added up (or averaged) per 市州."""
from __future__ import annotations

import pandas as pd

from allocator.columns import BY_ID

WEIGHTED_KINDS = ("score", "percent", "coefficient")  # averaged, weighted by population; others add up


def aggregate(counties: pd.DataFrame, parent_of: dict[str, str], parent_names: dict[str, str],
              weight_column: str = "hukou_population") -> pd.DataFrame:
    """Prefecture rows from county rows: counts and money add up; scores, percentages and coefficients
    are averages weighted by `weight_column` (户籍人口); flags (0/1) become 1 if any county has them."""
    frame = counties.copy()
    frame["code"] = frame["code"].astype(str)
    frame["_parent"] = frame["code"].map(parent_of)
    numeric = [c for c in frame.columns if c not in ("code", "name", "_parent", "parent_code")
               and pd.api.types.is_numeric_dtype(frame[c])]
    weights = frame[weight_column] if weight_column in frame.columns else pd.Series(1.0, index=frame.index)
    rows = []
    for parent, group in frame.groupby("_parent", sort=True):
        parent = str(parent)
        row: dict[str, object] = {"code": parent, "name": parent_names.get(parent, parent)}
        w = weights.loc[group.index]
        for col in numeric:
            kind = BY_ID[col].kind if col in BY_ID else None
            if kind in WEIGHTED_KINDS and w.sum() > 0:
                row[col] = float((group[col] * w).sum() / w.sum())
            elif kind in ("flag", "class") or (kind is None and _is_flag(frame[col])):
                row[col] = float(group[col].max())
            else:
                row[col] = float(group[col].sum())
        rows.append(row)
    return pd.DataFrame(rows)


def _is_flag(series: pd.Series) -> bool:
    values = series.dropna().unique()
    return len(values) <= 2 and set(values) <= {0, 1}
