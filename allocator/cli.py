"""Command line: parses arguments, calls `allocator.usecases`, prints. No allocation, validation or data
lookup happens here: the app and the notebooks call the same use cases, and files are written through
them too (`usecases.write_*`), never by `allocator.export` directly.

Importing this module stays cheap (`allocator --help` answers at once): the use cases load on first use,
and pandas, rich, the analysis, openpyxl and python-docx are imported only by the commands that need them.

Every user-facing error (an `AllocatorError`) becomes its Chinese message and exit code 1; anything
else is a bug and keeps its traceback.
"""
from __future__ import annotations

import functools
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from allocator import usecases
from allocator.cli_usage import ChineseGroup
from allocator.errors import AllocatorError, InputError, Problem
from allocator.policy.model import OBJECTIVES

if TYPE_CHECKING:
    import pandas as pd

app = typer.Typer(cls=ChineseGroup, add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False,
                  help="因素法资金分配模拟器（医疗救助补助资金）")

PolicyOption = Annotated[str, typer.Option("--policy", "-p", help="政策：内置预设名（如 sichuan-2020）或政策文件（TOML）")]
DataOption = Annotated[str | None, typer.Option(
    "--data", "-d", help="地区数据：内置数据集名、.csv/.xlsx 文件，或本地数据库中的 db:名称[@版本]；默认用政策指定的数据")]
ForceOption = Annotated[bool, typer.Option("--force", help="输出文件已存在且不是本程序写出的结果时，仍然替换它")]
StoreOption = Annotated[Path | None, typer.Option("--store", help="数据库文件（默认见 ALLOCATOR_STORE）")]


def _for_people(command):
    """A user-facing error → its Chinese message on stderr and exit code 1."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except AllocatorError as exc:
            _fail(exc)
        except BrokenPipeError:  # output piped into `head`: nothing to report
            raise typer.Exit(code=0) from None
        except sqlite3.Error as exc:
            _fail(InputError([f"数据库无法读写：{exc}"], title="数据库错误"))
        except OSError as exc:
            _fail(InputError([f"无法读写文件 {exc.filename or ''}：{exc.strerror or exc}"], title="文件错误"))
    return wrapper


def _fail(exc: Exception) -> None:
    typer.echo(str(exc), err=True)
    raise typer.Exit(code=1)


def _suffix(out: Path | None, suffixes: tuple[str, ...]) -> Path | None:
    if out is not None and out.suffix.lower() not in suffixes:
        raise InputError([Problem(f"输出文件 {out.name} 应为 {' 或 '.join(suffixes)}", key="--out", value=str(out))])
    return out


def _out(out: Path | None, suffixes: tuple[str, ...], inputs: tuple = (), force: bool = False) -> Path | None:
    checked = _suffix(out, suffixes)
    return None if checked is None else usecases.check_output(checked, inputs, force)


def _echo_note(note: str | None) -> None:
    if note:
        typer.echo(note)


def _echo_frame(frame: pd.DataFrame) -> None:
    import pandas as pd

    with pd.option_context("display.max_rows", 500, "display.width", 200, "display.max_columns", 50):
        typer.echo(frame.to_string(index=False))


@app.command()
@_for_people
def run(
    policy: PolicyOption,
    data: DataOption = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="输出文件 .csv 或 .xlsx")] = None,
    objective: Annotated[str | None, typer.Option(help=f"目标函数：{' / '.join(OBJECTIVES)}")] = None,
    method: Annotated[str, typer.Option(help="fast（精确快速算法）或 lp（PuLP/HiGHS 模型）")] = "fast",
    force: ForceOption = False,
) -> None:
    """按政策分配资金，打印汇总表，并可写出 .csv/.xlsx。"""
    out = _out(out, (".csv", ".xlsx"), (policy, data), force)
    inputs = usecases.load_inputs(policy, data, objective)
    result = usecases.run(inputs, method)
    _echo_note(inputs.note)
    _echo_note(usecases.method_hint(inputs.policy, method))
    typer.echo(result.summary())
    typer.echo("按资金来源与用途：")
    _echo_frame(usecases.totals_by_source(result))
    table = result.table().rename(columns=result.column_labels())
    table["约束情况"] = result.binding_labels
    _echo_frame(table)
    if out:
        usecases.write_run(result, out, inputs.note)
        typer.echo(f"已写出：{out}")


@app.command()
@_for_people
def validate(policy: PolicyOption, data: DataOption = None,
             show: Annotated[bool, typer.Option("--show", help="打印合并基础政策后的完整政策（TOML）")] = False) -> None:
    """检查政策与数据（含保底、封顶与预算能否同时满足），列出全部问题；无误时打印参数清单。"""
    report = usecases.validate(usecases.load_inputs(policy, data))
    pol = report.policy
    base = f"，基础政策 {pol.base}" if pol.base else ""
    typer.echo(f"政策与数据检查通过：{pol.title}（{report.n_regions} 个地区，{len(report.parameters)} 个参数{base}）")
    for p in report.parameters:
        typer.echo(f"  {p.path} = {p.shown} {p.unit}（来源：{p.source}）")
    if show:
        from allocator.policy import to_toml

        typer.echo(to_toml(pol))


@app.command("diff")
@_for_people
def diff_(
    policy: PolicyOption,
    against: Annotated[str | None, typer.Option("--against", help="与之比较的政策；默认为该政策的基础政策（base）")] = None,
) -> None:
    """列出两个政策之间不同的参数（默认：一个改革政策相对其基础政策改了什么）。"""
    changes = usecases.policy_changes(policy, against)
    typer.echo(f"「{changes.new.id}」相对「{changes.old.id}」：{len(changes.rows)} 处不同")
    for path, old, new in changes.rows:
        typer.echo(f"  {path}：{old if old is not None else '（无）'} → {new if new is not None else '（删除）'}")


@app.command()
@_for_people
def settle(
    policy: PolicyOption,
    data: DataOption = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="输出 .xlsx")] = None,
    rule: Annotated[str | None, typer.Option(help="提前下达超过全年数时：claw_back（收回）或 raise_to_advance（提高到提前下达数）；默认按政策文件")] = None,
    force: ForceOption = False,
) -> None:
    """正式分配与清算：全年数、提前下达数、此次下达数。"""
    out = _out(out, (".xlsx",), (policy, data), force)
    inputs = usecases.load_inputs(policy, data)
    settlement = usecases.settle(inputs, rule)
    _echo_note(inputs.note)
    typer.echo(settlement.full_year.summary())
    table = settlement.table()
    _echo_frame(table[["地区代码", "地区名称", "合计·全年", "合计·提前下达", "合计·此次下达", "说明"]])
    for row in usecases.settlement_notes(settlement).itertuples(index=False):
        if not row[0]:  # the per-region notes are in the table above; here the dates and the rule
            typer.echo(f"{row[1]}：{row[2]}")
    if out:
        usecases.write_settlement(settlement, out, inputs.note)
        typer.echo(f"已写出：{out}")


@app.command()
@_for_people
def tiers(
    policy: PolicyOption,
    data: DataOption = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="输出 .xlsx")] = None,
    city_share: Annotated[float, typer.Option("--city-share", help="市本级留用比例（%），按资金池向下取整")] = 0.0,
    direct: Annotated[str | None, typer.Option(help="省直管县代码，逗号分隔（作为市州级分配对象）")] = None,
    relax: Annotated[bool, typer.Option(help="市州内保底/封顶无法满足时不设约束分配并注明（否则报错）")] = False,
    force: ForceOption = False,
) -> None:
    """两级分配：省→市州（按所辖县数据汇总）→县，并与直接分配到县比较每个县的差额。"""
    out = _out(out, (".xlsx",), (policy, data), force)
    report = usecases.two_tiers(policy, data, city_share, direct or "", relax)
    top = report.two_tier.top
    _echo_note(report.note)
    typer.echo(top.summary())
    _echo_frame(top.table().rename(columns=top.column_labels()))
    for line in report.two_tier.notes:
        typer.echo(f"注意：{line}")
    digits = top.policy.rounding.decimals
    typer.echo(f"经市州分配与直接分配到县相比：{report.n_changed} 个县金额不同，"
               f"差额绝对值合计 {report.abs_difference:,.{digits}f} 万元，最大 {report.max_difference:,.{digits}f} 万元")
    if out:
        usecases.write_two_tiers(report, out)
        typer.echo(f"已写出：{out}")


@app.command()
@_for_people
def targets(
    policy: PolicyOption,
    data: DataOption = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="输出 .xlsx")] = None,
    force: ForceOption = False,
) -> None:
    """区域绩效目标表：每个地区的资金情况、年度总体目标与绩效指标（随文下达）。"""
    out = _out(out, (".xlsx",), (policy, data), force)
    report = usecases.targets(usecases.load_inputs(policy, data))
    _echo_note(report.note)
    first = report.tables[0]
    typer.echo(f"共 {len(report.tables)} 个地区的区域绩效目标表。示例：{first.code} {first.name}")
    typer.echo(f"  资金 {first.total:g} 万元（中央 {first.central:g}，地方 {first.local:g}）")
    typer.echo(f"  年度总体目标：{first.goal}")
    _echo_frame(first.indicators)
    if out:
        usecases.write_targets(report, out)
        typer.echo(f"已写出：{out}")


LevelOption = Annotated[str, typer.Option("--level", help="county（183 个县）或 prefecture（21 个市州）")]
KindOption = Annotated[str, typer.Option("--kind", help="factors（因素数据，默认）或 selfeval（绩效自评数据）")]


def _check_kind(kind: str) -> None:
    if kind != "factors":
        raise InputError([Problem(f"--kind 应为 factors 或 selfeval，而不是「{kind}」", key="--kind", value=kind)])


@app.command()
@_for_people
def template(
    out: Annotated[Path, typer.Option("--out", "-o", help="模板文件 .xlsx 或 .csv")],
    level: LevelOption = "county",
    policy: Annotated[str | None, typer.Option("--policy", "-p", help="按此政策所需的列与资金池生成（可选）")] = None,
    force: ForceOption = False,
    kind: KindOption = "factors",
) -> None:
    """生成空白填报模板：中文表头与单位，每个地区一行（代码、名称已填）。"""
    usecases.check_output(out, (policy,), force)
    if kind == "selfeval":
        report = usecases.make_selfeval_template(out, policy or "sichuan-selfeval", level)
    else:
        _check_kind(kind)
        report = usecases.make_template(out, level, policy)
    typer.echo(f"已写出填报模板：{report.path}（{report.n_regions} 个地区）")


@app.command("import")
@_for_people
def import_(
    file: Annotated[Path, typer.Argument(help="填好的数据文件 .xlsx 或 .csv（UTF-8 或 GB18030）")],
    name: Annotated[str, typer.Option("--name", help="数据集名称，如 sichuan-county-2021")] = "sichuan-county",
    level: LevelOption = "county",
    policy: Annotated[str | None, typer.Option("--policy", "-p", help="检查此政策所需的列是否齐全（可选）")] = None,
    store: StoreOption = None,
    kind: KindOption = "factors",
) -> None:
    """校验数据文件并存为数据库中的新版本；有任何问题时全部列出，不写入任何内容。"""
    if kind == "selfeval":
        report = usecases.import_selfeval(file, name, policy or "sichuan-selfeval", level, store)
    else:
        _check_kind(kind)
        report = usecases.import_dataset(file, name, level, policy, store)
    version = report.version
    for note in report.notes:
        typer.echo(f"提示：{note}")
    if version.new:
        typer.echo(f"已导入「{name}」第 {version.version} 版：{version.n_rows} 个地区，文件 {version.file_name}，"
                   f"校验码 {version.checksum[:12]}，时间 {version.imported_at}")
    else:
        typer.echo(f"与「{name}」第 {version.version} 版内容相同（校验码 {version.checksum[:12]}），未重复保存")
    where = f"ALLOCATOR_STORE={report.store} " if store else ""
    typer.echo(f"使用方法：{where}allocator run --policy <政策> --data db:{name}@{version.version}")


@app.command()
@_for_people
def datasets(
    name: Annotated[str | None, typer.Argument(help="数据集名称；省略则列出全部数据集")] = None,
    store: StoreOption = None,
) -> None:
    """列出内置数据集与本地数据库中的数据集及其各版本（文件名、时间、校验码）。"""
    if name is None:
        for builtin, label in usecases.builtin_datasets().items():
            typer.echo(f"{builtin}\t（内置）{label}")
    for v in usecases.list_datasets(name, store):
        typer.echo(f"db:{v.name}@{v.version}\t{v.imported_at}\t{v.file_name}\t{v.n_rows} 行\t{v.checksum[:12]}")


@app.command()
def presets() -> None:
    """列出内置政策预设。"""
    for name, title in usecases.builtin_presets().items():
        typer.echo(f"{name}\t{title}")


# ---- performance loop and matching

@app.command("selfeval")
@_for_people
def selfeval_(
    data: Annotated[str, typer.Option("--data", "-d", help="自评数据：db:名称[@版本] 或 .xlsx/.csv 文件")],
    policy: Annotated[str, typer.Option("--policy", "-p", help="含 [selfeval] 指标体系的政策")] = "sichuan-selfeval",
    region: Annotated[str | None, typer.Option("--region", help="打印此地区的自评表（地区代码）")] = None,
    save_as: Annotated[str | None, typer.Option("--save-as", help="把得分存为数据库中的数据集（供下一年分配读取）")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="得分表 .csv")] = None,
    doc: Annotated[Path | None, typer.Option("--doc", help="区域绩效自评表附件 .xlsx 或 .docx（每个地区一页；有 --region 时只写该地区）")] = None,
    number: Annotated[int | None, typer.Option("--number", help="附件编号")] = None,
    store: StoreOption = None,
    force: ForceOption = False,
) -> None:
    """绩效自评计分：按政策的评价指标体系为每个地区的自评表打分。"""
    target = _out(out, (".csv",), (data,), force)
    report = usecases.selfeval(policy, data, store=store)
    _echo_note(report.note)
    _echo_frame(report.summary)
    if region is not None:
        found = [e for e in report.evals if e.code == region]
        if not found:
            raise InputError([Problem(f"自评数据中没有地区 {region}", key="--region", value=region)])
        e = found[0]
        typer.echo(f"\n{e.code} {e.name} 绩效自评表（{report.policy.year}年度）")
        _echo_frame(e.budget)
        typer.echo(f"年度总体目标：{e.goal}\n全年实际完成情况：{e.achieved}")
        _echo_frame(e.indicators)
    if target is not None:
        usecases.write_table(report.summary, target)
        typer.echo(f"已写出：{target}")
    if doc is not None:
        written = usecases.write_selfeval_document(report, doc, (region,) if region else (), number, force)
        typer.echo(f"已写出：{written}")
    if save_as:
        v = usecases.store_selfeval_results(report, save_as, store)
        typer.echo(f"得分已存为 db:{v.name}@{v.version}；并入下一年因素数据：allocator loop-data --data <下一年数据> "
                   f"--scores db:{v.name}@{v.version} --out <文件>")



@app.command("loop-data")
@_for_people
def loop_data(
    data: Annotated[str, typer.Option("--data", "-d", help="下一年的地区因素数据（内置数据集名、文件或 db:名称[@版本]）")],
    scores: Annotated[str, typer.Option("--scores", help="上年绩效自评得分（allocator selfeval --save-as 存入的 db:名称[@版本]）")],
    out: Annotated[Path, typer.Option("--out", "-o", help="合并后的数据 .csv")],
    store: StoreOption = None,
    force: ForceOption = False,
) -> None:
    """把上年绩效自评得分（selfeval_score、execution_rate、balance_share）并入下一年因素数据，注明来源。"""
    target = _out(out, (".csv",), (data,), force)
    joined = usecases.with_selfeval_results(data, scores, store)
    assert target is not None
    usecases.write_loop_data(joined, target)
    for column, source in joined.provenance.items():
        typer.echo(f"「{column}」取自{source}")
    typer.echo(f"已写出：{target}；分配：allocator run --policy sichuan-2020-loop --data {target}")


def _percents(text: str | None, what: str) -> tuple[float, ...]:
    """"30,60" → (0.3, 0.6); a word that is not a number is named."""
    if not text:
        return ()
    try:
        return tuple(float(x) / 100 for x in text.replace("，", ",").split(",") if x.strip())
    except ValueError:
        raise InputError([Problem(f"{what}「{text}」应为以逗号分隔的百分数，如 30,60", key=what, value=text)]) from None


@app.command("matching")
@_for_people
def matching_(
    policy: PolicyOption,
    data: DataOption = None,
    share: Annotated[float, typer.Option("--share", help="统一配套比例：占上级补助的百分比")] = 20.0,
    classes: Annotated[str | None, typer.Option("--classes", help="按财力分档：财政自给率分档界限（%），如 30,60")] = None,
    class_shares: Annotated[str | None, typer.Option("--class-shares", help="各档配套比例（%），比界限多一个，如 10,20,30")] = None,
    threshold: Annotated[float, typer.Option("--threshold", help="警戒线：应配套资金占本级一般公共预算收入的百分比")] = 1.0,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="配套负担表 .csv 或 .xlsx")] = None,
    show_all: Annotated[bool, typer.Option("--all", help="打印全部地区（默认只打印超过警戒线的地区）")] = False,
    force: ForceOption = False,
) -> None:
    """县级配套负担：按配套规则测算各地应配套资金、占本级收入比重，并标出超过警戒线的地区。"""
    target = _out(out, (".csv", ".xlsx"), (policy, data), force)
    rule = usecases.MatchingRule(share=share / 100, class_edges=_percents(classes, "--classes"),
                                 class_shares=_percents(class_shares, "--class-shares"), threshold=threshold / 100)
    report = usecases.matching(usecases.load_inputs(policy, data), rule)
    _echo_note(report.note)
    how = (f"按财力分档（界限 {classes}%，比例 {class_shares}%）" if rule.class_shares else f"统一 {share:g}%")
    typer.echo(f"配套规则：{how}，警戒线：应配套资金超过本级一般公共预算收入的 {threshold:g}%")
    typer.echo(f"超过警戒线的地区：{len(report.flagged)} 个（共 {len(report.table)} 个）")
    _echo_frame(report.table if show_all else report.flagged)
    if target is not None:
        _echo_written(usecases.write_tables(target, (policy, data), force, {"配套负担": report.table}))


# ---- analysis: sweep | sensitivity | montecarlo | goal | pace

RangeOption = Annotated[list[str] | None, typer.Option(
    "--range", "-r", help="可调整范围，可重复：参数路径=下限:上限（如 factors.need.weight=70:80，单位同政策文件）")]
WorkersOption = Annotated[int, typer.Option("--workers", help="并行进程数（默认 1，在本进程内计算）")]
SchedulerOption = Annotated[str | None, typer.Option(
    "--scheduler", help="Dask 集群地址（如 tcp://host:8786），local 为本机集群；需安装 allocator[dask]")]
AnalysisOut = Annotated[Path | None, typer.Option("--out", "-o", help="输出 .csv 或 .xlsx")]


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr; yields the callback the batch engine calls after each chunk."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _echo_written(paths: list[Path]) -> None:
    typer.echo("已写出：" + "、".join(str(p) for p in paths))


@app.command()
@_for_people
def sweep(
    policy: PolicyOption,
    data: DataOption = None,
    scenarios: Annotated[Path | None, typer.Option("--scenarios", "-s", help="情景表 .csv/.xlsx：每列一个参数路径，每行一个情景")] = None,
    grid: Annotated[list[str] | None, typer.Option("--grid", "-g", help="网格，可重复：参数路径=起点:终点:步长")] = None,
    balance: Annotated[str | None, typer.Option(help="平衡权重（如 factors.effort.weight）：取 100% 减去同组其他权重")] = None,
    workers: WorkersOption = 1,
    scheduler: SchedulerOption = None,
    out: AnalysisOut = None,
    force: ForceOption = False,
) -> None:
    """批量情景：按情景表或参数网格逐一分配（结果与逐次运行完全一致），写出各情景各地区金额。"""
    out = _suffix(out, (".csv", ".xlsx"))  # written by usecases.write_tables, which guards every file
    inputs = usecases.load_inputs(policy, data)
    grid_axes = usecases.parse_grid(grid or [])
    with usecases.analysis_executor(workers, scheduler) as executor, _progress("批量情景") as progress:
        start = time.perf_counter()
        report = usecases.sweep(inputs, scenarios, grid_axes, balance, executor, progress)
        seconds = time.perf_counter() - start
    _echo_note(inputs.note)
    batch = report.batch
    refused = int(batch.refused.sum())
    infeasible = int((~batch.feasible).sum()) - refused
    typer.echo(f"{len(report.scenarios)} 个情景 × {batch.totals.shape[1]} 个地区，用时 {seconds:.2f} 秒；"
               f"可行 {int(batch.feasible.sum())} 个，不可行 {infeasible} 个"
               + (f"，参数不合规而拒绝 {refused} 个（原因见「拒绝原因」列）" if refused else ""))
    _echo_frame(report.scenarios.head(20))
    if out:
        _echo_written(usecases.write_tables(out, (policy, data), force, {"分配额": report.amounts, "情景": report.scenarios}))


@app.command()
@_for_people
def sensitivity(
    policy: PolicyOption,
    data: DataOption = None,
    points: Annotated[float, typer.Option(help="每个权重上下调整的百分点数")] = 5.0,
    region: Annotated[str | None, typer.Option(help="打印该地区（代码）的龙卷风图数据")] = None,
    out: AnalysisOut = None,
    force: ForceOption = False,
) -> None:
    """敏感性：各权重上下调整若干百分点时各地区金额的变化（龙卷风图数据），以及各县的激励（边际金额）。"""
    out = _suffix(out, (".csv", ".xlsx"))  # written by usecases.write_tables, which guards every file
    inputs = usecases.load_inputs(policy, data)
    report = usecases.sensitivity(inputs, points)
    _echo_note(inputs.note)
    frame = report.tornado.frame
    swing = frame.groupby(["因素", "权重变化(百分点)"])["变化(万元)"].agg(
        受影响地区数=lambda v: int((v != 0).sum()), 最大增加=lambda v: v.max(), 最大减少=lambda v: v.min()).reset_index()
    typer.echo(f"各权重 ±{points:g} 个百分点（其余权重按比例增减，合计仍为 100%）：")
    _echo_frame(swing)
    if region:
        typer.echo(f"地区 {region}：")
        _echo_frame(report.tornado.for_region(region))
    typer.echo("激励（每增加一个单位本地指标所增加的分配额，已计入保底与封顶；封顶地区为 0）：")
    _echo_frame(report.incentives.head(20))
    if out:
        _echo_written(usecases.write_tables(out, (policy, data), force, {"龙卷风图": frame, "激励": report.incentives}))


@app.command()
@_for_people
def montecarlo(
    policy: PolicyOption,
    data: DataOption = None,
    range_: RangeOption = None,
    error: Annotated[list[str] | None, typer.Option(
        "--error", "-e", help="数据误差，可重复：列名=百分比（如 dibao_rural=5 表示 ±5%）")] = None,
    distribution: Annotated[str, typer.Option(help="数据误差分布：uniform（均匀）或 normal（正态，百分比为标准差）")] = "uniform",
    draws: Annotated[int, typer.Option(help="抽样次数")] = 1000,
    seed: Annotated[int, typer.Option(help="随机种子（相同种子得到相同结果）")] = 0,
    workers: WorkersOption = 1,
    scheduler: SchedulerOption = None,
    out: AnalysisOut = None,
    force: ForceOption = False,
) -> None:
    """不确定性：在权重范围与数据误差内随机抽样，给出各地区金额的 P10/P50/P90 及处于保底、封顶的概率。"""
    out = _suffix(out, (".csv", ".xlsx"))  # written by usecases.write_tables, which guards every file
    inputs = usecases.load_inputs(policy, data)
    ranges = usecases.parse_ranges(range_ or [])
    errors = usecases.parse_errors(error or [], distribution)
    with usecases.analysis_executor(workers, scheduler) as executor, _progress("蒙特卡洛抽样") as progress:
        result = usecases.montecarlo(inputs, ranges, errors, draws, seed, executor, progress)
    _echo_note(inputs.note)
    summary = result.summary
    typer.echo(f"{draws} 次抽样（种子 {seed}），不可行 {result.infeasible} 次")
    spread = (summary["P90(万元)"] - summary["P10(万元)"]).sort_values(ascending=False).index
    typer.echo("P10–P90 区间最宽的地区：")
    _echo_frame(summary.loc[spread[:20]])
    if out:
        _echo_written(usecases.write_tables(out, (policy, data), force, {"分位数": summary, "抽样": result.draws}))


@app.command()
@_for_people
def goal(
    policy: PolicyOption,
    data: DataOption = None,
    kind: Annotated[str, typer.Option("--goal", help="目标：losers（降幅超过阈值的地区最少）/ alignment（人均补助与需求最一致）/ deep_poverty_minimum（深度贫困县最低额）")] = "losers",
    range_: RangeOption = None,
    threshold: Annotated[float, typer.Option(help="losers：降幅阈值（%）")] = 5.0,
    minimum: Annotated[float | None, typer.Option(help="deep_poverty_minimum：每县最低额（万元）；省略则使最低额尽可能高")] = None,
    step: Annotated[float, typer.Option(help="搜索步长（百分点），之后按 1/5、1/25 细化")] = 1.0,
    out: AnalysisOut = None,
    force: ForceOption = False,
) -> None:
    """目标寻优：在允许的权重范围内寻找最能实现目标的权重，并说明实现程度与限制因素。"""
    out = _suffix(out, (".csv", ".xlsx"))  # written by usecases.write_tables, which guards every file
    inputs = usecases.load_inputs(policy, data)
    result = usecases.goal(inputs, kind, usecases.parse_ranges(range_ or []), threshold, minimum, step)
    _echo_note(inputs.note)
    for line in result.notes:
        typer.echo(line)
    typer.echo(("目标已实现" if result.met else "目标未完全实现") + f"（共评估 {result.evaluations} 组权重）")
    if out:
        import pandas as pd

        weights = pd.DataFrame({"参数": list(result.weights), "权重(%)": list(result.weights.values())})
        _echo_written(usecases.write_tables(out, (policy, data), force, {"分配额": result.allocation, "权重": weights,
                                          "说明": pd.DataFrame({"说明": result.notes})}))


@app.command()
@_for_people
def pace(
    policy: PolicyOption,
    data: DataOption = None,
    years: Annotated[int, typer.Option(help="年数（3–5 年为宜）")] = 5,
    growth: Annotated[float, typer.Option(help="资金总额年增长率（%）")] = 0.0,
    out: AnalysisOut = None,
    force: ForceOption = False,
) -> None:
    """逐年调整：从上年分配额出发，在保底与封顶约束下逐年接近公式测算额；给出收敛年数与受约束地区。"""
    out = _suffix(out, (".csv", ".xlsx"))  # written by usecases.write_tables, which guards every file
    inputs = usecases.load_inputs(policy, data)
    result = usecases.pace(inputs, years, growth)
    _echo_note(inputs.note)
    _echo_frame(result.summary)
    if result.converged_year is None:
        typer.echo(f"{years} 年内未收敛：第 {years} 年仍有 {len(result.held_back())} 个地区受保底或封顶约束")
        _echo_frame(result.held_back().head(20))
    else:
        typer.echo(f"第 {result.converged_year} 年起所有地区均按公式测算额分配（不再受保底或封顶约束）")
    if out:
        _echo_written(usecases.write_tables(out, (policy, data), force, {"逐年": result.years, "汇总": result.summary}))


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(t.strip() for t in (text or "").replace("，", ",").split(",") if t.strip())


@app.command("export")
@_for_people
def export(
    policy: PolicyOption,
    data: DataOption = None,
    out_dir: Annotated[Path, typer.Option("--out-dir", "-o", help="输出目录（不存在时创建）")] = Path("文件附件"),
    what: Annotated[str, typer.Option(help="输出哪些，逗号分隔：table（分配表）, targets（区域绩效目标表）, "
                                           "note（测算说明）, csv（系统导入）；默认全部（政策无绩效目标时不含 targets）")] = "",
    fmt: Annotated[str, typer.Option("--format", help="分配表与绩效目标表的格式，逗号分隔：xlsx, docx")] = "xlsx,docx",
    timing: Annotated[bool | None, typer.Option("--timing/--no-timing", help="按全年 | 已提前下达 | 此次下达 | 收回列示；默认有提前下达时列示")] = None,
    number: Annotated[int, typer.Option("--number", help="第一个附件的编号（分配表为附件N，绩效目标表为附件N+1）")] = 1,
    doc_number: Annotated[str | None, typer.Option("--doc-number", help="文号（默认留空位：〔年度〕  号）")] = None,
    subject: Annotated[str | None, typer.Option("--subject", help="科目（默认医疗救助政策为 2101301 城乡医疗救助）")] = None,
    direct: Annotated[str | None, typer.Option(help="省直管县代码，逗号分隔：在分配表中单列一组（默认随所属市州）")] = None,
    local_departments: Annotated[str | None, typer.Option(
        "--local-departments", help="绩效目标表的地方主管部门（默认：省财政厅、省医疗保障局）")] = None,
    user: Annotated[str | None, typer.Option(
        "--user", help="绩效目标表的资金使用单位，{name} 为地区名称（默认：{name}医疗保障局）")] = None,
    store: StoreOption = None,
    force: ForceOption = False,
) -> None:
    """输出可直接随文印发的附件：分配表、区域绩效目标表（.xlsx/.docx）、测算说明（.docx/.txt）、系统导入 CSV。"""
    inputs = usecases.load_inputs(policy, data, store=store)
    options = usecases.DocumentOptions(force=force, kinds=_split(what) or None, formats=_split(fmt), timing=timing, first_number=number,
                                       doc_number=doc_number, subject=subject, direct=_split(direct),
                                       local_departments=local_departments, user=user)
    report = usecases.export_documents(inputs, out_dir, options, store)
    _echo_note(report.note)
    layout = "全年 | 已提前下达 | 此次下达 | 收回" if report.timing else "按资金来源与用途"
    typer.echo(f"{inputs.policy.title}：{report.n_regions} 个地区，分配表{layout}列示")
    for path in report.files:
        typer.echo(f"已写出：{path}")


if __name__ == "__main__":
    app()
