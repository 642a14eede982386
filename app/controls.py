"""The design page's controls: which widget edits which policy number (an override path, with the unit
and range its schema declares), and how widget values become a scenario's overrides — dotted paths
only, never a policy-file fragment written here — and back, when a saved scenario is loaded. Every
correction of the policy has its own controls. UI wiring only: the policy is checked and run by
`allocator.usecases`."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from allocator import usecases as u
from allocator.policy.model import CorrectionApply, CorrectionMethod
from allocator.policy.paths import override_path

REGION_COLUMNS = ["地区代码", "保底额(万元)", "封顶额(万元)", "理由"]
OFF = 0.0  # a floor, cap or minimum control at 0 sets none
OFF_ELASTICITY_SHOWN = 0.5  # the elasticity offered when a correction that was off is turned on
CONSTRAINTS = (("floor_pct", "floor_share_of_base", "保底比例"), ("cap_pct", "cap_share_of_base", "封顶比例"),
               ("floor_min", "floor_minimum", "保底最低额"))


@dataclass(frozen=True)
class Control:
    key: str  # widget key, also the URL parameter
    path: str  # dotted policy path
    label: str
    default: Any
    section: str  # weights | subweights | hardship | constraints | pools | solver
    unit: str = ""  # the unit the value is written in (%, ratio, 万元 …; "" for a text)
    lower: float | None = None  # the range the schema declares, in `unit`
    upper: float | None = None
    correction: str = ""  # the correction a hardship control belongs to

    @property
    def shown_unit(self) -> str:
        """The unit as a label shows it (a ratio has none)."""
        return "" if self.unit in ("", "ratio", "share") else self.unit


def _number(policy, key: str, path: str, label: str, section: str, fallback: float | None = None,
            correction: str = "") -> Control:
    """A control for one number of the policy: default = the value the policy writes, else `fallback`,
    else the model's default; unit and range from the schema (`allocator.policy.paths.OverridePath`)."""
    p = override_path(policy, path)
    default = p.base if p.written else (fallback if fallback is not None else p.neutral)
    q = p.quantity
    lower = None if q is None or q.lower is None else q.lower / p.scale
    upper = None if q is None or q.upper is None else q.upper / p.scale
    return Control(key, path, label, float(default), section, p.unit, lower, upper, correction)


def correction_keys(cid: str) -> dict[str, str]:
    """The widget keys of one correction's controls."""
    return {name: f"c_{cid}_{name}" for name in ("on", "el", "lo", "hi", "apply", "factors")}


def controls(policy) -> list[Control]:
    """Every simple control for a base policy, with the base value as its default."""
    out: list[Control] = []
    for f in policy.factors:
        out.append(_number(policy, f"w_{f.id}", f"factors.{f.id}.weight", f.label, "weights"))
        if len(f.components) > 1:
            for c in f.components:
                path = f"factors.{f.id}.components.{c.column}.weight"
                out.append(_number(policy, f"sw_{f.id}_{c.column}", path, _component_label(policy, f, c.column),
                                   "subweights"))
    for corr in policy.corrections:
        p, keys = f"corrections.{corr.id}", correction_keys(corr.id)
        if corr.method == CorrectionMethod.CAPACITY_RATIO:
            out.append(_number(policy, keys["el"], f"{p}.elasticity", "弹性", "hardship", correction=corr.id))
        out += [_number(policy, keys["lo"], f"{p}.lower", "系数下限", "hardship", 0.0, corr.id),
                _number(policy, keys["hi"], f"{p}.upper", "系数上限", "hardship", 9.0, corr.id),
                Control(keys["apply"], f"{p}.apply", "作用方式", str(corr.apply), "hardship", correction=corr.id)]
    for key, name, label in CONSTRAINTS:
        out.append(_number(policy, key, f"constraints.{name}", label, "constraints", OFF))
    out.append(Control("objective", "constraints.objective", "目标函数", str(policy.constraints.objective), "solver"))
    for pool in policy.pools:
        out.append(_number(policy, f"pool_{pool.id}", f"pools.{pool.id}.total", pool.label, "pools"))
    out.append(_number(policy, "unit", "rounding.unit", "取整单位(万元)", "solver"))
    return out


def _component_label(policy, factor, column: str) -> str:
    """自身努力程度·财政努力程度 when the file names the component, else the column's label."""
    named = policy.value_at(f"factors.{factor.id}.components.{column}.label")
    path = f"factors.{factor.id}.components.{column}.weight"
    return f"{factor.label}·{named}" if named else u.describe_path(policy, path).replace("·子权重", "")


def by_shares(factor) -> bool:
    """Whether a factor's sub-weights are shares of a whole (divided by their sum when it is not 100 %):
    combine = shares, or the intensity transform's effort index (Σ sub-weight × component ÷ Σ sub-weights)."""
    return len(factor.components) > 1 and (str(factor.combine) == "shares" or str(factor.transform) == "intensity")


def constraint_defaults(policy) -> dict[str, Any]:
    """Floor (% of base, 0 = none), cap (% of base, 0 = none), minimum (万元, 0 = none), objective."""
    return {c.key: c.default for c in controls(policy) if c.section in ("constraints", "solver") and c.key != "unit"}


def region_frame(policy) -> pd.DataFrame:
    """The policy's per-region floors and caps as an editable table."""
    rows = [{"地区代码": o.region, "保底额(万元)": o.floor, "封顶额(万元)": o.cap, "理由": o.reason}
            for o in policy.constraints.overrides]
    return pd.DataFrame(rows, columns=REGION_COLUMNS).astype({"地区代码": str, "保底额(万元)": float,
                                                              "封顶额(万元)": float, "理由": str})


def _clean_regions(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for _, r in frame.iterrows():
        code = str(r.get("地区代码") or "").strip().split(" ")[0]
        if not code or code == "nan":
            continue
        floor, cap = r.get("保底额(万元)"), r.get("封顶额(万元)")
        out.append({"code": code, "floor": None if floor is None or pd.isna(floor) else float(floor),
                    "cap": None if cap is None or pd.isna(cap) else float(cap),
                    "reason": "" if pd.isna(r.get("理由")) else str(r.get("理由") or "")})
    return out


def _region_overrides(policy, regions: pd.DataFrame) -> dict[str, Any]:
    """The per-region floors, caps and reasons that differ from the base's, as override paths (a row
    removed from the table removes the region's override)."""
    base = {r["code"]: r for r in _clean_regions(region_frame(policy))}
    table = {r["code"]: r for r in _clean_regions(regions)}
    out: dict[str, Any] = {f"constraints.overrides.{code}": None for code in base if code not in table}
    for code, row in table.items():
        old = base.get(code, {"floor": None, "cap": None, "reason": ""})
        for key in ("floor", "cap"):
            path = f"constraints.overrides.{code}.{key}"
            if row[key] is None and old[key] is not None:
                out[path] = None
            elif row[key] is not None and not _same(row[key], old[key]):
                out[path] = override_path(policy, path).override(row[key])
        if row["reason"] != old["reason"]:
            out[f"constraints.overrides.{code}.reason"] = row["reason"]
    return out


def _factor_ids(policy, corr) -> list[str]:
    return list(corr.factors) if corr.factors is not None else [f.id for f in policy.factors]


def _correction_overrides(policy, corr, values: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """One correction's controls as override paths. Off = elasticity 0 for a capacity ratio (every
    coefficient 1), else lower = upper = 1 (every coefficient clipped to 1); on the result the
    correction names no factors."""
    keys, p = correction_keys(corr.id), f"corrections.{corr.id}"
    effective = {k: values.get(k, d) for k, d in defaults.items() if k.startswith(f"c_{corr.id}_")}
    if not values.get(keys["on"], _is_on(corr)):
        if keys["el"] in defaults:
            effective[keys["el"]] = 0.0
        else:
            effective[keys["lo"]] = effective[keys["hi"]] = 1.0
    out: dict[str, Any] = {}
    for name, attr in (("el", "elasticity"), ("lo", "lower"), ("hi", "upper")):
        key = keys[name]
        if key in defaults and not _same(effective[key], defaults[key]):
            out[f"{p}.{attr}"] = override_path(policy, f"{p}.{attr}").override(float(effective[key]))
    apply = effective[keys["apply"]]
    if apply != defaults[keys["apply"]]:
        out[f"{p}.apply"] = apply
    chosen = list(values.get(keys["factors"]) or _factor_ids(policy, corr))
    if apply == CorrectionApply.RESULT:
        if corr.factors is not None:
            out[f"{p}.factors"] = None
    elif sorted(chosen) != sorted(_factor_ids(policy, corr)):
        out[f"{p}.factors"] = chosen
    return out


def _is_on(corr) -> bool:
    """A correction changes something: not elasticity 0 on a capacity ratio, not clipped to 1."""
    if corr.lower == 1.0 and corr.upper == 1.0:
        return False
    return corr.elasticity != 0 or corr.method != CorrectionMethod.CAPACITY_RATIO


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
        return abs(float(a) - float(b)) < 1e-9 or (math.isnan(float(a)) and math.isnan(float(b)))
    return a == b


def overrides_from(policy, values: dict[str, Any], regions: pd.DataFrame) -> dict[str, Any]:
    """The scenario's overrides (dotted paths): only what differs from the base policy."""
    out: dict[str, Any] = {}
    cs = controls(policy)
    defaults = {c.key: c.default for c in cs}
    for c in cs:
        if c.section == "hardship":
            continue
        value = values.get(c.key, c.default)
        if _same(value, c.default):
            continue
        if c.section == "constraints" and not value:  # 0 = none: remove what the base writes
            out[c.path] = None
        elif c.unit:
            out[c.path] = override_path(policy, c.path).override(float(value))
        else:
            out[c.path] = value
    for corr in policy.corrections:
        out.update(_correction_overrides(policy, corr, values, defaults))
    out.update(_region_overrides(policy, regions))
    return out


def values_from(policy) -> tuple[dict[str, Any], pd.DataFrame]:
    """Widget values that show a (scenario) policy — every control's value, each correction on or off
    and the factors it acts on — and its per-region floors and caps."""
    values: dict[str, Any] = {c.key: c.default for c in controls(policy)}
    for corr in policy.corrections:
        keys = correction_keys(corr.id)
        values[keys["on"]] = _is_on(corr)
        values[keys["factors"]] = _factor_ids(policy, corr)
        if not values[keys["on"]] and keys["el"] in values:
            values[keys["el"]] = OFF_ELASTICITY_SHOWN
    return values, region_frame(policy)
