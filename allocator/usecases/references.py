"""Use-case inputs: a policy and region data named by reference (preset, file, dataset, stored version
or a table in memory), read, checked together and returned as objects; the shipped presets and datasets; what a
policy changes against another.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.dataset.importer import check_values, read_region_table
from allocator.dataset.reference import demo_note, is_packaged, load_packaged, packaged_datasets
from allocator.dataset.store import DatasetStore
from allocator.engine import RegionData, check_for_policy
from allocator.errors import DataError, InputError, Problem, raise_if
from allocator.policy import Policy, apply_overrides, diff, load_policy, preset_names
from allocator.policy.model import OBJECTIVE_LABELS, Objective, SolveMethod

METHODS = tuple(m.value for m in SolveMethod)  # the solver methods, as the Enum declares them
DEFAULT_PRESET = "sichuan-2020"  # the columns an import is checked for when no policy is named
LEVELS = ("county", "prefecture")

PolicyRef = str | Path | Policy
DataRef = str | Path | pd.DataFrame


@dataclass(frozen=True)
class DataSource:
    """A region table as read (before validation) and where it came from."""

    ref: str  # as given: dataset name, db:name@version, path, or "<table>"
    frame: pd.DataFrame
    note: str | None = None  # the 示例数据 label when the data are the embedded demo figures
    notes: tuple[str, ...] = ()  # what reading did (e.g. a 合计 row recognised and left out)


def parse_db_ref(text: str) -> tuple[str, int | None]:
    """`db:name` or `db:name@version` → (name, version or None)."""
    name, _, version = text.removeprefix("db:").partition("@")
    if version and (not version.isdigit() or len(version) > 9):
        raise InputError([Problem(f"数据「{text}」的版本号「{version}」应为正整数，写法为 db:名称@版本",
                                  key="data", value=text)])
    if not name:
        raise InputError([Problem(f"数据「{text}」缺少数据集名称，写法为 db:名称 或 db:名称@版本", key="data", value=text)])
    return name, int(version) if version else None


def read_data(ref: DataRef, store: str | Path | None = None) -> DataSource:
    """The region table a reference names, read as the importer reads files (title rows, Chinese
    headers, 合计 rows dropped). Values are checked later, by `load_inputs`."""
    if isinstance(ref, pd.DataFrame):
        return DataSource("<table>", ref.copy())
    text = str(ref)
    if text.startswith("db:"):
        name, version = parse_db_ref(text)
        try:
            return DataSource(text, DatasetStore(store).load(name, version))
        except KeyError as exc:
            raise InputError([Problem(str(exc.args[0]), key="data", value=text)]) from None
    if is_packaged(text) and not Path(text).exists():
        return DataSource(text, load_packaged(text), demo_note(text))
    frame, notes = read_region_table(text)
    return DataSource(text, frame, notes=tuple(notes))


def resolve_policy(ref: PolicyRef, objective: str | None = None) -> Policy:
    """A Policy from a preset name, a path or a Policy, with the objective replaced when one is given."""
    policy = ref if isinstance(ref, Policy) else load_policy(ref)
    return with_objective(policy, objective) if objective else policy


def with_objective(policy: Policy, objective: str) -> Policy:
    """The policy with another objective for its shared constraints (source: scenario; a policy without
    a [constraints] table gets one)."""
    if objective not in set(Objective):
        choices = "、".join(f"{o.value}（{OBJECTIVE_LABELS[o]}）" for o in Objective)
        raise InputError([Problem(f"目标函数「{objective}」不可用，应为 {choices} 之一",
                                  key="constraints.objective", value=objective)])
    return apply_overrides(policy, {"constraints.objective": objective})


@dataclass(frozen=True)
class Inputs:
    """A policy and the region data it runs on, both checked together."""

    policy: Policy
    source: DataSource
    data: RegionData

    @property
    def note(self) -> str | None:
        return self.source.note


def _source_for(policy: Policy, data: DataRef | None, store) -> DataSource:
    if data is not None:
        return read_data(data, store)
    if policy.dataset is None:
        raise InputError([Problem("政策文件未指定数据（policy.dataset），请给出地区数据（--data）", key="policy.dataset")])
    return read_data(policy.dataset, store)


def load_inputs(policy: PolicyRef, data: DataRef | None = None, objective: str | None = None,
                store: str | Path | None = None) -> Inputs:
    """Policy and data, validated on their own and together (columns, zero divisors, listed regions)."""
    pol = resolve_policy(policy, objective)
    source = _source_for(pol, data, store)
    region_data = RegionData.from_frame(source.frame.drop(columns=["parent_code"], errors="ignore"))
    raise_if(check_values(source.frame), DataError)  # the checks an import applies, whichever way data came
    check_for_policy(pol, region_data)
    return Inputs(pol, source, region_data)


def builtin_presets() -> dict[str, str]:
    """Shipped policy presets: name → title."""
    return {name: load_policy(name).title for name in preset_names()}


def builtin_datasets() -> dict[str, str]:
    """Shipped datasets: name → description."""
    return packaged_datasets()


@dataclass(frozen=True)
class PolicyChanges:
    old: Policy
    new: Policy
    rows: list[tuple[str, Any, Any]]  # (dotted path, value in old, value in new)


def policy_changes(policy: PolicyRef, against: PolicyRef | None = None) -> PolicyChanges:
    """What a policy changes against another, by default against the base it reforms."""
    new = resolve_policy(policy)
    if against is None:
        if not new.base:
            raise InputError([Problem(f"政策「{new.id}」没有基础政策（policy.base），请指定要比较的政策",
                                      key="policy.base")])
        against = new.base
    old = resolve_policy(against)
    return PolicyChanges(old, new, diff(old, new))
