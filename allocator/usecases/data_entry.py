"""Data entry: blank templates, checked imports into the dataset store, the stored versions, and the app's
data page (browsing a dataset, problems as a table, templates and uploads as bytes).
"""
from __future__ import annotations

import tempfile as _tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from allocator.columns import column_label as _column_label
from allocator.dataset.importer import ImportResult, import_table
from allocator.dataset.reference import load_crosswalk, load_regions
from allocator.dataset.store import DatasetStore, Version, check_dataset_name
from allocator.dataset.template import write_template
from allocator.engine import RegionData, check_for_policy
from allocator.errors import AllocatorError, InputError, Problem
from allocator.usecases.references import DEFAULT_PRESET, LEVELS, DataRef, PolicyRef, read_data, resolve_policy


def regions_for(level: str) -> pd.DataFrame:
    if level not in LEVELS:
        raise InputError([Problem(f"地区层级应为 county（县）或 prefecture（市州），而不是「{level}」",
                                  key="level", value=level)])
    return load_regions(level)


@dataclass(frozen=True)
class TemplateReport:
    path: Path
    n_regions: int


def make_template(out: str | Path, level: str = "county", policy: PolicyRef | None = None) -> TemplateReport:
    """A blank template with Chinese headers and units, one row per region (code and name filled)."""
    columns, pools = None, None
    if policy is not None:
        pol = resolve_policy(policy)
        columns = [c for c in pol.data_columns if not c.startswith("base_")]
        pools = pol.pools
    regions = regions_for(level)
    write_template(Path(out), regions, columns, pools)
    return TemplateReport(Path(out), len(regions))


@dataclass(frozen=True)
class ImportReport:
    version: Version
    notes: list[str] = field(default_factory=list)
    store: Path | None = None


def import_dataset(file: str | Path, name: str, level: str = "county", policy: PolicyRef | None = None,
                   store: str | Path | None = None) -> ImportReport:
    """Check a filled file and store it as a new version; on any problem nothing is written."""
    check_dataset_name(name)
    notes = []
    if policy is None:  # a file lacking most figures must not become the latest version unnoticed
        policy = DEFAULT_PRESET
        notes.append(f"未指定政策，按预设 {DEFAULT_PRESET} 所需的因素列检查（上年分配列可缺）")
        pol = resolve_policy(policy)
        required, pools, usable = [c for c in pol.data_columns if not c.startswith("base_")], pol.pools, None
    else:
        pol = resolve_policy(policy)
        required, pools = list(pol.data_columns), pol.pools

        def usable(frame: pd.DataFrame) -> None:  # the policy must be able to run on what is stored
            check_for_policy(pol, RegionData.from_frame(frame))
    db = DatasetStore(store)
    version, result = db.import_file(name, file, regions_for(level), load_crosswalk(), required, pools, usable)
    return ImportReport(version, notes + list(result.notes), db.path)


def check_table(file: str | Path | pd.DataFrame, level: str = "county",
                policy: PolicyRef | None = None) -> ImportResult:
    """Check a table as an import would, without storing it (for previews in the app)."""
    required, pools = None, None
    if policy is not None:
        pol = resolve_policy(policy)
        required, pools = list(pol.data_columns), pol.pools
    result = import_table(file, regions_for(level), load_crosswalk(), required, pools)
    if policy is not None:
        check_for_policy(resolve_policy(policy), RegionData.from_frame(result.frame))
    return result


def list_datasets(name: str | None = None, store: str | Path | None = None) -> list[Version]:
    """Every stored version (of one dataset, or of all), oldest first per name."""
    db = DatasetStore(store)
    return [v for n in ([name] if name else db.names()) for v in db.versions(n)]


def dataset_table(ref: DataRef, store: str | Path | None = None) -> tuple[pd.DataFrame, str | None]:
    """A dataset for browsing, with Chinese headers, and its 示例数据 note when it is the demo data."""
    source = read_data(ref, store)
    return source.frame.rename(columns=_column_label), source.note


def problems_frame(error: AllocatorError) -> pd.DataFrame:
    """Every problem of an error as rows: 行号, 地区, 列, 数值, 说明 (for a table on screen)."""
    if isinstance(error, InputError):
        rows = [{"行号": "" if p.row is None else str(p.row), "地区": p.region or "", "列": _column_label(p.key) if p.key else "",
                 "数值": "" if p.value is None else str(p.value), "说明": p.message} for p in error.problems]
    else:  # InfeasibleError
        rows = [{"行号": "", "地区": "、".join(r.regions[:10]), "列": "", "数值": "",
                 "说明": r.message + (f"（最小调整：{r.smallest_fix}）" if r.smallest_fix else "")}
                for r in getattr(error, "reasons", [])]
    return pd.DataFrame(rows, columns=["行号", "地区", "列", "数值", "说明"])


def template_bytes(policy: PolicyRef | None = None, level: str = "county") -> bytes:
    """A blank template workbook (Chinese headers and units, one row per region)."""
    with _tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "template.xlsx"
        make_template(path, level, policy)
        return path.read_bytes()


def check_upload(content: bytes, file_name: str, policy: PolicyRef | None = None) -> ImportResult:
    """Check an uploaded file as an import would, without storing it (raises with every problem)."""
    with _tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(file_name).name
        path.write_bytes(content)
        return check_table(path, policy=policy)


def import_upload(content: bytes, file_name: str, name: str, policy: PolicyRef | None = None,
                  store: str | Path | None = None) -> ImportReport:
    """Store an uploaded file as a new dataset version; nothing is written if it has any problem."""
    with _tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(file_name).name
        path.write_bytes(content)
        return import_dataset(path, name, policy=policy, store=store)
