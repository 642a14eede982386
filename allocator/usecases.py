"""Use cases shared by the CLI, the notebooks and the app: each takes references or objects, runs every
check that protects a user, and returns a result object. Nothing here prints.

A policy is named by a preset (`sichuan-2020`) or a file path; data by a shipped dataset name
(`sichuan-2020`, `example`), a stored version (`db:name` or `db:name@version`), a file path (.csv/.xlsx),
or a table already in memory. The same bad input gives the same Chinese message from every caller.
"""
from __future__ import annotations

import copy as _copy
import dataclasses
import json as _json
import tempfile as _tempfile
from collections.abc import Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as _np
import numpy as np
import pandas as pd

from allocator.analysis import fairness as _fairness
from allocator.analysis import metrics as _metrics
from allocator.analysis.batch import BatchResult, Prepared, evaluate, grid_scenarios, prepare, what_if
from allocator.analysis.goalseek import Goal, GoalResult, seek
from allocator.analysis.matching import MatchingRule, flagged, matching_burden
from allocator.analysis.pace import Pace
from allocator.analysis.pace import pace as pace_of_change
from allocator.analysis.sensitivity import Tornado, incentives, tornado
from allocator.analysis.uncertainty import DataNoise, Uncertainty, monte_carlo
from allocator.columns import column_label as _column_label
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
from allocator.dataset.reference import load_topology as _load_topology
from allocator.dataset.store import DatasetStore, Version
from allocator.dataset.template import write_template
from allocator.engine import AllocationResult, RegionData, allocate, check_for_policy
from allocator.errors import AllocatorError, DataError, InputError, Problem, raise_if
from allocator.export.allocation_table import (
    Heading,
    build_allocation_table,
    write_allocation_docx,
    write_allocation_xlsx,
)
from allocator.export.method_note import method_note, note_title, write_method_note_docx, write_method_note_txt
from allocator.export.overwrite import guard_output, is_our_output
from allocator.export.selfeval_doc import write_selfeval_docx, write_selfeval_xlsx
from allocator.export.systems_csv import systems_frame, write_systems_csv
from allocator.export.tables import result_frame as _result_frame
from allocator.export.tables import write_xlsx as _write_xlsx
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
from allocator.funds import advance_from_policy as _advance_from_policy
from allocator.funds import settle as settle_funds
from allocator.funds.selfeval import (
    RegionSelfEval,
    entry_problems,
    required_columns,
    results_frame,
    score_selfeval,
    summary_frame,
)
from allocator.funds.sources import source_purpose_units, source_totals
from allocator.policy import Policy, apply_overrides, diff, load_policy, policy_from_keyed, preset_names
from allocator.policy.model import Binding as _Binding
from allocator.policy.model import Objective, Parameter
from allocator.scenarios.store import SavedScenario, ScenarioExists, ScenarioStore

METHODS = ("fast", "lp")
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


def totals_by_source(result: AllocationResult) -> pd.DataFrame:
    """资金来源 × 用途 totals with a 小计 per source and the 合计 (万元): 213,294 = 186,650 + 26,644 in 2019."""
    return source_totals(result)


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



# ---- performance loop and matching

SELFEVAL_TITLE = "医疗救助资金绩效自评填报模板"
RESULT_COLUMNS = ("selfeval_score", "execution_rate", "balance_share")


def selfeval_system(policy: PolicyRef):
    """The policy and its [selfeval] 评价指标体系; a policy without one is named."""
    pol = resolve_policy(policy)
    if pol.selfeval is None:
        raise InputError([Problem(f"政策「{pol.id}」没有 [selfeval] 部分（绩效评价指标体系）；"
                                  "可用内置预设 sichuan-selfeval", key="selfeval")])
    return pol, pol.selfeval


def required_columns_for_selfeval(policy: PolicyRef) -> list[str]:
    """The entry columns of a policy's 自评 template, in template order."""
    return required_columns(selfeval_system(policy)[1])


def make_selfeval_template(out: str | Path, policy: PolicyRef, level: str = "county") -> TemplateReport:
    """A blank 绩效自评 entry template: per region 全年预算数/执行数 by source and each indicator's
    实际完成值 (and 年度指标值 where it differs by region), Chinese headers with units."""
    _, system = selfeval_system(policy)
    regions = regions_for(level)
    write_template(Path(out), regions, required_columns(system), None, title=SELFEVAL_TITLE)
    return TemplateReport(Path(out), len(regions))


def import_selfeval(file: str | Path, name: str, policy: PolicyRef, level: str = "county",
                    store: str | Path | None = None) -> ImportReport:
    """Check filled 自评 entries as factor data are checked (header search, codes, numbers, ranges,
    every problem at once) plus execution ≤ budget, and store them as a new dataset version."""
    check_dataset_name(name)
    _, system = selfeval_system(policy)

    def usable(frame: pd.DataFrame) -> None:
        raise_if(entry_problems(frame, system), DataError)

    db = DatasetStore(store)
    version, result = db.import_file(name, file, regions_for(level), load_crosswalk(),
                                     required_columns(system), None, usable)
    return ImportReport(version, list(result.notes), db.path)


@dataclass(frozen=True)
class SelfEvalReport:
    """Every region's scored 自评表, a one-line summary each, and the scores as next year's data."""

    policy: Policy
    evals: list[RegionSelfEval]
    summary: pd.DataFrame  # Chinese headers, for display
    results: pd.DataFrame  # column ids: code, name, selfeval_score, execution_rate, balance_share
    source: str  # the entries' reference (db:name@version, path …)
    note: str | None


def selfeval_title(policy: Policy) -> str:
    """2019年中央和省级财政医疗救助补助资金区域绩效自评表, from the allocation table's title."""
    return f"{policy.year}年{program_name(policy)}区域绩效自评表"


def write_selfeval_document(report: SelfEvalReport, out: str | Path, regions: tuple[str, ...] = (),
                            number: int | None = None, force: bool = False) -> Path:
    """The scored 自评表 of every region (or of `regions`) as an attachment, .xlsx or .docx by suffix,
    one page per region."""
    out = Path(out)
    if out.suffix.lower() not in (".xlsx", ".docx"):
        raise InputError([Problem(f"自评表文件 {out.name} 应为 .xlsx 或 .docx", key="out", value=str(out))])
    chosen = [e for e in report.evals if not regions or e.code in regions]
    missing = sorted(set(regions) - {e.code for e in chosen})
    if missing:
        raise InputError([Problem(f"自评数据中没有地区 {'、'.join(missing)}", key="region", value=missing[0])])
    guard_output(out, (report.source,), force)
    write = write_selfeval_xlsx if out.suffix.lower() == ".xlsx" else write_selfeval_docx
    write(chosen, selfeval_title(report.policy), out, report.note, number)
    return out


def selfeval(policy: PolicyRef, data: DataRef, level: str = "county",
             store: str | Path | None = None) -> SelfEvalReport:
    """Score the 自评 entries `data` (a stored version, a table, or a file — checked as an import
    checks it) under the policy's system."""
    pol, system = selfeval_system(policy)
    if isinstance(data, pd.DataFrame) or str(data).startswith("db:") or is_packaged(str(data)):
        source = read_data(data, store)
        frame = source.frame
        raise_if(check_values(frame), DataError)
    else:
        frame = import_table(data, regions_for(level), load_crosswalk(), required_columns(system)).frame
        source = DataSource(str(data), frame)
    evals = score_selfeval(pol, frame)
    return SelfEvalReport(pol, evals, summary_frame(evals), results_frame(evals), source.ref, source.note)


def store_selfeval_results(report: SelfEvalReport, name: str, store: str | Path | None = None) -> Version:
    """Keep the scores as a dataset version, noting which entries and which system they came from."""
    check_dataset_name(name)
    note = f"绩效自评得分：由 {report.source} 按政策 {report.policy.id}（{report.policy.digest[:12]}）计分"
    return DatasetStore(store).save(name, report.results, f"{report.source}", note=note)


@dataclass(frozen=True)
class LoopData:
    """This year's factor data with last year's 自评 results joined, and where each joined column came from."""

    frame: pd.DataFrame
    provenance: dict[str, str]  # column id → source of its values


def with_selfeval_results(data: DataRef, results: DataRef, store: str | Path | None = None) -> LoopData:
    """This year's region data with last year's scores (selfeval_score, execution_rate, balance_share)
    replacing any columns of the same name. Every region of the data must have a score."""
    base = read_data(data, store)
    scored = read_data(results, store)
    cols = [c for c in RESULT_COLUMNS if c in scored.frame.columns]
    if not cols:
        raise DataError([Problem(f"「{scored.ref}」中没有绩效自评结果列（selfeval_score 等）", key="selfeval_score")])
    joined = scored.frame.assign(code=scored.frame["code"].astype(str))[["code", *cols]]
    frame = base.frame.drop(columns=cols, errors="ignore").assign(code=base.frame["code"].astype(str))
    merged = frame.merge(joined, on="code", how="left", validate="one_to_one")
    lacking = merged[merged[cols[0]].isna()]
    if len(lacking):
        shown = "、".join(f"{c} {n}" for c, n in list(zip(lacking["code"], lacking.get("name", lacking["code"])))[:10])
        raise DataError([Problem(f"{len(lacking)} 个地区在「{scored.ref}」中没有上年绩效自评结果：{shown}",
                                 key="selfeval_score")])
    where = scored.ref
    if scored.ref.startswith("db:"):
        name, version = parse_db_ref(scored.ref)
        found = DatasetStore(store).versions(name)
        v = next((x for x in found if x.version == version), found[-1] if found else None)
        if v is not None:
            where = f"db:{v.name}@{v.version}（{v.file_name}，{v.imported_at}，校验码 {v.checksum[:12]}）"
    return LoopData(merged, {c: f"上年绩效自评结果 {where}" for c in cols})



@dataclass(frozen=True)
class MatchingReport:
    """Each county's matching burden under a rule, and the counties above the threshold."""

    table: pd.DataFrame  # Chinese headers (see allocator.analysis.matching.matching_burden)
    flagged: pd.DataFrame
    rule: MatchingRule
    note: str | None


def matching(inputs: Inputs, rule: MatchingRule | None = None) -> MatchingReport:
    """配套 burden of each region: the policy's allocation (all pools: money from above) × the matching
    share the rule asks, against the region's own 一般公共预算收入 (revenue) and 财政自给率
    (revenue ÷ expenditure); the actual 本级投入 (local_input) beside it when the data have it."""
    rule = rule or MatchingRule()
    cols = inputs.data.columns
    missing = [c for c in ("revenue", "expenditure") if c not in cols]
    if missing:
        raise DataError([Problem(f"配套测算需要数据列「{c}」", key=c) for c in missing])
    result = allocate(inputs.policy, inputs.data)
    table = matching_burden(result.codes, result.names, result.to_wan(result.region_units), cols["revenue"],
                            cols["expenditure"], rule, cols.get("local_input"))
    return MatchingReport(table, flagged(table), rule, inputs.note)


__all__ = ["DataSource", "ImportReport", "Inputs", "LoopData", "MatchingReport", "MatchingRule", "SelfEvalReport", "matching", "import_selfeval",
           "make_selfeval_template", "required_columns_for_selfeval", "selfeval", "store_selfeval_results", "with_selfeval_results", "TargetsReport", "TemplateReport", "TwoTierReport",
           "Validation", "check_table", "import_dataset", "list_datasets", "load_inputs", "make_template",
           "method_hint", "parse_db_ref", "read_data", "region_parents", "resolve_policy", "run", "settle",
           "targets", "targets_title", "totals_by_source", "two_tiers", "validate", "with_objective"]


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


# ---- app
# Use cases behind the Streamlit app (app/): scenarios as base + overrides, the views each page shows,
# saved scenarios, comparisons, a county's preview with a private what-if, downloads and the map.
# Frames for charts carry English column ids (CHART_LABELS gives the Chinese headers for downloads).




NEED_FACTOR = "need"  # the factor whose components count 困难群众 (first factor when a policy has none)
POPULATION_COLUMN = "hukou_population"
OWN_INPUT_COLUMN = "local_input"
DEEP_POVERTY_FLAG = "deep_poverty_county"

CHART_LABELS = {
    "code": "地区代码", "name": "地区名称", "prefecture": "所属市州", "total": "全年分配额(万元)",
    "base": "上年分配额(万元)", "change": "增减(万元)", "change_pct": "增减(%)", "per_capita": "人均(元/人)",
    "per_need": "每困难群众(元/人)", "binding": "约束情况", "scenario": "方案", "amount": "金额(万元)",
    "baseline": "基准方案(万元)", "alternative": "比较方案(万元)", "delta": "差额(万元)", "delta_pct": "差额(%)",
    "label": "项目", "kind": "类型", "start": "起点(万元)", "end": "终点(万元)", "block": "资金块",
    "floor": "保底额(万元)", "cap": "封顶额(万元)", "corrected": "修正后测算额(万元)",
    "constrained": "约束后金额(万元)", "cost": "约束调整额(万元)", "deep_poverty": "深度贫困县",
}


def chart_csv(frame: pd.DataFrame) -> bytes:
    """A chart's data as CSV (UTF-8 with BOM, Chinese headers) for download."""
    return frame.rename(columns=CHART_LABELS).to_csv(index=False).encode("utf-8-sig")


def table_csv(frame: pd.DataFrame, note: str | None = None) -> bytes:
    """A table as CSV (UTF-8 with BOM); a `note` (示例数据) becomes a last column on every row."""
    out = frame.copy()
    if note:
        out["数据说明"] = note
    return out.to_csv(index=False).encode("utf-8-sig")


def result_xlsx(result: AllocationResult, note: str | None = None) -> bytes:
    """The allocation workbook (分配表, 测算过程, 政策参数, 运行信息) as bytes, via the library's export."""
    with _tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "result.xlsx"
        _write_xlsx(result, path, note)
        return path.read_bytes()


# ---------------------------------------------------------------- scenarios as base + overrides

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
        current = _raw_at(base.raw, path)
        if isinstance(current, dict) and "value" in current and not isinstance(value, dict):
            current = current["value"]
        if isinstance(value, float) and isinstance(current, (int, float)) and not isinstance(current, bool):
            if abs(float(current) - value) < 1e-12:
                continue
        elif current == value:
            continue
        out[path] = value
    return out


def _raw_at(raw: dict[str, Any], path: str) -> Any:
    node: Any = raw
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def raw_value(policy: Policy, path: str, default: Any = None) -> Any:
    """The value written at a dotted path of the policy (a quantity's number), or `default`."""
    node = _raw_at(policy.raw, path)
    if isinstance(node, dict) and "value" in node:
        return node["value"]
    return default if node is None else node


# ---------------------------------------------------------------- the design view

def need_counts(policy: Policy, data: RegionData) -> _np.ndarray:
    """困难群众 per region (人): the plain sum of the need factor's component columns (sub-weights
    ignored, so the count of people does not move with the formula)."""
    factors = {f.id: f for f in policy.factors}
    factor = factors.get(NEED_FACTOR) or (policy.factors[0] if policy.factors else None)
    out = _np.zeros(len(data))
    if factor is None:
        return out
    for comp in factor.components:
        out = out + _np.nan_to_num(_np.asarray(data.columns[comp.column], dtype=float))
    return out


def deep_poverty_flags(data: RegionData) -> _np.ndarray | None:
    """1 for deep-poverty counties: the data's flag column, else the packaged Sichuan list by code."""
    if DEEP_POVERTY_FLAG in data.columns:
        return _np.asarray(data.columns[DEEP_POVERTY_FLAG], dtype=float)
    regions = load_regions()
    flags = dict(zip(regions["code"], regions[DEEP_POVERTY_FLAG]))
    if not any(str(c) in flags for c in data.codes):
        return None
    return _np.array([float(flags.get(str(c), 0)) for c in data.codes])


def prefecture_names(codes) -> list[str]:
    """The prefecture (市州) of each county code from the packaged list ('' when unknown)."""
    parent_of, names = parent_map()
    return [names.get(parent_of.get(str(c), ""), "") for c in codes]


@dataclass(frozen=True)
class DesignView:
    """Everything the design page shows for one run."""

    result: AllocationResult
    note: str | None
    headline: _metrics.Headline
    regions: pd.DataFrame  # chart data per region (English ids, see CHART_LABELS)
    table: pd.DataFrame  # the region × pool table with every trace stage, Chinese headers
    bindings: pd.DataFrame  # regions held by a floor or a cap, with the amount it moves
    correlations: dict[str, float]  # per-head aid vs need intensity and vs fiscal hardship
    sources: pd.DataFrame  # totals by funding source × purpose (see funding_sources)


def design_view(inputs: Inputs, result: AllocationResult | None = None) -> DesignView:
    """Run (unless a result is given) and build the headline metrics, the tables and the chart data."""
    result = result if result is not None else run(inputs)
    data, policy = inputs.data, inputs.policy
    base = _metrics.base_totals(result, data.columns)
    need = need_counts(policy, data)
    population = data.columns.get(POPULATION_COLUMN)
    deep = deep_poverty_flags(data)
    head = _metrics.headline(result, base, need, population, deep)
    regions = region_frame(result, base, need, population, deep)
    return DesignView(result, inputs.note, head, regions, region_table(result, regions),
                      binding_frame(result), correlations(regions, data), funding_sources(result))


def funding_sources(result: AllocationResult) -> pd.DataFrame:
    """Totals by funding source (rows: 中央一般公共预算 …, then 合计) × purpose (columns: 常规分配,
    深度贫困定向 …, then 小计), 万元, from `allocator.funds.sources`: each cell is a sum of the result's
    integer units, so rows and columns add up exactly (2019: 中央一般公共预算 186,650 | 26,644 | 213,294)."""

    cells = source_purpose_units(result)
    sources = list(dict.fromkeys(s for s, _ in cells))
    purposes = list(dict.fromkeys(p for _, p in cells))
    units = _np.array([[int(cells[(s, p)].sum()) if (s, p) in cells else 0 for p in purposes] for s in sources],
                      dtype=_np.int64).reshape(len(sources), len(purposes))
    present = _np.array([[(s, p) in cells for p in purposes] for s in sources], dtype=bool).reshape(units.shape)
    grid = _np.vstack([units, units.sum(axis=0, keepdims=True)])
    grid = _np.hstack([grid, grid.sum(axis=1, keepdims=True)])
    shown = _np.vstack([present, _np.ones((1, len(purposes)), dtype=bool)])
    shown = _np.hstack([shown, _np.ones((len(sources) + 1, 1), dtype=bool)])
    money = _np.where(shown, result.to_wan(grid), _np.nan)  # a source without that purpose: blank, not 0
    frame = pd.DataFrame(money, columns=[*purposes, "小计"])
    frame.insert(0, "资金来源", [*sources, "合计"])
    return frame


def off_map_regions(codes, topology: dict[str, Any]) -> list[str]:
    """The region codes that have no shape on the county map (e.g. a 市本级 such as 510800, or the
    example's 99xxxx codes): a map of these data would leave them out."""
    drawn = {str(g.get("properties", {}).get("adcode")) for g in topology["objects"]["data"]["geometries"]}
    return [str(c) for c in codes if str(c) not in drawn]


def region_frame(result: AllocationResult, base, need, population, deep) -> pd.DataFrame:
    """Per region: total, last year, change (万元, %), per-capita and per-困难群众 aid (元), binding."""
    totals = _metrics.region_totals(result)
    delta, share = _metrics.change(totals, base)
    floor, cap = _metrics.bindings(result)
    frame = pd.DataFrame({
        "code": result.codes.astype(str), "name": result.names.astype(str),
        "prefecture": prefecture_names(result.codes), "total": totals, "base": base, "change": delta,
        "change_pct": share * 100,
        "per_capita": _fairness.per_head(totals, population, _metrics.YUAN_PER_WAN) if population is not None
        else _np.nan,
        "per_need": _fairness.per_head(totals, need, _metrics.YUAN_PER_WAN),
        "binding": _np.where(floor, "保底", _np.where(cap, "封顶", "")),
    })
    frame["deep_poverty"] = (_np.asarray(deep) > 0) if deep is not None else False
    return frame


def region_table(result: AllocationResult, regions: pd.DataFrame) -> pd.DataFrame:
    """The region × pool table (Chinese headers): pools and 合计, last year, change, per-head aid, binding,
    then every stage of the trace (the export's 测算过程 columns)."""
    full = _result_frame(result)
    n_money = 2 + len(result.policy.pools) + 1  # code, name, pools, total
    extra = pd.DataFrame({
        "所属市州": regions["prefecture"], "上年分配额(万元)": regions["base"], "增减(万元)": regions["change"],
        "增减(%)": regions["change_pct"].round(2), "人均(元/人)": regions["per_capita"].round(2),
        "每困难群众(元/人)": regions["per_need"].round(2), "保底/封顶生效": regions["binding"],
    })
    head, tail = full.iloc[:, :n_money], full.iloc[:, n_money:]
    return pd.concat([head.iloc[:, :2], extra[["所属市州"]], head.iloc[:, 2:], extra.drop(columns="所属市州"), tail],
                     axis=1)


def binding_frame(result: AllocationResult) -> pd.DataFrame:
    """Regions held by a floor or a cap in each block: the bound, the formula amount and what it moved."""
    rows = []
    for block in result.policy.blocks:
        p = "" if block.id == "shared" else f"{block.id}:"
        codes = result.trace[p + "binding"]
        label = "共同因素资金" if block.id == "shared" else block.pools[0].label
        for i in _np.flatnonzero((codes == _Binding.FLOOR.value) | (codes == _Binding.CAP.value)):
            corrected, constrained = float(result.trace[p + "corrected"][i]), float(result.trace[p + "constrained"][i])
            rows.append({"code": str(result.codes[i]), "name": str(result.names[i]), "block": label,
                         "binding": "保底" if codes[i] == _Binding.FLOOR.value else "封顶",
                         "floor": float(result.trace[p + "floor"][i]), "cap": float(result.trace[p + "cap"][i]),
                         "corrected": corrected, "constrained": constrained, "cost": constrained - corrected})
    columns = ["code", "name", "block", "binding", "floor", "cap", "corrected", "constrained", "cost"]
    return pd.DataFrame(rows, columns=columns)


def correlations(regions: pd.DataFrame, data: RegionData) -> dict[str, float]:
    """Correlation (weighted by population) of per-capita aid with need intensity (困难群众 per
    inhabitant) and with fiscal hardship (1 − revenue / expenditure), when the data have them."""
    out: dict[str, float] = {}
    cols = data.columns
    if POPULATION_COLUMN not in cols:
        return out
    pop = _np.asarray(cols[POPULATION_COLUMN], dtype=float)
    ok = (pop > 0) & _np.isfinite(regions["per_capita"].to_numpy(dtype=float))
    aid = regions["per_capita"].to_numpy(dtype=float)
    need_rate = regions["per_capita"].to_numpy(dtype=float) / _np.where(
        regions["per_need"].to_numpy(dtype=float) > 0, regions["per_need"].to_numpy(dtype=float), _np.nan)
    ok_need = ok & _np.isfinite(need_rate)
    out["need"] = _fairness.correlation(aid[ok_need], need_rate[ok_need], pop[ok_need])
    if "revenue" in cols and "expenditure" in cols:
        rev, exp = _np.asarray(cols["revenue"], dtype=float), _np.asarray(cols["expenditure"], dtype=float)
        ok_fiscal = ok & (exp > 0)
        hardship = 1 - rev[ok_fiscal] / exp[ok_fiscal]
        out["hardship"] = _fairness.correlation(aid[ok_fiscal], hardship, pop[ok_fiscal])
    return out


# ---------------------------------------------------------------- saved scenarios

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


# ---------------------------------------------------------------- reform summary

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


# ---------------------------------------------------------------- comparison

@dataclass(frozen=True)
class Compared:
    label: str
    inputs: Inputs
    view: DesignView


@dataclass(frozen=True)
class ComparisonView:
    deltas: pd.DataFrame  # per region and alternative: baseline, alternative, delta (万元, %)
    metrics: pd.DataFrame  # headline metrics, one column per scenario
    changes: dict[str, pd.DataFrame]  # alternative label → reform summary against the baseline
    maps: pd.DataFrame  # per region and scenario: change against the baseline (for maps side by side)


def headline_rows(head: _metrics.Headline) -> dict[str, float]:
    """The headline metrics with Chinese names, in display order."""
    return {
        "资金合计(万元)": head.total, "保底生效地区数": head.n_floor, "封顶生效地区数": head.n_cap,
        "比上年减少超过5%的地区数": head.n_losing, "增加的地区数": head.winners.winners,
        "减少的地区数": head.winners.losers, "深度贫困县分得(万元)": head.deep_poverty_amount,
        "深度贫困县占比(%)": head.deep_poverty_share * 100, "人均(元/人)": head.per_capita,
        "每困难群众(元/人)": head.per_need, "每困难群众补助的基尼系数": head.gini_per_need,
        "每困难群众补助的泰尔指数": head.theil_per_need, "人均补助的基尼系数": head.gini_per_capita,
    }


def compare(baseline: Compared, alternatives: list[Compared]) -> ComparisonView:
    """Per-region deltas, headline metrics side by side and the parameter changes of each alternative."""
    base = baseline.view.regions
    deltas, maps = [], [base.assign(scenario=baseline.label, delta=0.0)]
    for alt in alternatives:
        other = alt.view.regions.set_index("code").reindex(base["code"])
        delta, share = _metrics.change(other["total"].to_numpy(), base["total"].to_numpy())
        deltas.append(pd.DataFrame({
            "scenario": alt.label, "code": base["code"], "name": base["name"], "prefecture": base["prefecture"],
            "baseline": base["total"], "alternative": other["total"].to_numpy(), "delta": delta,
            "delta_pct": share * 100}))
        maps.append(alt.view.regions.assign(scenario=alt.label, delta=delta))
    columns = ["scenario", "code", "name", "prefecture", "baseline", "alternative", "delta", "delta_pct"]
    metrics_frame = pd.DataFrame({c.label: headline_rows(c.view.headline) for c in [baseline, *alternatives]})
    metrics_frame.index.name = "指标"
    changes = {alt.label: reform_summary(baseline.inputs.policy, alt.inputs.policy) for alt in alternatives}
    return ComparisonView(pd.concat(deltas, ignore_index=True) if deltas else pd.DataFrame(columns=columns),
                          metrics_frame.reset_index(), changes, pd.concat(maps, ignore_index=True))


# ---------------------------------------------------------------- county preview

@dataclass(frozen=True)
class CountyPreview:
    code: str
    name: str
    prefecture: str
    steps: list[_metrics.Step]  # the waterfall on the shared data
    pools: pd.DataFrame  # per pool: last year, this year, change, advance, still to issue (万元)
    what_if_steps: list[_metrics.Step] | None  # the waterfall after the private what-if, if any
    what_if_total: float | None  # 万元
    per_person: float  # 万元 gained per extra person in need (before rounding)
    per_input: float  # 万元 gained per extra 万元 of own input (before rounding)
    marginal_note: str
    figures: pd.DataFrame  # the county's own figures (column, 标签, value)


def county_choices(inputs: Inputs) -> dict[str, str]:
    """Region code → 'name（prefecture）' for a search box."""
    names = prefecture_names(inputs.data.codes)
    return {str(c): f"{n}（{p}）" if p else str(n) for c, n, p in zip(inputs.data.codes, inputs.data.names, names)}


def find_regions(inputs: Inputs, text: str) -> list[str]:
    """Codes of the regions whose name or code contains `text`."""
    text = text.strip()
    return [c for c, label in county_choices(inputs).items() if text and (text in label or text in c)]


def with_region_changes(inputs: Inputs, code: str, changes: dict[str, float]) -> Inputs:
    """A private copy of the inputs with one region's figures changed (added deltas); the shared data
    are never touched. Refuses unknown columns and values that become negative."""
    frame = inputs.source.frame.copy()
    rows = frame.index[frame["code"].astype(str) == code]
    problems = []
    for column, delta in changes.items():
        if column not in frame.columns:
            problems.append(Problem(f"数据中没有「{_column_label(column)}」列", key=column, region=code))
            continue
        value = float(frame.loc[rows, column].iloc[0]) + float(delta)
        if value < 0:
            problems.append(Problem(f"{code} 的「{_column_label(column)}」调整后为 {value:g}，不能为负",
                                    key=column, region=code, value=value))
        frame[column] = frame[column].astype(float)
        frame.loc[rows, column] = value
    if problems:
        raise InputError(problems, title="模拟调整有误")
    return load_inputs(inputs.policy, frame)


def _marginal(inputs: Inputs, base_amount: float, i: int, code: str, column: str | None, delta: float) -> float:
    if column is None or column not in inputs.data.columns:
        return float("nan")
    moved = run(with_region_changes(inputs, code, {column: delta}))
    return _metrics.marginal(base_amount, float(_metrics.constrained_totals(moved)[i]), delta)


def county_preview(inputs: Inputs, code: str, pool: str | None = None,
                   changes: dict[str, float] | None = None) -> CountyPreview:
    """One county's expected transfer explained, last year vs this year, advance and still to issue,
    an optional private what-if on its own figures, and its marginal gains per person and per 万元."""
    result = run(inputs)
    codes = result.codes.astype(str)
    if code not in set(codes):
        raise InputError([Problem(f"数据中没有地区代码「{code}」", key="code", value=code)])
    i = int(_np.flatnonzero(codes == code)[0])
    advance = _advance_from_policy(inputs.policy, inputs.data) if any(
        p.advance_total for p in inputs.policy.pools) else None
    pool_index = {p.id: j for j, p in enumerate(inputs.policy.pools)}
    advance_wan = None
    if advance is not None:
        units = advance[i].sum() if pool is None else advance[i, pool_index[pool]]
        advance_wan = float(result.to_wan(units))
    steps = _metrics.waterfall(result, code, pool, advance_wan)
    what_steps, what_total = None, None
    if changes:
        moved = run(with_region_changes(inputs, code, changes))
        what_steps = _metrics.waterfall(moved, code, pool, advance_wan)
        what_total = float(moved.to_wan(moved.amounts[i].sum() if pool is None else moved.amounts[i, pool_index[pool]]))
    before = float(_metrics.constrained_totals(result)[i])
    need_factor = next((f for f in inputs.policy.factors if f.id == NEED_FACTOR), None)
    need_column = need_factor.components[0].column if need_factor else None
    per_person = _marginal(inputs, before, i, code, need_column, 100.0) if need_column else float("nan")
    per_input = _marginal(inputs, before, i, code, OWN_INPUT_COLUMN, 10.0)
    floor, cap = _metrics.bindings(result)
    note = ("该地区受保底约束：小幅增加人数或投入不改变分配额" if floor[i] else
            "该地区受封顶约束：小幅增加人数或投入不改变分配额" if cap[i] else
            f"按增加 100 名{_column_label(need_column or '')}、本级投入增加 10 万元测算（取整前金额）")
    return CountyPreview(code, str(result.names[i]), prefecture_names([code])[0], steps,
                         _county_pools(inputs, result, i, advance), what_steps, what_total, per_person, per_input,
                         note, _county_figures(inputs, i))


@dataclass(frozen=True)
class CountyMatching:
    """A county's 配套 burden under a matching rule, beside the transfer it receives (see `matching`)."""

    received: float  # 万元 from above (all pools, full year)
    share: float  # matching share asked, share of 1
    asked: float  # matching money asked, 万元
    revenue: float  # own 一般公共预算收入, 万元
    burden: float  # asked ÷ revenue, share of 1 (inf when the county has no revenue)
    over: bool  # burden above the rule's threshold
    threshold: float  # share of 1
    actual: float | None  # the county's actual 本级投入 (万元), when the data have it
    actual_ratio: float | None  # actual ÷ received, share of 1
    n_over: int  # counties above the threshold in the whole table


def county_matching(inputs: Inputs, code: str, rule: MatchingRule | None = None) -> CountyMatching | None:
    """One county's row of `matching` (issue 13: 盐边县 put in 69.3 % of what it received), or None when
    the data have no 一般公共预算收入/支出 to measure a burden against."""
    if "revenue" not in inputs.data.columns or "expenditure" not in inputs.data.columns:
        return None
    report = matching(inputs, rule)
    table = report.table.assign(地区代码=report.table["地区代码"].astype(str)).set_index("地区代码")
    if code not in table.index:
        raise InputError([Problem(f"数据中没有地区代码「{code}」", key="code", value=code)])
    row: dict[Any, Any] = table.loc[code].to_dict()
    actual = row.get("本级实际投入(万元)")
    ratio = row.get("实际配套比例(本级投入÷上级补助)")
    return CountyMatching(float(row["上级补助(万元)"]), float(row["配套比例"]), float(row["应配套资金(万元)"]),
                          float(row["一般公共预算收入(万元)"]), float(row["配套占本级收入比重"]),
                          bool(row["超过警戒线"] == "是"), report.rule.threshold,
                          None if actual is None or pd.isna(actual) else float(actual),
                          None if ratio is None or pd.isna(ratio) else float(ratio), len(report.flagged))


def _county_pools(inputs: Inputs, result: AllocationResult, i: int, advance) -> pd.DataFrame:
    rows = []
    for j, pool in enumerate(inputs.policy.pools):
        this_year = float(result.to_wan(result.amounts[i, j]))
        last = float(inputs.data.columns[pool.base_column][i]) if pool.base_column in inputs.data.columns else _np.nan
        adv = float(result.to_wan(advance[i, j])) if advance is not None else _np.nan
        rows.append({"资金池": pool.label, "上年(万元)": last, "本年(万元)": this_year, "增减(万元)": this_year - last,
                     "已提前下达(万元)": adv, "此次下达(万元)": this_year - adv if advance is not None else _np.nan})
    frame = pd.DataFrame(rows)
    total = frame.drop(columns="资金池").sum(min_count=1)
    return pd.concat([frame, pd.DataFrame([{"资金池": "合计", **total.to_dict()}])], ignore_index=True)


def _county_figures(inputs: Inputs, i: int) -> pd.DataFrame:
    cols = [c for c in inputs.policy.data_columns if c in inputs.data.columns and not c.startswith("base_")]
    return pd.DataFrame({"column": cols, "项目": [_column_label(c) for c in cols],
                         "数值": [float(inputs.data.columns[c][i]) for c in cols]})


def waterfall_frame(steps: list[_metrics.Step]) -> pd.DataFrame:
    """Bars of a waterfall chart: label, amount, start, end, kind (增加 | 减少 | 合计), in order."""
    rows, level = [], 0.0
    for order, s in enumerate(steps):
        if s.total:
            rows.append({"order": order, "label": s.label, "amount": s.amount, "start": 0.0, "end": s.amount,
                         "kind": "合计"})
            level = s.amount
        else:
            rows.append({"order": order, "label": s.label, "amount": s.amount, "start": level,
                         "end": level + s.amount, "kind": "增加" if s.amount >= 0 else "减少"})
            level += s.amount
    return pd.DataFrame(rows, columns=["order", "label", "amount", "start", "end", "kind"])


# ---------------------------------------------------------------- data page

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


# ---------------------------------------------------------------- map

def _ring_area(ring: list[int], arcs: list[list[list[float]]]) -> float:
    """Signed area (lon × lat, positive = counter-clockwise) of a TopoJSON ring of decoded arcs."""
    points: list[list[float]] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    xy = _np.asarray(points, dtype=float)
    x, y = xy[:, 0], xy[:, 1]
    return float((x * _np.roll(y, -1) - _np.roll(x, -1) * y).sum() / 2)


def _decoded_arcs(topology: dict[str, Any]) -> list[list[list[float]]]:
    """Arcs in longitude/latitude (quantised, delta-encoded arcs undone with the transform)."""
    transform = topology.get("transform")
    out = []
    for arc in topology["arcs"]:
        xy = _np.asarray(arc, dtype=float)
        if transform:
            xy = _np.cumsum(xy, axis=0) * transform["scale"] + transform["translate"]
        out.append(xy.tolist())
    return out


def _oriented(rings: list[list[int]], arcs) -> list[list[int]]:
    """Outer ring clockwise, holes counter-clockwise (d3/Vega's spherical convention): a ring the other
    way round is reversed (arcs in reverse order, each arc index i → ~i)."""
    out = []
    for k, ring in enumerate(rings):
        area = _ring_area(ring, arcs)
        wrong = area > 0 if k == 0 else area < 0
        out.append([~a for a in reversed(ring)] if wrong else list(ring))
    return out


def map_topology() -> dict[str, Any]:
    """The county boundaries (TopoJSON, object `data`, properties.adcode) with every ring oriented for
    Vega/d3 (outer rings clockwise). A fresh copy: GeoJSON-ordered rings would fill the whole canvas."""
    topology = _copy.deepcopy(_load_topology())
    arcs = _decoded_arcs(topology)
    for geometry in topology["objects"]["data"]["geometries"]:
        if geometry["type"] == "Polygon":
            geometry["arcs"] = _oriented(geometry["arcs"], arcs)
        elif geometry["type"] == "MultiPolygon":
            geometry["arcs"] = [_oriented(polygon, arcs) for polygon in geometry["arcs"]]
    return topology


def ring_areas(topology: dict[str, Any]) -> list[float]:
    """Signed area of every outer ring (negative = clockwise), to check a topology's orientation."""
    arcs = _decoded_arcs(topology)
    out: list[float] = []
    for geometry in topology["objects"]["data"]["geometries"]:
        polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
        out.extend(_ring_area(polygon[0], arcs) for polygon in polygons)
    return out


APP_DOCUMENTS = ("table", "note")  # the design page offers the 分配表 (.xlsx, .docx) and the 测算说明 (.docx)


def document_files(inputs: Inputs, store: str | Path | None = None) -> dict[str, bytes]:
    """The notice's attachments for a scenario as file name → bytes, written by `export_documents`: 附件1
    分配表 (.xlsx, .docx) and the 测算说明 (.docx; its .txt twin is left out), in that order."""
    with _tempfile.TemporaryDirectory() as folder:
        report = export_documents(inputs, folder, DocumentOptions(kinds=APP_DOCUMENTS), store)
        return {f.name: f.read_bytes() for f in report.files if f.suffix in (".xlsx", ".docx")}


def document_names(policy: Policy) -> list[str]:
    """The file names `document_files` gives, without writing them (for download buttons that write
    only when clicked): 附件1_<title>.xlsx, 附件1_<title>.docx, <测算说明 title>.docx."""

    return [f"附件1_{policy.title}.xlsx", f"附件1_{policy.title}.docx", f"{note_title(policy)}.docx"]


def comparable(a: Inputs, b: Inputs) -> bool:
    """Two scenarios can be compared region by region when their data hold the same regions."""
    return sorted(map(str, a.data.codes)) == sorted(map(str, b.data.codes))


def scenario_json(overrides: dict[str, Any]) -> str:
    """Overrides as readable JSON (for showing or copying a scenario's diff)."""
    return _json.dumps(overrides, ensure_ascii=False, indent=2, sort_keys=True)


__all__ += ["CHART_LABELS", "Compared", "ComparisonView", "CountyMatching", "CountyPreview", "DesignView",
            "SavedScenario", "ScenarioExists", "chart_csv", "changed_overrides", "check_upload", "comparable",
            "compare", "county_choices", "county_matching", "county_preview", "document_files", "document_names",
            "funding_sources",
            "off_map_regions", "data_choices", "dataset_table", "delete_scenario", "describe_path", "design_view",
            "duplicate_scenario", "find_regions", "headline_rows", "import_upload", "list_scenarios",
            "load_scenario", "map_topology", "problems_frame", "raw_value", "reform_summary", "rename_scenario",
            "result_xlsx", "ring_areas", "save_scenario", "scenario_exists", "scenario_inputs", "scenario_json",
            "scenario_policy", "table_csv", "template_bytes", "waterfall_frame", "with_region_changes"]


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
