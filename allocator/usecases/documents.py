"""The notice's documents: 附件 分配表, 区域绩效目标表, 测算说明 and the CSV for systems import, written to a
folder or (for the app's design page) returned as file name → bytes.
"""
from __future__ import annotations

import dataclasses
import tempfile as _tempfile
from dataclasses import dataclass
from pathlib import Path

from allocator.dataset.reference import is_packaged, packaged_datasets
from allocator.errors import InputError, Problem
from allocator.export.allocation_table import (
    Heading,
    build_allocation_table,
    write_allocation_docx,
    write_allocation_xlsx,
)
from allocator.export.layout import attachment_number_problems
from allocator.export.method_note import method_note, note_title, write_method_note_docx, write_method_note_txt
from allocator.export.overwrite import is_our_output
from allocator.export.systems_csv import systems_frame, write_systems_csv
from allocator.export.targets_doc import (
    Departments,
    program_name,
    region_sheets,
    write_targets_docx,
    write_targets_xlsx,
)
from allocator.policy import Policy
from allocator.usecases.data_entry import list_datasets
from allocator.usecases.funds import region_parents, settle, targets_title
from allocator.usecases.references import DataSource, Inputs, parse_db_ref
from allocator.usecases.runs import run

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
    _check_document_options(dataclasses.replace(options, kinds=kinds), policy, inputs.data.codes)
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


def _check_document_options(options: DocumentOptions, policy: Policy, codes=()) -> None:
    kinds = options.kinds or ()
    problems = [Problem(f"文档种类「{k}」不可用，应为 {' / '.join(DOCUMENT_KINDS)}", key="what", value=k)
                for k in kinds if k not in DOCUMENT_KINDS]
    problems += [Problem(f"文档格式「{f}」不可用，应为 {' / '.join(DOCUMENT_FORMATS)}", key="format", value=f)
                 for f in options.formats if f not in DOCUMENT_FORMATS]
    problems += attachment_number_problems(options.first_number)
    known = set(codes)
    problems += [Problem(f"省直管县代码 {code} 不是数据中的地区", key="direct", region=code, value=code)
                 for code in options.direct if code not in known]
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
