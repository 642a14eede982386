"""The keyed form of a policy document: lists of tables become dicts keyed by id, column or region, so
that scenario overrides and diffs can address `factors.need.weight` or `constraints.overrides.510104.cap`;
its inverse (the document as a TOML file writes it), the merge of a reform over its base, and the value
at a dotted path.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from allocator.errors import Problem

# Lists of tables in the file become dicts keyed by these fields (the "keyed form"), so that
# scenario overrides and diffs can address `factors.need.weight` or `constraints.overrides.510104.cap`.
KEYED_LISTS = {
    ("pools",): "id",
    ("factors",): "id",
    ("factors", "*", "components"): "column",
    ("corrections",): "id",
    ("constraints", "overrides"): "region",
    ("pools", "*", "factors"): "id",
    ("pools", "*", "factors", "*", "components"): "column",
    ("pools", "*", "corrections"): "id",
    ("pools", "*", "constraints", "overrides"): "region",
    ("performance", "indicators"): "name",
    ("selfeval", "indicators"): "name",
}



def merge_keyed(base: dict[str, Any], reform: dict[str, Any]) -> dict[str, Any]:
    """The base with the reform laid over it: tables merge key by key; anything else replaces."""
    out = copy.deepcopy(base)
    for key, value in reform.items():
        current = out.get(key)
        if isinstance(current, dict) and isinstance(value, dict) and "value" not in value:
            out[key] = merge_keyed(current, value)
        else:
            out[key] = copy.deepcopy(value)
    return out



def to_keyed(document: dict[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """Turn lists of tables into dicts keyed by id/column/region; report missing or duplicate keys."""
    problems: list[Problem] = []
    keyed = copy.deepcopy(document)

    def convert(node: Any, trail: tuple[str, ...], pattern: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            return {k: convert(v, trail + (k,), pattern + (k,)) for k, v in node.items()}
        key_field = _keyed_field(pattern)
        if isinstance(node, list) and key_field and all(isinstance(x, dict) for x in node):
            out: dict[str, Any] = {}
            for i, item in enumerate(node, 1):
                where = ".".join(trail)
                key = item.get(key_field)
                if key in (None, ""):
                    problems.append(Problem(f"{where} 第 {i} 项缺少「{key_field}」", key=where))
                    continue
                key = str(key)
                if key in out:
                    problems.append(Problem(f"{where} 中「{key_field} = {key}」重复", key=where, value=key))
                    continue
                out[key] = convert(item, trail + (key,), pattern + ("*",))
            return out
        return node

    return convert(keyed, (), ()), problems


def _keyed_field(pattern: tuple[str, ...]) -> str | None:
    for shape, field_name in KEYED_LISTS.items():
        if len(shape) == len(pattern) and all(s in ("*", p) for s, p in zip(shape, pattern)):
            return field_name
    return None


def from_keyed(keyed: dict[str, Any]) -> dict[str, Any]:
    """The inverse of `to_keyed`: the document as it is written in a TOML file."""

    def convert(node: Any, pattern: tuple[str, ...]) -> Any:
        if not isinstance(node, dict):
            return node
        key_field = _keyed_field(pattern)
        if key_field:
            return [{key_field: k, **{kk: convert(vv, pattern + ("*", kk)) for kk, vv in v.items()
                                      if kk != key_field}} if isinstance(v, dict) else v for k, v in node.items()]
        return {k: convert(v, pattern + (k,)) for k, v in node.items()}

    return convert(keyed, ())



DATA_SUFFIXES = (".csv", ".xlsx", ".xlsm")


def dataset_reference(value: Any, base_dir: Path | None) -> str | None:
    """The data a policy names: a dataset name (`sichuan-2020`), a stored version (`db:name@2`), or a
    file path, which is made absolute against the policy file's folder."""
    if not value:
        return None
    text = str(value)
    if text.startswith("db:") or not (Path(text).suffix.lower() in DATA_SUFFIXES or "/" in text):
        return text
    path = Path(text)
    if not path.is_absolute() and base_dir is not None:
        path = (base_dir / path).resolve()
    return str(path)



def node_at(keyed: dict[str, Any], path: str) -> Any:
    """The entry at a dotted path of a keyed document (a table, a `{ value, unit }` quantity, a value),
    or None when the path does not exist."""
    node: Any = keyed
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node
