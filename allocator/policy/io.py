"""Policy files: find a file or a shipped preset, read its TOML (size and encoding checked), resolve
the base a reform names and lay the reform over it, then hand the keyed document to the builder.
"""
from __future__ import annotations

import tomllib
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from allocator.errors import PolicyError, Problem
from allocator.policy.build import policy_from_keyed
from allocator.policy.keyed import dataset_reference, merge_keyed, to_keyed
from allocator.policy.model import Policy


def presets() -> Traversable:
    """The folder of policy presets that ship with the package."""
    return resources.files("allocator") / "data" / "presets"


def preset_names() -> list[str]:
    """Names of the shipped presets (`sichuan-2019`, `sichuan-2020`, `example`)."""
    return sorted(p.name.removesuffix(".toml") for p in presets().iterdir() if p.name.endswith(".toml"))


def load_policy(ref: str | Path) -> Policy:
    """Read and validate a policy: a file path, or the name of a shipped preset (`sichuan-2020`).

    A policy that names a base (`[policy] base = "sichuan-2019"`, a preset or a path relative to the
    file) is a reform: it holds only what changes, and is read as the base with its entries laid
    over it (tables merge key by key; a value, a `{ value, unit }` quantity or a list replaces).
    Raise `PolicyError` listing every problem.
    """
    keyed, base_dir = read_keyed(ref)
    return policy_from_keyed(keyed, base_dir=base_dir)


def read_keyed(ref: str | Path, _chain: tuple[str, ...] = ()) -> tuple[dict[str, Any], Path | None]:
    """The keyed document of a policy with its base (if any) resolved, and the folder it was read from."""
    keyed, base_dir = _read_one(ref)
    head: dict[str, Any] = keyed["policy"] if isinstance(keyed.get("policy"), dict) else {}
    if head.get("dataset") and base_dir is not None:  # a path in a base file is relative to that file
        head["dataset"] = dataset_reference(head["dataset"], base_dir)
    base = head.get("base")
    if base is None:
        return keyed, base_dir
    if not isinstance(base, str) or not base:
        raise PolicyError([Problem(f"policy.base = {base!r}：应为基础政策的预设名或文件路径", key="policy.base")])
    base_ref = base
    if base not in preset_names() and base_dir is not None and not Path(base).is_absolute():
        base_ref = str((base_dir / base).resolve())
    here = str(ref)
    if base_ref in _chain or base_ref == here:
        chain = " → ".join((*_chain, here, base_ref))
        raise PolicyError([Problem(f"policy.base 形成循环：{chain}", key="policy.base", value=base)])
    base_keyed, _ = read_keyed(base_ref, (*_chain, here))
    return merge_keyed(base_keyed, keyed), base_dir



MAX_POLICY_BYTES = 1024 * 1024


def _read_one(ref: str | Path) -> tuple[dict[str, Any], Path | None]:
    path = Path(ref)
    try:
        path.exists()
    except OSError:  # a name too long for the file system
        raise PolicyError([Problem(f"找不到政策文件或内置预设「{str(ref)[:80]}…」")]) from None
    if path.exists() and not path.is_file():
        raise PolicyError([Problem(f"「{ref}」不是普通文件，不能作为政策文件")])
    if path.is_file():
        name, base_dir = path.name, path.parent
        if path.stat().st_size > MAX_POLICY_BYTES:
            raise PolicyError([Problem(f"政策文件 {path.name} 超过 {MAX_POLICY_BYTES // 1024} KB，不像是政策文件")])
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise PolicyError([Problem(f"政策文件 {path.name} 不是 UTF-8 编码的文本")]) from None
    elif str(ref) in preset_names():
        name, base_dir = f"{ref}.toml", None
        text = (presets() / name).read_text(encoding="utf-8")
    else:
        raise PolicyError([Problem(f"找不到政策文件或内置预设「{ref}」（内置预设：{'、'.join(preset_names())}）")])
    return keyed_from_text(text, name), base_dir


def keyed_from_text(text: str, name: str = "（文本）") -> dict[str, Any]:
    """A policy document given as TOML text, its lists of tables keyed; `PolicyError` on bad TOML or keys."""
    try:
        document = tomllib.loads(text)
        keyed, problems = to_keyed(document)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError([Problem(f"政策文件 {name} 不是有效的 TOML：{exc}")]) from None
    except RecursionError:
        raise PolicyError([Problem(f"政策文件 {name} 的表或列表嵌套层数过多")]) from None
    if problems:
        raise PolicyError(problems)
    return keyed


def policy_from_text(text: str, name: str = "（文本）") -> Policy:
    """Read and validate a policy given as TOML text, as `load_policy` does for a file (no `base`:
    a reform names its base relative to a file)."""
    return policy_from_keyed(keyed_from_text(text, name))

