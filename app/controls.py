"""The design page's controls: which widget edits which policy path, and how widget values become a
scenario's overrides (and back, when a saved scenario is loaded). UI wiring only: the policy is checked
and run by `allocator.usecases`."""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pandas as pd

from allocator import usecases as u

REGION_COLUMNS = ["地区代码", "保底额(万元)", "封顶额(万元)", "理由"]


@dataclass(frozen=True)
class Control:
    key: str  # widget key, also the URL parameter
    path: str  # dotted policy path
    label: str
    default: Any
    section: str  # weights | subweights | hardship | constraints | pools | solver
    unit: str = ""
    percent_of_one: bool = False  # the file holds a share (value in %), shown in %


def controls(policy) -> list[Control]:
    """Every simple control for a base policy, with the base value as its default."""
    out: list[Control] = []
    for f in policy.factors:
        out.append(Control(f"w_{f.id}", f"factors.{f.id}.weight", f"{f.label}", u.raw_value(policy, f"factors.{f.id}.weight"),
                           "weights", "%"))
        if len(f.components) > 1:
            for c in f.components:
                path = f"factors.{f.id}.components.{c.column}.weight"
                out.append(Control(f"sw_{f.id}_{c.column}", path, _component_label(policy, f, c.column),
                                   u.raw_value(policy, path, 100), "subweights", "%"))
    for c in policy.corrections[:1]:
        p = f"corrections.{c.id}"
        out += [Control("hc_el", f"{p}.elasticity", "弹性", float(u.raw_value(policy, f"{p}.elasticity", 1.0)), "hardship"),
                Control("hc_lo", f"{p}.lower", "系数下限", float(u.raw_value(policy, f"{p}.lower", 0.0) or 0.0), "hardship"),
                Control("hc_hi", f"{p}.upper", "系数上限", float(u.raw_value(policy, f"{p}.upper", 9.0) or 9.0), "hardship"),
                Control("hc_apply", f"{p}.apply", "作用方式", str(c.apply), "hardship")]
    for pool in policy.pools:
        out.append(Control(f"pool_{pool.id}", f"pools.{pool.id}.total", pool.label,
                           float(u.raw_value(policy, f"pools.{pool.id}.total")), "pools", "万元"))
    out.append(Control("unit", "rounding.unit", "取整单位(万元)", float(u.raw_value(policy, "rounding.unit", 1)), "solver"))
    return out


def _component_label(policy, factor, column: str) -> str:
    """自身努力程度·财政努力程度 when the file names the component, else the column's label."""
    named = u.raw_value(policy, f"factors.{factor.id}.components.{column}.label")
    path = f"factors.{factor.id}.components.{column}.weight"
    return f"{factor.label}·{named}" if named else u.describe_path(policy, path).replace("·子权重", "")


def by_shares(factor) -> bool:
    """Whether a factor's sub-weights are shares of a whole (divided by their sum when it is not 100 %):
    combine = shares, or the intensity transform's effort index (Σ sub-weight × component ÷ Σ sub-weights)."""
    return len(factor.components) > 1 and (str(factor.combine) == "shares" or str(factor.transform) == "intensity")


def constraint_defaults(policy) -> dict[str, Any]:
    """Floor (% of base, 0 = none), cap (% of base, 0 = none), minimum (万元, 0 = none), objective."""
    return {"floor_pct": float(u.raw_value(policy, "constraints.floor_share_of_base", 0) or 0),
            "cap_pct": float(u.raw_value(policy, "constraints.cap_share_of_base", 0) or 0),
            "floor_min": float(u.raw_value(policy, "constraints.floor_minimum", 0) or 0),
            "objective": str(policy.constraints.objective)}


def region_frame(policy) -> pd.DataFrame:
    """The policy's per-region floors and caps as an editable table."""
    rows = [{"地区代码": o.region, "保底额(万元)": o.floor, "封顶额(万元)": o.cap, "理由": o.reason}
            for o in policy.constraints.overrides]
    return pd.DataFrame(rows, columns=REGION_COLUMNS).astype({"地区代码": str, "保底额(万元)": float,
                                                              "封顶额(万元)": float, "理由": str})


def _quantity(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit}


def _clean_regions(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for _, r in frame.iterrows():
        code = str(r.get("地区代码") or "").strip().split(" ")[0]
        if not code or code == "nan":
            continue
        out.append({"code": code, "floor": r.get("保底额(万元)"), "cap": r.get("封顶额(万元)"),
                    "reason": "" if pd.isna(r.get("理由")) else str(r.get("理由") or "")})
    return out


def constraints_table(policy, values: dict[str, Any], regions: pd.DataFrame) -> dict[str, Any]:
    """The whole [constraints] table from the controls (keys the user turned off are removed)."""
    table = copy.deepcopy(policy.raw.get("constraints", {"source": "scenario"}))
    table["objective"] = values["objective"]
    for key, path, unit in (("floor_pct", "floor_share_of_base", "%"), ("cap_pct", "cap_share_of_base", "%"),
                            ("floor_min", "floor_minimum", "万元")):
        if values[key] and values[key] > 0:
            old = table.get(path) if isinstance(table.get(path), dict) else {}
            table[path] = {**old, **_quantity(values[key], unit), "source": "scenario"}
        else:
            table.pop(path, None)
    overrides = {}
    for r in _clean_regions(regions):
        entry: dict[str, Any] = {"source": "scenario"}
        if r["floor"] is not None and not pd.isna(r["floor"]):
            entry["floor"] = _quantity(float(r["floor"]), "万元")
        if r["cap"] is not None and not pd.isna(r["cap"]):
            entry["cap"] = _quantity(float(r["cap"]), "万元")
        if r["reason"]:
            entry["reason"] = r["reason"]
        overrides[r["code"]] = entry
    if overrides:
        table["overrides"] = overrides
    else:
        table.pop("overrides", None)
    return table


def correction_table(policy, values: dict[str, Any], on: bool, factors: list[str] | None) -> dict[str, Any] | None:
    """The first correction's whole table from its controls, or None when nothing differs from the base.
    Off = elasticity 0 (every coefficient 1); on the result the correction names no factors."""
    corr = policy.corrections[0]
    defaults = {c.key: c.default for c in controls(policy) if c.section == "hardship"}
    base_factors = list(corr.factors) if corr.factors is not None else [f.id for f in policy.factors]
    chosen = base_factors if factors is None else list(factors)
    elasticity = values.get("hc_el", defaults["hc_el"]) if on else 0.0
    unchanged = (_same(elasticity, defaults["hc_el"]) and sorted(chosen) == sorted(base_factors)
                 and all(_same(values.get(k, d), d) for k, d in defaults.items() if k != "hc_el"))
    if unchanged:
        return None
    table = copy.deepcopy(policy.raw["corrections"][corr.id])
    for key, field in (("hc_lo", "lower"), ("hc_hi", "upper")):
        old = table.get(field) if isinstance(table.get(field), dict) else {}
        table[field] = {**old, **_quantity(float(values.get(key, defaults[key])), "ratio"), "source": "scenario"}
    old = table.get("elasticity") if isinstance(table.get("elasticity"), dict) else {}
    table["elasticity"] = {**old, **_quantity(float(elasticity), "ratio"), "source": "scenario"}
    table["apply"] = values.get("hc_apply", defaults["hc_apply"])
    if table["apply"] == "inside":
        table["factors"] = chosen
    else:
        table.pop("factors", None)
    return table


def share_sums(policy, values: dict[str, Any]) -> dict[str, float]:
    """Per factor whose sub-weights are shares (e.g. 自身努力程度's effort index): the sum of its
    sub-weights in %, when not 100."""
    out = {}
    for f in policy.factors:
        if by_shares(f):
            total = sum(float(values.get(f"sw_{f.id}_{c.column}", 0)) for c in f.components)
            if abs(total - 100) > 1e-9:
                out[f.label] = total
    return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(float(a) - float(b)) < 1e-9
    return a == b


def overrides_from(policy, values: dict[str, Any], hardship_on: bool, hardship_factors: list[str] | None,
                   regions: pd.DataFrame) -> dict[str, Any]:
    """The scenario's overrides: only what differs from the base policy."""
    out: dict[str, Any] = {}
    for c in controls(policy):
        if c.section == "hardship":
            continue
        value = values.get(c.key, c.default)
        if _same(value, c.default):
            continue
        missing = u.raw_value(policy, c.path) is None
        out[c.path] = _quantity(value, c.unit or "ratio") if missing and c.unit else value
    if policy.corrections:
        table = correction_table(policy, values, hardship_on, hardship_factors)
        if table is not None:
            out[f"corrections.{policy.corrections[0].id}"] = table
    defaults = constraint_defaults(policy)
    base_regions = _clean_regions(region_frame(policy))
    if any(not _same(values.get(k, v), v) for k, v in defaults.items()) or _clean_regions(regions) != base_regions:
        out["constraints"] = constraints_table(policy, {**defaults, **{k: values[k] for k in defaults if k in values}},
                                               regions)
    return out


def values_from(policy) -> tuple[dict[str, Any], bool, list[str], pd.DataFrame]:
    """Widget values that show a (scenario) policy: control values, hardship on/off and factors, regions."""
    values: dict[str, Any] = {c.key: c.default for c in controls(policy)}
    values.update(constraint_defaults(policy))
    on, factors = False, []
    if policy.corrections:
        c = policy.corrections[0]
        on = c.elasticity != 0 or c.method != "capacity_ratio"
        factors = list(c.factors) if c.factors is not None else [f.id for f in policy.factors]
        if not on:
            values["hc_el"] = 0.5
    return values, on, factors, region_frame(policy)
