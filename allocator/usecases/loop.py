"""The performance loop and matching: 绩效自评 templates, imports and scores, last year's results joined into
this year's data, and each region's 配套 burden.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from allocator.analysis.matching import MatchingRule, flagged, matching_burden
from allocator.dataset.importer import check_values, import_table
from allocator.dataset.reference import is_packaged, load_crosswalk
from allocator.dataset.store import DatasetStore, Version
from allocator.dataset.template import write_template
from allocator.engine import allocate
from allocator.errors import DataError, InputError, Problem, raise_if
from allocator.export.layout import attachment_number_problems
from allocator.export.overwrite import guard_output
from allocator.export.selfeval_doc import write_selfeval_docx, write_selfeval_xlsx
from allocator.export.targets_doc import program_name
from allocator.funds.selfeval import (
    RegionSelfEval,
    entry_problems,
    required_columns,
    results_frame,
    score_selfeval,
    summary_frame,
)
from allocator.policy import Policy
from allocator.usecases.data_entry import ImportReport, TemplateReport, check_dataset_name, regions_for
from allocator.usecases.references import (
    DataRef,
    DataSource,
    Inputs,
    PolicyRef,
    parse_db_ref,
    read_data,
    resolve_policy,
)

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
    raise_if(attachment_number_problems(number))
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
