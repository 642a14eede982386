"""Scenarios as a base policy plus dotted-path overrides, saved scenarios, and the reform summary (which
numbers a scenario changes, in words, from what to what, with their sources).
"""
from __future__ import annotations

import json as _json
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.columns import column_label as _column_label
from allocator.dataset.reference import load_regions
from allocator.policy import Policy, apply_overrides, diff
from allocator.scenarios.store import SavedScenario, ScenarioStore
from allocator.usecases.data_entry import list_datasets
from allocator.usecases.references import DataRef, Inputs, PolicyRef, builtin_datasets, load_inputs, resolve_policy
from allocator.usecases.runs import run


def data_choices(store: str | Path | None = None) -> dict[str, str]:
    """Data the app can run on: packaged datasets, then every stored version (db:name@version) → label."""
    out = dict(builtin_datasets())
    for v in list_datasets(store=store):
        out[f"db:{v.name}@{v.version}"] = f"{v.name} 第 {v.version} 版（{v.file_name}，{v.imported_at[:10]}）"
    return out


def scenario_policy(base: PolicyRef, overrides: dict[str, Any] | None = None) -> Policy:
    """The base policy with the scenario's overrides applied (checked whole; the base is not changed)."""
    policy = resolve_policy(base)
    return apply_overrides(policy, overrides) if overrides else policy


def scenario_inputs(base: PolicyRef, data: DataRef | None = None, overrides: dict[str, Any] | None = None,
                    store: str | Path | None = None) -> Inputs:
    """Policy (base + overrides) and data, validated together, ready to run."""
    return load_inputs(scenario_policy(base, overrides), data, store=store)


def changed_overrides(base: Policy, values: dict[str, Any]) -> dict[str, Any]:
    """The dotted-path values that differ from the base policy (a scenario's diff); a value may be a
    number (replacing a quantity's value, unit kept), a text or a table."""
    out: dict[str, Any] = {}
    for path, value in values.items():
        current = base.value_at(path) if not isinstance(value, dict) else _table_at(base, path)
        if isinstance(value, float) and isinstance(current, (int, float)) and not isinstance(current, bool):
            if abs(float(current) - value) < 1e-12:
                continue
        elif current == value:
            continue
        out[path] = value
    return out


def _table_at(policy: Policy, path: str) -> Any:
    """The whole entry at a path as written (a quantity with its unit, a table), to compare a table with."""
    value = policy.value_at(path)
    unit = policy.unit_at(path)
    return {"value": value, "unit": unit} if unit is not None else value


def raw_value(policy: Policy, path: str, default: Any = None) -> Any:
    """The value written at a dotted path of the policy (a quantity's number), or `default`."""
    return policy.value_at(path, default)


def scenario_json(overrides: dict[str, Any]) -> str:
    """Overrides as readable JSON (for showing or copying a scenario's diff)."""
    return _json.dumps(overrides, ensure_ascii=False, indent=2, sort_keys=True)


def save_scenario(name: str, base: str, data: str, overrides: dict[str, Any], note: str = "", author: str = "",
                  overwrite: bool = False, store: str | Path | None = None,
                  scenarios: str | Path | None = None) -> SavedScenario:
    """Check that the scenario runs, then store it with its run's fingerprint. A taken name raises
    ScenarioExists unless `overwrite` (the app asks first)."""
    result = run(scenario_inputs(base, data, overrides, store))
    return ScenarioStore(scenarios).save(name, base, data, overrides, note, author, result.fingerprint, overwrite)


def list_scenarios(scenarios: str | Path | None = None) -> list[SavedScenario]:
    return ScenarioStore(scenarios).list()


def load_scenario(ref: int | str, scenarios: str | Path | None = None) -> SavedScenario:
    return ScenarioStore(scenarios).load(ref)


def rename_scenario(ref: int | str, new_name: str, scenarios: str | Path | None = None) -> SavedScenario:
    return ScenarioStore(scenarios).rename(ref, new_name)


def duplicate_scenario(ref: int | str, new_name: str, scenarios: str | Path | None = None) -> SavedScenario:
    return ScenarioStore(scenarios).duplicate(ref, new_name)


def delete_scenario(ref: int | str, scenarios: str | Path | None = None) -> None:
    ScenarioStore(scenarios).delete(ref)


def scenario_exists(name: str, scenarios: str | Path | None = None) -> bool:
    return ScenarioStore(scenarios).exists(name)


PATH_LABELS = {
    "weight": "权重", "total": "资金总额", "advance_total": "提前下达数", "elasticity": "弹性", "lower": "系数下限",
    "upper": "系数上限", "apply": "作用方式", "factors": "作用于", "floor_share_of_base": "保底（上年分配额的比例）",
    "cap_share_of_base": "封顶（上年分配额的比例）", "floor_minimum": "保底最低额", "objective": "目标函数",
    "unit": "取整单位", "floor": "保底额", "cap": "封顶额", "dataset": "数据", "year": "年度",
    "received": "资金到达日期", "settlement": "清算", "advance_excess": "提前下达超过全年数时", "pass_on_days": "转下达期限",
}


def describe_path(policy: Policy, path: str) -> str:
    """A dotted policy path in words, e.g. factors.need.weight → 困难群众人数·权重."""
    parts = path.split(".")
    names = {f.id: f.label for f in policy.factors} | {p.id: p.label for p in policy.pools} \
        | {c.id: c.label for c in policy.corrections}
    words: list[str] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        if part in ("factors", "pools", "corrections") and i + 1 < len(parts) and i == 0:
            words.append(names.get(parts[i + 1], parts[i + 1]))
            i += 2
            continue
        if part == "components" and i + 1 < len(parts):
            words.append(_column_label(parts[i + 1]))
            words.append("子权重" if parts[-1] == "weight" else "")
            i = len(parts)
            continue
        if part == "overrides" and i + 1 < len(parts):
            region = parts[i + 1]
            words.append(f"{_region_name(region)}（{region}）")
            i += 2
            continue
        if part in ("constraints", "rounding", "policy") and i == 0:
            i += 1
            continue
        words.append(PATH_LABELS.get(part, part))
        i += 1
    return "·".join(w for w in words if w)


def _region_name(code: str) -> str:
    regions = load_regions()
    found = regions.loc[regions["code"] == code, "name"]
    return str(found.iloc[0]) if len(found) else code


def reform_summary(old: Policy, new: Policy) -> pd.DataFrame:
    """Which numbers changed, from what to what, with their sources (参数, 原值, 新值, 依据)."""
    sources = {p.path: p.source for p in new.parameters}
    old_sources = {p.path: p.source for p in old.parameters}
    rows = []
    for path, before, after in diff(old, new):
        if path.split(".")[-1] in ("source", "description", "id", "title", "base"):
            continue
        rows.append({"参数": describe_path(new, path), "路径": path, "原值": _shown(before), "新值": _shown(after),
                     "依据": sources.get(path) or old_sources.get(path) or "scenario"})
    return pd.DataFrame(rows, columns=["参数", "路径", "原值", "新值", "依据"])


def _shown(v: Any) -> str:
    if v is None:
        return "（无）"
    if isinstance(v, list):
        return "、".join(str(x) for x in v)
    if isinstance(v, dict) and set(v) <= {"column", "weight", "label"}:
        return "计入" + ("" if "weight" not in v else f"（{_shown(v['weight'])}）")
    if isinstance(v, dict):
        return "；".join(f"{k}={_shown(x)}" for k, x in v.items() if k != "source")
    return str(v)
