"""A versioned store of region datasets in one SQLite file (stdlib sqlite3, no server).

Every good import becomes a new version with its file name, time and checksum; older versions stay
loadable; a file with errors is refused before anything is written, so nothing stored is lost or
overwritten. The same file imported twice is recognised by its checksum and not stored again.
Later issues keep scenarios in the same file (their own table).
"""
from __future__ import annotations

import hashlib
import io
import os
import sqlite3
import unicodedata
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from allocator.dataset.importer import ImportResult, import_table
from allocator.errors import DataError, InputError, Problem

SCHEMA_VERSION = 1
LOCK_WAIT_SECONDS = 60
SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS dataset_versions (
    name        TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    file_name   TEXT    NOT NULL,
    imported_at TEXT    NOT NULL,   -- UTC, ISO 8601
    checksum    TEXT    NOT NULL,   -- sha256 of the stored CSV text
    n_rows      INTEGER NOT NULL,
    note        TEXT    NOT NULL DEFAULT '',
    content     TEXT    NOT NULL,   -- the table as CSV (column ids), codes as text
    PRIMARY KEY (name, version)
);
"""


MAX_NAME_CHARS = 100


def check_dataset_name(name: str) -> None:
    """A dataset name is read back in `db:<name>@<version>` and shown in tables and file notes: not
    blank, no surrounding spaces, no @, not beginning with db:, no control or invisible format characters
    (NUL, line breaks, tabs, zero-width spaces…), no path separators, at most MAX_NAME_CHARS characters."""
    bad = [ch for ch in name if unicodedata.category(ch).startswith("C") or ch in "@/\\"]
    if not name or not name.strip() or name != name.strip() or name.startswith("db:") or bad \
            or len(name) > MAX_NAME_CHARS:
        shown = "".join(ch if not unicodedata.category(ch).startswith("C") else ch.encode("unicode_escape").decode() for ch in name)
        what = f"含不可用的字符 {'、'.join(sorted({repr(ch) for ch in bad}))}" if bad else "不符合要求"
        raise InputError([Problem(f"数据集名称「{shown[:120]}」{what}：名称不能为空、首尾不能有空格、不能超过 "
                                  f"{MAX_NAME_CHARS} 个字符，不能含 @、/、\\ 与控制字符（如换行、制表符、NUL），"
                                  "不能以 db: 开头", key="name", value=shown[:120])])


def default_path() -> Path:
    """ALLOCATOR_STORE, or allocator/allocator.sqlite in the user's data folder ($XDG_DATA_HOME,
    ~/.local/share): outside the package, so an installed copy can write it."""
    if os.environ.get("ALLOCATOR_STORE"):
        return Path(os.environ["ALLOCATOR_STORE"])
    home = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return home / "allocator" / "allocator.sqlite"


@dataclass(frozen=True)
class Version:
    name: str
    version: int
    file_name: str
    imported_at: str
    checksum: str
    n_rows: int
    note: str = ""
    new: bool = True  # False when an identical file was already stored as this version


def to_csv_text(frame: pd.DataFrame) -> str:
    """The canonical text a dataset is stored (and checksummed) as."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


class DatasetStore:
    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_path()
        if self.path == default_path() and "ALLOCATOR_STORE" not in os.environ:
            self.path.parent.mkdir(parents=True, exist_ok=True)  # our own folder in the user's data directory
        elif not self.path.parent.is_dir():  # a mistyped path must not create folders and an empty database
            raise InputError([Problem(f"数据库文件 {self.path} 所在的文件夹不存在；请检查路径（ALLOCATOR_STORE 或 --store）",
                                      key="store", value=str(self.path))], title="数据库错误")
        with closing(self._connect()) as con, con:
            con.executescript(SCHEMA)
            if con.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 0:
                con.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))

    def _connect(self) -> sqlite3.Connection:
        # another import may hold the write lock for a while: wait, then say so in Chinese
        return sqlite3.connect(self.path, timeout=LOCK_WAIT_SECONDS)

    def save(self, name: str, frame: pd.DataFrame, file_name: str, note: str = "") -> Version:
        """Store `frame` as the next version of `name`, unless it equals the latest version."""
        check_dataset_name(name)
        content = to_csv_text(frame)
        checksum = hashlib.sha256(content.encode("utf-8")).hexdigest()
        try:
            return self._save(name, frame, file_name, note, content, checksum)
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
            raise InputError([Problem(f"数据库 {self.path} 正被另一个导入占用（已等待 {LOCK_WAIT_SECONDS} 秒），"
                                      "本次没有写入任何内容，请稍后再试", key="store")], title="数据库忙") from None

    def _save(self, name: str, frame: pd.DataFrame, file_name: str, note: str, content: str,
              checksum: str) -> Version:
        with closing(self._connect()) as con, con:  # one transaction: all or nothing
            con.execute("BEGIN IMMEDIATE")  # hold the write lock from reading the last number to inserting
            latest = con.execute("SELECT version, checksum FROM dataset_versions WHERE name = ? "
                                 "ORDER BY version DESC LIMIT 1", (name,)).fetchone()
            if latest and latest[1] == checksum:
                return self._version(con, name, latest[0], new=False)
            number = (latest[0] if latest else 0) + 1
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            con.execute("INSERT INTO dataset_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (name, number, file_name, stamp, checksum, len(frame), note, content))
            return self._version(con, name, number)

    def import_file(self, name: str, path: str | Path, regions: pd.DataFrame, crosswalk=None,
                    required: list[str] | None = None, pools=None, check=None) -> tuple[Version, ImportResult]:
        """Check a file and store it as a new version; on any problem raise DataError and write nothing.

        `check(frame)` may refuse the imported table for a use, e.g. a policy that cannot run on it.
        """
        check_dataset_name(name)
        result = import_table(path, regions, crosswalk, required, pools)
        if check is not None:
            check(result.frame)
        version = self.save(name, result.frame, Path(path).name, note="；".join(result.notes))
        return version, result

    def versions(self, name: str) -> list[Version]:
        with closing(self._connect()) as con:
            numbers = [r[0] for r in con.execute(
                "SELECT version FROM dataset_versions WHERE name = ? ORDER BY version", (name,))]
            return [self._version(con, name, n) for n in numbers]

    def names(self) -> list[str]:
        with closing(self._connect()) as con:
            return [r[0] for r in con.execute("SELECT DISTINCT name FROM dataset_versions ORDER BY name")]

    def latest(self, name: str) -> Version | None:
        found = self.versions(name)
        return found[-1] if found else None

    def load(self, name: str, version: int | None = None) -> pd.DataFrame:
        """A stored version (the latest by default): codes as text, figures as float, column order kept."""
        with closing(self._connect()) as con:
            if version is None:
                row = con.execute("SELECT content, checksum, version FROM dataset_versions WHERE name = ? "
                                  "ORDER BY version DESC LIMIT 1", (name,)).fetchone()
            else:
                row = con.execute("SELECT content, checksum, version FROM dataset_versions WHERE name = ? "
                                  "AND version = ?", (name, version)).fetchone()
        if row is None:
            which = "任何版本" if version is None else f"第 {version} 版"
            raise KeyError(f"数据库中没有数据集「{name}」的{which}")
        content, checksum, number = row
        if hashlib.sha256(content.encode("utf-8")).hexdigest() != checksum:
            raise DataError([Problem(f"数据集「{name}」第 {number} 版的内容与导入时的校验码不符（数据库中的数据被改动过），"
                                     "拒绝使用；请重新导入原文件", key="checksum", value=checksum[:12])])
        frame = pd.read_csv(io.StringIO(content), dtype={"code": str, "name": str})
        numeric = [c for c in frame.columns if c not in ("code", "name")]
        frame[numeric] = frame[numeric].astype(float)
        return frame

    @staticmethod
    def _version(con, name: str, number: int, new: bool = True) -> Version:
        r = con.execute("SELECT file_name, imported_at, checksum, n_rows, note FROM dataset_versions "
                        "WHERE name = ? AND version = ?", (name, number)).fetchone()
        return Version(name, number, r[0], r[1], r[2], r[3], r[4], new)
