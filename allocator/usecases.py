"""Use cases shared by the CLI, the notebooks and the app: each takes references or objects, runs every
check that protects a user, and returns a result object. Nothing here prints.

A policy is named by a preset (`sichuan-2020`) or a file path; data by a shipped dataset name
(`sichuan-2020`, `example`), a stored version (`db:name` or `db:name@version`), a file path (.csv/.xlsx),
or a table already in memory. The same bad input gives the same Chinese message from every caller.
"""
from __future__ import annotations

import dataclasses
import zipfile
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import docx
import numpy as np
import openpyxl
import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

from allocator.analysis.batch import BatchResult, Prepared, evaluate, grid_scenarios, prepare, what_if
from allocator.analysis.goalseek import Goal, GoalResult, seek
from allocator.analysis.pace import Pace
from allocator.analysis.pace import pace as pace_of_change
from allocator.analysis.sensitivity import Tornado, incentives, tornado
from allocator.analysis.uncertainty import DataNoise, Uncertainty, monte_carlo
from allocator.dataset.importer import ImportResult, check_values, import_table, read_region_table
from allocator.dataset.reference import (
    demo_note,
    is_packaged,
    load_crosswalk,
    load_packaged,
    load_regions,
    packaged_datasets,
    parent_map,
)
from allocator.dataset.store import DatasetStore, Version
from allocator.dataset.template import write_template
from allocator.engine import AllocationResult, RegionData, allocate, check_for_policy
from allocator.errors import DataError, InputError, Problem, raise_if
from allocator.export.allocation_table import (
    Heading,
    build_allocation_table,
    write_allocation_docx,
    write_allocation_xlsx,
)
from allocator.export.method_note import method_note, write_method_note_docx, write_method_note_txt
from allocator.export.systems_csv import systems_frame, write_systems_csv
from allocator.export.targets_doc import (
    Departments,
    program_name,
    region_sheets,
    write_targets_docx,
    write_targets_xlsx,
)
from allocator.funds import (
    RegionTargets,
    SettlementResult,
    TwoTierResult,
    allocate_two_tier,
    compare_paths,
    target_tables,
)
from allocator.funds import settle as settle_funds
from allocator.policy import Policy, apply_overrides, diff, load_policy, policy_from_keyed, preset_names
from allocator.policy.model import Objective, Parameter

METHODS = ("fast", "lp")
CREATOR = "allocator"  # the author recorded in every workbook we write
DEFAULT_PRESET = "sichuan-2020"  # the columns an import is checked for when no policy is named
LEVELS = ("county", "prefecture")

PolicyRef = str | Path | Policy
DataRef = str | Path | pd.DataFrame


# ---------------------------------------------------------------- references → objects

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
    """The policy with another objective for its shared constraints (source: scenario)."""
    choices = [o.value for o in Objective]
    if objective not in choices:
        raise InputError([Problem(f"目标函数「{objective}」不可用，应为 {' / '.join(choices)} 之一",
                                  key="constraints.objective", value=objective)])
    if "constraints" in policy.raw:
        return apply_overrides(policy, {"constraints.objective": objective})
    keyed = {**policy.raw, "constraints": {"objective": objective, "source": "scenario"}}
    return policy_from_keyed(keyed)


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


# ---------------------------------------------------------------- run, validate

def run(inputs: Inputs, method: str = "fast") -> AllocationResult:
    """The allocation with its trace. `method`: fast (exact NumPy) or lp (PuLP/HiGHS, linear objectives)."""
    if method not in METHODS:
        raise InputError([Problem(f"求解方法「{method}」不可用，应为 fast 或 lp", key="method", value=method)])
    return allocate(inputs.policy, inputs.data, method=method)


def method_hint(policy: Policy, method: str) -> str | None:
    """What a user should know about the method chosen for this policy."""
    if method == "lp" and policy.constraints.objective == Objective.LEAST_SQUARES:
        return "说明：最小二乘目标（least_squares）由精确算法求解；lp 方法用于 least_absolute 与 minimax_relative"
    return None


@dataclass(frozen=True)
class Validation:
    policy: Policy
    n_regions: int
    parameters: tuple[Parameter, ...]
    result: AllocationResult  # the trial run that proved floors, caps and budget can all hold


def validate(inputs: Inputs) -> Validation:
    """Everything checked, including that floors, caps and budget can hold together (raises otherwise)."""
    result = allocate(inputs.policy, inputs.data)
    return Validation(inputs.policy, len(inputs.data), inputs.policy.parameters, result)


# ---------------------------------------------------------------- funds

def settle(inputs: Inputs, rule: str | None = None) -> SettlementResult:
    """全年 | 提前下达 | 此次下达 under the policy's rule (or `rule`) for advances above the full year."""
    return settle_funds(inputs.policy, inputs.data, rule=rule)


def region_parents(frame: pd.DataFrame, strict: bool = True) -> tuple[dict[str, str], dict[str, str]]:
    """County → prefecture links: the table's parent_code column if it has one, else the Sichuan list.
    `strict` (two tiers): every county must have one, and those without are named; otherwise (tables
    with 市州 subtotals) regions without a known prefecture are simply listed on their own."""
    _, names = parent_map()
    if "parent_code" in frame.columns:
        parents = frame["parent_code"].map(lambda v: "" if pd.isna(v) else str(v).strip())
        parent_of = {c: p for c, p in zip(frame["code"].astype(str), parents) if p}
    else:
        parent_of, _ = parent_map()
    orphans = [(c, n) for c, n in zip(frame["code"].astype(str), frame.get("name", frame["code"]).astype(str))
               if c not in parent_of]
    if orphans and strict:
        shown = "、".join(f"{c} {n}" for c, n in orphans[:10]) + (f" 等 {len(orphans)} 个" if len(orphans) > 10 else "")
        raise DataError([Problem(f"无法确定所属市州的地区：{shown}（不在四川区划名单中）；请在数据中给出 parent_code（上级代码）列",
                                 key="parent_code")])
    return parent_of, {p: names.get(p, p) for p in set(parent_of.values())}


@dataclass(frozen=True)
class TwoTierReport:
    two_tier: TwoTierResult
    comparison: pd.DataFrame  # per county: two_tier_total, direct_total, difference, difference_share
    note: str | None
    n_changed: int  # counties whose amount differs between the two paths
    abs_difference: float  # 万元, sum of absolute differences
    max_difference: float  # 万元, largest absolute difference


def two_tiers(policy: PolicyRef, data: DataRef | None = None, city_share_percent: float = 0.0,
              direct: str | tuple[str, ...] = (), relax: bool = False,
              store: str | Path | None = None) -> TwoTierReport:
    """Province → 市州 → counties, compared county by county with allocating straight to counties.

    `direct`: 省直管县 codes (a tuple, or text separated by commas); `city_share_percent`: the share of
    each prefecture's amount kept for 市本级, in percent.
    """
    inputs = load_inputs(policy, data, store=store)
    counties = inputs.source.frame
    parent_of, names = region_parents(counties)
    codes = tuple(c.strip() for c in direct.split(",")) if isinstance(direct, str) else tuple(direct)
    codes = tuple(c for c in codes if c)
    result = allocate_two_tier(inputs.policy, counties, parent_of, names, direct=codes,
                               city_share=city_share_percent / 100, relax_infeasible=relax)
    comparison = compare_paths(result, allocate(inputs.policy, inputs.data))
    moved = comparison.dropna(subset=["difference"])
    digits = inputs.policy.rounding.decimals
    diff = moved["difference"].round(digits)
    return TwoTierReport(result, comparison, inputs.note, int((diff != 0).sum()),
                         float(diff.abs().sum()), float(diff.abs().max()) if len(diff) else 0.0)


@dataclass(frozen=True)
class TargetsReport:
    tables: list[RegionTargets]
    title: str  # e.g. 2020年中央和省级财政医疗救助补助资金区域绩效目标表
    note: str | None


def targets_title(policy: Policy) -> str:
    """The target table's title from the allocation table's title: …分配表 → …区域绩效目标表."""
    stem = policy.title.removeprefix(f"{policy.year}年").removesuffix("分配表")
    return f"{policy.year}年{stem}区域绩效目标表"


def targets(inputs: Inputs) -> TargetsReport:
    """One 区域绩效目标表 per region, from the policy's [performance] section."""
    tables = target_tables(allocate(inputs.policy, inputs.data), inputs.data)
    return TargetsReport(tables, targets_title(inputs.policy), inputs.note)


# ---------------------------------------------------------------- writing files

def guard_output(out: str | Path, inputs: tuple[str | Path | None, ...] = (), force: bool = False) -> Path:
    """Refuse to write results over an input file, or over an existing file that is not our own output
    (a filled template, a user's table) unless `force`."""
    out = Path(out)
    for given in inputs:
        if given is not None and Path(str(given)).exists() and out.exists() and out.samefile(str(given)):
            raise InputError([Problem(f"输出文件 {out} 就是输入文件：结果不能写在输入文件上，请换一个文件名",
                                      key="out", value=str(out))])
    if out.exists() and not force and not is_our_output(out):
        raise InputError([Problem(f"文件 {out} 已存在，且不是本程序写出的结果（可能是填好的表格）；"
                                  "如确要替换，请加 --force", key="out", value=str(out))])
    return out


def is_our_output(path: Path) -> bool:
    """A workbook we wrote and nobody has saved since, or one of our result CSVs."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            wb = openpyxl.load_workbook(path, read_only=True)
            props = wb.properties
            wb.close()
        except (OSError, KeyError, ValueError, zipfile.BadZipFile, InvalidFileException):
            return False  # unreadable: certainly not something we can vouch for
        return props.creator == CREATOR and props.lastModifiedBy in (None, "", CREATOR)
    if path.suffix.lower() == ".docx":
        try:
            core = docx.Document(str(path)).core_properties
        except (OSError, KeyError, ValueError, zipfile.BadZipFile):
            return False
        return core.author == CREATOR and core.last_modified_by in (None, "", CREATOR)
    if path.suffix.lower() == ".csv":
        with path.open("rb") as handle:
            head = handle.read(4096).decode("utf-8-sig", errors="replace").splitlines()[:1]
        return bool(head) and head[0].startswith("地区代码,地区名称,") and "取整后金额(万元)" in head[0]
    return False


# ---------------------------------------------------------------- data entry

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


def check_dataset_name(name: str) -> None:
    if not name or not name.strip() or "@" in name or name.startswith("db:") or name != name.strip() \
            or any(ch in name for ch in "\n\r\t"):
        raise InputError([Problem(f"数据集名称「{name}」不可用：不能为空，不能含 @、空白控制符，不能以 db: 开头",
                                  key="name", value=name)])


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



__all__ = ["DataSource", "ImportReport", "Inputs", "TargetsReport", "TemplateReport", "TwoTierReport",
           "Validation", "check_table", "import_dataset", "list_datasets", "load_inputs", "make_template",
           "method_hint", "parse_db_ref", "read_data", "region_parents", "resolve_policy", "run", "settle",
           "targets", "targets_title", "two_tiers", "validate", "with_objective"]


# ---- documents

DOCUMENT_KINDS = ("table", "targets", "note", "csv")  # 分配表, 区域绩效目标表, 测算说明, 系统导入 CSV
DOCUMENT_FORMATS = ("xlsx", "docx")  # for the 分配表 and the 区域绩效目标表; the note is .docx and .txt


@dataclass(frozen=True)
class DocumentOptions:
    """What to write and how the attachments are headed. Defaults follow the 医疗救助 notices."""

    kinds: tuple[str, ...] | None = None  # None: every kind the policy supports (targets need [performance])
    formats: tuple[str, ...] = DOCUMENT_FORMATS
    timing: bool | None = None  # 全年 | 已提前下达 | 此次下达 | 收回 columns; None: when the policy has an advance
    first_number: int = 1  # the 分配表 is 附件1, the 区域绩效目标表 附件2
    doc_number: str | None = None  # 文号 placeholder; default "〔<year>〕  号"
    subject: str | None = None  # 科目; default 2101301 城乡医疗救助 for a 医疗救助 policy, else blank
    direct: tuple[str, ...] = ()  # 省直管县 codes: listed as their own group after the prefectures
    central_departments: str | None = None  # 区域绩效目标表 header rows
    local_departments: str | None = None
    user: str | None = None  # 资金使用单位, may use {name}
    force: bool = False  # replace a workbook or document of the same name that someone has edited since


@dataclass(frozen=True)
class DocumentsReport:
    files: tuple[Path, ...]
    note: str | None  # the 示例数据 label, when the data are the embedded demo figures
    timing: bool
    n_regions: int


MEDICAL_ASSISTANCE_SUBJECT = "2101301 城乡医疗救助"  # 政府收支分类科目 (支出功能分类) 2101301


def default_subject(policy: Policy) -> str:
    return MEDICAL_ASSISTANCE_SUBJECT if "医疗救助" in policy.title else ""


def data_source_text(source: DataSource, store: str | Path | None = None) -> str:
    """Where the figures come from, for the 测算说明: a shipped dataset, a stored version (file, time,
    checksum) or a file."""
    ref = source.ref
    if ref.startswith("db:"):
        name, version = parse_db_ref(ref)
        versions = [v for v in list_datasets(name, store) if version is None or v.version == version]
        if versions:
            v = versions[-1]
            return (f"数据库数据集 {v.name} 第 {v.version} 版（文件 {v.file_name}，导入于 {v.imported_at}，"
                    f"校验码 {v.checksum[:12]}）")
    if is_packaged(ref):
        return f"内置数据集 {ref}（{packaged_datasets()[ref]}）"
    if ref == "<table>":
        return "调用方提供的数据表"
    return f"数据文件 {Path(ref).name}"


def export_documents(inputs: Inputs, out_dir: str | Path, options: DocumentOptions | None = None,
                     store: str | Path | None = None) -> DocumentsReport:
    """The notice's attachments and texts, written to `out_dir`: 附件 分配表 (.xlsx/.docx), 附件 区域绩效
    目标表 (.xlsx/.docx), 测算说明 (.docx/.txt) and the CSV for systems import. File names carry the
    table's title, hence its year."""
    options = options or DocumentOptions()
    policy = inputs.policy
    kinds = options.kinds if options.kinds is not None else tuple(
        k for k in DOCUMENT_KINDS if k != "targets" or policy.performance is not None)
    _check_document_options(dataclasses.replace(options, kinds=kinds), policy)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    has_advance = any(p.advance_total is not None for p in policy.pools)
    timing = has_advance if options.timing is None else options.timing
    settlement = settle(inputs) if has_advance else None
    result = settlement.full_year if settlement is not None else run(inputs)
    parent_of, names = region_parents(inputs.source.frame, strict=False)
    # a file of the same name that someone has edited since we wrote it is kept unless forced
    for fmt_path in out.iterdir():
        if fmt_path.suffix in (".xlsx", ".docx") and fmt_path.name.startswith("附件") \
                and not options.force and not is_our_output(fmt_path):
            raise InputError([Problem(f"文件 {fmt_path} 已存在，且已被编辑过（不是本程序刚写出的样子）；"
                                      "如确要替换，请加 --force", key="out", value=str(fmt_path))])
    files: list[Path] = []
    number = options.first_number
    if "table" in kinds:
        table = build_allocation_table(result, parent_of, names, settlement if timing else None,
                                       options.direct, inputs.note)
        heading = Heading(policy.title, number, _doc_number(options, policy),
                          default_subject(policy) if options.subject is None else options.subject)
        for fmt in options.formats:
            path = out / f"附件{number}_{policy.title}.{fmt}"
            (write_allocation_xlsx if fmt == "xlsx" else write_allocation_docx)(table, heading, path)
            files.append(path)
        number += 1
    if "targets" in kinds:
        defaults = Departments(program_name(policy))
        departments = Departments(program_name(policy), options.central_departments or defaults.central,
                                  options.local_departments or defaults.local, options.user or defaults.user)
        sheets = region_sheets(result, inputs.data, departments)
        title = targets_title(policy)
        for fmt in options.formats:
            path = out / f"附件{number}_{title}.{fmt}"
            write_targets = write_targets_xlsx if fmt == "xlsx" else write_targets_docx
            write_targets(sheets, title, departments, policy.rounding.decimals, path, inputs.note, number)
            files.append(path)
        number += 1
    if "note" in kinds:
        note = method_note(result, data_source_text(inputs.source, store), settlement, inputs.note)
        for suffix, write_note in ((".docx", write_method_note_docx), (".txt", write_method_note_txt)):
            path = out / f"{note.title}{suffix}"
            write_note(note, path)
            files.append(path)
    if "csv" in kinds:
        path = out / f"{policy.title}_系统导入.csv"
        write_systems_csv(systems_frame(result, parent_of, names, settlement), path)
        files.append(path)
    return DocumentsReport(tuple(files), inputs.note, timing, len(result.codes))


def _doc_number(options: DocumentOptions, policy: Policy) -> str:
    return f"〔{policy.year}〕  号" if options.doc_number is None else options.doc_number


def _check_document_options(options: DocumentOptions, policy: Policy) -> None:
    kinds = options.kinds or ()
    problems = [Problem(f"文档种类「{k}」不可用，应为 {' / '.join(DOCUMENT_KINDS)}", key="what", value=k)
                for k in kinds if k not in DOCUMENT_KINDS]
    problems += [Problem(f"文档格式「{f}」不可用，应为 {' / '.join(DOCUMENT_FORMATS)}", key="format", value=f)
                 for f in options.formats if f not in DOCUMENT_FORMATS]
    if not kinds:
        problems.append(Problem("没有要输出的文档：请至少选择一种（table / targets / note / csv）", key="what"))
    if options.timing and not any(p.advance_total is not None for p in policy.pools):
        problems.append(Problem(f"政策「{policy.id}」没有提前下达数（pools.*.advance_total），无法按全年 | 已提前下达 | "
                                f"此次下达列示", key="timing"))
    if "targets" in kinds and policy.performance is None:
        problems.append(Problem(f"政策「{policy.id}」没有 [performance] 部分，无法生成区域绩效目标表", key="performance"))
    if options.user is not None:
        try:
            options.user.format(name="")
        except (KeyError, IndexError, ValueError):
            problems.append(Problem(f"资金使用单位「{options.user}」只能使用占位符 {{name}}（地区名称）", key="user",
                                    value=options.user))
    if problems:
        raise InputError(problems)


__all__ += ["DocumentOptions", "DocumentsReport", "export_documents"]


# ---- analysis
# Sweeps, sensitivity, uncertainty, goal-seeking and pace of change over one (policy, data) pair.
# Specs written as text (CLI options, app inputs) are parsed here, so every caller gives the same message.

@contextmanager
def analysis_executor(workers: int = 1, scheduler: str | None = None) -> Iterator[Executor | None]:
    """The executor a batch runs on: in-process (None) for one worker, a process pool for several, or
    a Dask cluster's executor (`scheduler` = its address, or "local" for a local cluster; needs the
    `dask` extra)."""
    if scheduler:
        try:
            import distributed
        except ImportError:
            raise InputError([Problem("使用 Dask 集群需要安装 dask 附加组件：pip install 'allocator[dask]'",
                                      key="scheduler")]) from None
        if scheduler == "local":
            with distributed.LocalCluster(n_workers=max(1, workers), threads_per_worker=1,
                                          dashboard_address=None) as cluster, distributed.Client(cluster) as client:
                yield client.get_executor()
        else:
            with distributed.Client(scheduler) as client:
                yield client.get_executor()
    elif workers > 1:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            yield pool
    else:
        yield None


def _spec(text: str, what: str) -> tuple[str, list[float]]:
    """`path=a:b[:c]` → (path, [a, b, c]); numbers may end in %."""
    path, sep, values = text.partition("=")
    try:
        numbers = [float(v.strip().rstrip("%")) for v in values.split(":")] if sep else []
    except ValueError:
        numbers = []
    if not path.strip() or not numbers:
        raise InputError([Problem(f"{what}「{text}」写法有误，应为 参数路径=数值:数值（如 factors.need.weight=70:80）",
                                  key=what, value=text)])
    return path.strip(), numbers


def parse_ranges(texts: list[str]) -> dict[str, tuple[float, float]]:
    """`factors.need.weight=70:80` → {path: (70, 80)} (file units, % for weights)."""
    out = {}
    for text in texts:
        path, numbers = _spec(text, "范围")
        if len(numbers) != 2:
            raise InputError([Problem(f"范围「{text}」应为 下限:上限", key="范围", value=text)])
        out[path] = (numbers[0], numbers[1])
    return out


def parse_grid(texts: list[str]) -> dict[str, np.ndarray]:
    """`factors.need.weight=70:80:2` → {path: [70, 72, …, 80]}; a single number is one value."""
    out = {}
    for text in texts:
        path, numbers = _spec(text, "网格")
        if len(numbers) == 1:
            out[path] = np.array(numbers)
        elif len(numbers) == 3 and numbers[2] > 0 and numbers[1] >= numbers[0]:
            k = int(np.floor((numbers[1] - numbers[0]) / numbers[2] + 1e-9))
            out[path] = np.round(numbers[0] + numbers[2] * np.arange(k + 1), 10)
        else:
            raise InputError([Problem(f"网格「{text}」应为 起点:终点:步长（步长为正）或单个数值", key="网格", value=text)])
    return out


def parse_errors(texts: list[str], distribution: str = "uniform") -> list[DataNoise]:
    """`dibao_rural=5` (±5 %) → DataNoise(column, 0.05, distribution)."""
    out = []
    for text in texts:
        column, numbers = _spec(text, "数据误差")
        out.append(DataNoise(column, numbers[0] / 100, distribution))
    return out


def prepare_inputs(inputs: Inputs) -> Prepared:
    """The prepared pair every analysis starts from (checked and hashed once)."""
    return prepare(inputs.policy, inputs.data)


@dataclass(frozen=True)
class SweepReport:
    batch: BatchResult
    scenarios: pd.DataFrame  # 情景, parameters…, 可行, 保底地区数, 封顶地区数
    amounts: pd.DataFrame  # 地区代码, 地区名称, 基准(万元), then one column per scenario (万元)


def sweep(inputs: Inputs, scenarios: pd.DataFrame | str | Path | None = None, grid: dict | None = None,
          balance: str | None = None, executor: Executor | None = None, progress=None) -> SweepReport:
    """Every scenario of a table (columns = override paths; a .csv/.xlsx file or a DataFrame) or of a
    grid, through the batch engine; amounts equal single runs exactly."""
    prepared = prepare_inputs(inputs)
    if scenarios is None and not grid:
        raise InputError([Problem("请给出情景表（--scenarios）或网格（--grid）", key="scenarios")])
    if scenarios is not None and not isinstance(scenarios, pd.DataFrame):
        path = Path(scenarios)
        if not path.exists():
            raise InputError([Problem(f"情景表 {path} 不存在", key="scenarios", value=str(path))])
        scenarios = pd.read_excel(path) if path.suffix.lower() == ".xlsx" else pd.read_csv(path, encoding="utf-8-sig")
    frame = scenarios if scenarios is not None else grid_scenarios(prepared, grid or {}, balance)
    batch = evaluate(prepared, frame, executor=executor, progress=progress)
    base = what_if(prepared, {}) * prepared.unit
    table = frame.reset_index(drop=True).copy()
    table.insert(0, "情景", np.arange(1, len(table) + 1))
    table["可行"] = batch.feasible
    table["保底地区数"] = batch.at_floor.sum(axis=1)
    table["封顶地区数"] = batch.at_cap.sum(axis=1)
    amounts = pd.DataFrame({"地区代码": prepared.data.codes, "地区名称": prepared.data.names, "基准(万元)": base})
    wide = pd.DataFrame(batch.to_wan(batch.totals).T, columns=[f"情景{i}" for i in range(1, len(table) + 1)])
    return SweepReport(batch, table, pd.concat([amounts, wide], axis=1))


@dataclass(frozen=True)
class SensitivityReport:
    tornado: Tornado
    incentives: pd.DataFrame  # per region: marginal 万元 per 低保对象 / 万元 own input / score point


def sensitivity(inputs: Inputs, points: float = 5.0) -> SensitivityReport:
    """Tornado data (each weight ±points) and the incentive figures of every region."""
    prepared = prepare_inputs(inputs)
    return SensitivityReport(tornado(prepared, points), incentives(prepared))


def montecarlo(inputs: Inputs, ranges: dict[str, tuple[float, float]] | None = None,
               errors: list[DataNoise] | None = None, draws: int = 1000, seed: int = 0,
               executor: Executor | None = None, progress=None) -> Uncertainty:
    """Monte Carlo over weight ranges and data error (seeded): quantiles and floor/cap probabilities."""
    if draws < 1:
        raise InputError([Problem(f"抽样次数 {draws} 应为正整数", key="draws", value=draws)])
    if not ranges and not errors:
        raise InputError([Problem("请至少给出一个权重范围（--range）或数据误差（--error）", key="range")])
    return monte_carlo(prepare_inputs(inputs), ranges, errors, draws, seed, executor=executor, progress=progress)


def goal(inputs: Inputs, kind: str, ranges: dict[str, tuple[float, float]], threshold: float = 5.0,
         minimum: float | None = None, step: float = 1.0) -> GoalResult:
    """The weights within `ranges` that best meet the goal, with what stops it doing better."""
    if not ranges:
        raise InputError([Problem("请给出可调整的权重范围（--range）", key="range")])
    if step <= 0:
        raise InputError([Problem(f"步长 {step:g} 应为正数", key="step", value=step)])
    return seek(prepare_inputs(inputs), Goal(kind, threshold, minimum), ranges, step)


def pace(inputs: Inputs, years: int = 5, growth: float = 0.0) -> Pace:
    """Year-by-year amounts from last year's toward the formula target under floors and caps."""
    return pace_of_change(inputs.policy, inputs.data, years, growth)



__all__ += ["SensitivityReport", "SweepReport", "analysis_executor", "goal", "montecarlo", "pace", "parse_errors",
            "parse_grid", "parse_ranges", "prepare_inputs", "sensitivity", "sweep"]
