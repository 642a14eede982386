"""Saved scenarios in SQLite: a name, a note, an author, the time, the base preset, the data it ran on,
the overrides (the policy diff against its base, as dotted paths) and the run's fingerprint.

The table lives in the same file as the dataset versions (`allocator.dataset.store.default_path`,
or `ALLOCATOR_SCENARIOS` / `ALLOCATOR_STORE`). Every write is one transaction (`BEGIN IMMEDIATE`), so a
server killed mid-write leaves the previous state; names are unique and a save never replaces an
existing scenario unless the caller says so (`overwrite=True`, after asking the user).
"""
from __future__ import annotations

import json
import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from allocator.dataset.store import default_path as dataset_store_path
from allocator.errors import InputError, Problem

SCHEMA = """
CREATE TABLE IF NOT EXISTS scenarios (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL UNIQUE,
    note        TEXT    NOT NULL DEFAULT '',
    author      TEXT    NOT NULL DEFAULT '',
    created_at  TEXT    NOT NULL,   -- UTC, ISO 8601
    updated_at  TEXT    NOT NULL,
    base        TEXT    NOT NULL,   -- preset name or policy path the overrides apply to
    dataset     TEXT    NOT NULL,   -- data reference (packaged name, db:name@version, path)
    overrides   TEXT    NOT NULL,   -- JSON object: dotted path → value
    fingerprint TEXT    NOT NULL DEFAULT ''
);
"""
COLUMNS = ("id", "name", "note", "author", "created_at", "updated_at", "base", "dataset", "overrides", "fingerprint")


def default_path() -> Path:
    """ALLOCATOR_SCENARIOS, else the dataset store's file (ALLOCATOR_STORE or the user's data folder)."""
    if os.environ.get("ALLOCATOR_SCENARIOS"):
        return Path(os.environ["ALLOCATOR_SCENARIOS"])
    return dataset_store_path()


@dataclass(frozen=True)
class SavedScenario:
    id: int
    name: str
    base: str
    dataset: str
    overrides: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    author: str = ""
    created_at: str = ""
    updated_at: str = ""
    fingerprint: str = ""


class ScenarioExists(InputError):
    """A scenario of that name is already stored; the caller must ask before overwriting."""

    title = "方案名称已存在"


def check_name(name: str) -> str:
    """A usable scenario name (trimmed), or InputError."""
    clean = (name or "").strip()
    if not clean or len(clean) > 100 or any(ch in clean for ch in "\n\r\t"):
        raise InputError([Problem(f"方案名称「{name}」不可用：不能为空、不能超过 100 个字符、不能含换行或制表符",
                                  key="name", value=name)])
    return clean


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _row(row: tuple) -> SavedScenario:
    values = dict(zip(COLUMNS, row))
    values["overrides"] = json.loads(values["overrides"])
    return SavedScenario(**values)


class ScenarioStore:
    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as con, con:
            con.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=10)

    def save(self, name: str, base: str, dataset: str, overrides: dict[str, Any], note: str = "",
             author: str = "", fingerprint: str = "", overwrite: bool = False) -> SavedScenario:
        """Store a scenario under `name`. If the name exists: raise ScenarioExists, or with `overwrite`
        replace its content in place (same id, creation time kept)."""
        name = check_name(name)
        text = json.dumps(overrides, ensure_ascii=False, sort_keys=True)
        stamp = _now()
        with closing(self._connect()) as con, con:
            con.execute("BEGIN IMMEDIATE")
            found = con.execute("SELECT id FROM scenarios WHERE name = ?", (name,)).fetchone()
            if found and not overwrite:
                raise ScenarioExists([Problem(f"已有名为「{name}」的方案；覆盖前请确认", key="name", value=name)])
            if found:
                con.execute("UPDATE scenarios SET note=?, author=?, updated_at=?, base=?, dataset=?, overrides=?, "
                            "fingerprint=? WHERE id=?",
                            (note, author, stamp, base, dataset, text, fingerprint, found[0]))
                number = found[0]
            else:
                number = con.execute(
                    "INSERT INTO scenarios (name, note, author, created_at, updated_at, base, dataset, overrides, "
                    "fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (name, note, author, stamp, stamp, base, dataset, text, fingerprint)).lastrowid
            return self._get(con, number)

    def list(self) -> list[SavedScenario]:
        """Every saved scenario, most recently changed first."""
        with closing(self._connect()) as con:
            rows = con.execute(f"SELECT {', '.join(COLUMNS)} FROM scenarios ORDER BY updated_at DESC, id DESC")
            return [_row(r) for r in rows]

    def load(self, ref: int | str) -> SavedScenario:
        """A scenario by id (int or digits) or by name; InputError if there is none."""
        with closing(self._connect()) as con:
            if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
                row = con.execute(f"SELECT {', '.join(COLUMNS)} FROM scenarios WHERE id = ?", (int(ref),)).fetchone()
            else:
                row = con.execute(f"SELECT {', '.join(COLUMNS)} FROM scenarios WHERE name = ?", (ref,)).fetchone()
        if row is None:
            raise InputError([Problem(f"没有编号或名称为「{ref}」的方案", key="scenario", value=ref)])
        return _row(row)

    def exists(self, name: str) -> bool:
        with closing(self._connect()) as con:
            return con.execute("SELECT 1 FROM scenarios WHERE name = ?", (name.strip(),)).fetchone() is not None

    def rename(self, ref: int | str, new_name: str) -> SavedScenario:
        """Give a scenario another name; refused if the name is taken."""
        new_name = check_name(new_name)
        current = self.load(ref)
        with closing(self._connect()) as con, con:
            con.execute("BEGIN IMMEDIATE")
            taken = con.execute("SELECT id FROM scenarios WHERE name = ?", (new_name,)).fetchone()
            if taken and taken[0] != current.id:
                raise ScenarioExists([Problem(f"已有名为「{new_name}」的方案", key="name", value=new_name)])
            con.execute("UPDATE scenarios SET name = ?, updated_at = ? WHERE id = ?", (new_name, _now(), current.id))
            return self._get(con, current.id)

    def duplicate(self, ref: int | str, new_name: str) -> SavedScenario:
        """A copy under a new name (a new id); refused if the name is taken."""
        s = self.load(ref)
        return self.save(new_name, s.base, s.dataset, s.overrides, s.note, s.author, s.fingerprint)

    def delete(self, ref: int | str) -> None:
        s = self.load(ref)
        with closing(self._connect()) as con, con:
            con.execute("DELETE FROM scenarios WHERE id = ?", (s.id,))

    @staticmethod
    def _get(con: sqlite3.Connection, number: int) -> SavedScenario:
        return _row(con.execute(f"SELECT {', '.join(COLUMNS)} FROM scenarios WHERE id = ?", (number,)).fetchone())


__all__ = ["SavedScenario", "ScenarioExists", "ScenarioStore", "check_name", "default_path"]
