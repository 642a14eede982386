"""Command line: run, validate, settle, tiers, targets, template, import, datasets.

Every command turns bad input into a Chinese message and exit code 1, never a traceback.
"""
from __future__ import annotations

import functools
import sqlite3
from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer

from allocator.engine import RegionData, allocate, check_for_policy
from allocator.dataset.reference import demo_note
from allocator.engine.inputs import read_table, unknown_listed_regions
from allocator.errors import InfeasibleError, InputError
from allocator.export import write_result
from allocator.policy import apply_overrides, load_policy, policy_from_keyed
from allocator.policy.model import OBJECTIVES

METHODS = ("fast", "lp")

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False,
                  help="因素法资金分配模拟器（医疗救助补助资金）")

PolicyOption = Annotated[Path, typer.Option("--policy", "-p", help="政策文件（TOML）")]
DataOption = Annotated[Optional[Path], typer.Option(
    "--data", "-d", help="地区数据（.csv/.xlsx，或本地数据库中的 db:名称[@版本]），默认用政策文件指定的数据")]


def _for_people(command):
    """Bad input of any kind → its Chinese message on stderr and exit code 1."""
    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (InputError, InfeasibleError) as exc:
            _fail(exc)
        except BrokenPipeError:  # output piped into `head`: nothing to report
            raise typer.Exit(code=0) from None
        except sqlite3.Error as exc:
            _fail(InputError([f"数据库无法读写：{exc}"], title="数据库错误"))
        except OSError as exc:
            _fail(InputError([f"无法读写文件 {exc.filename or ''}：{exc.strerror or exc}"], title="文件错误"))
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
            _fail(InputError([f"无法读取或处理输入：{exc}"]))
    return wrapper


def _load(policy_path: Path, data_path: Path | None, objective: str | None = None):
    """Policy, validated region data, and the 示例数据 note when the data are the embedded demo figures."""
    policy, frame, note = _load_frame(policy_path, data_path, objective)
    data = RegionData.from_frame(frame)
    check_for_policy(policy, data)
    problems = unknown_listed_regions(policy, data)
    if problems:
        raise InputError(problems, title="数据有误")
    return policy, data, note


def _with_objective(policy, objective: str):
    if objective not in OBJECTIVES:
        raise InputError([f"--objective「{objective}」不可用，应为 {' / '.join(OBJECTIVES)} 之一"])
    if "constraints" in policy.raw:
        return apply_overrides(policy, {"constraints.objective": objective})
    keyed = {**policy.raw, "constraints": {"objective": objective, "source": "scenario"}}
    return policy_from_keyed(keyed)


def _xlsx(out: Path | None) -> Path | None:
    if out is not None and out.suffix.lower() != ".xlsx":
        raise InputError([f"输出文件 {out.name} 应为 .xlsx 工作簿"])
    return out


def _load_frame(policy_path: Path, data_path: Path | None, objective: str | None = None):
    """Policy, the region table as read (before validation), and the 示例数据 note."""
    policy = load_policy(policy_path)
    if objective:
        policy = _with_objective(policy, objective)
    path = data_path or policy.dataset
    if path is None:
        raise InputError(["政策文件未指定数据（policy.dataset），请用 --data 给出地区数据文件"])
    return policy, _read_data(path), demo_note(path)


def _read_data(path) -> pd.DataFrame:
    """A region table from a file, or from the local database as db:<name> or db:<name>@<version>."""
    text = str(path)
    if not text.startswith("db:"):
        return read_table(path)
    from allocator.dataset.store import DatasetStore

    name, _, version = text[3:].partition("@")
    if version and not version.isdigit():
        raise InputError([f"数据「{text}」的版本号「{version}」应为正整数，写法为 db:名称@版本"])
    try:
        return DatasetStore().load(name, int(version) if version else None)
    except KeyError as exc:
        raise InputError([str(exc.args[0])]) from None


def _fail(exc: Exception) -> None:
    typer.echo(str(exc), err=True)
    raise typer.Exit(code=1)


@app.command()
@_for_people
def run(
    policy: PolicyOption,
    data: DataOption = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="输出文件 .csv 或 .xlsx")] = None,
    objective: Annotated[Optional[str], typer.Option(help=f"目标函数：{' / '.join(OBJECTIVES)}")] = None,
    method: Annotated[str, typer.Option(help="fast（精确快速算法）或 lp（PuLP/HiGHS 模型）")] = "fast",
) -> None:
    """按政策文件分配资金，打印汇总表，并可写出 .csv/.xlsx。"""
    if method not in METHODS:
        raise InputError([f"--method「{method}」不可用，应为 fast 或 lp"])
    if out is not None and out.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError([f"输出文件 {out.name} 应为 .csv 或 .xlsx"])
    pol, region_data, note = _load(policy, data, objective)
    result = allocate(pol, region_data, method=method)
    _echo_note(note)
    if method == "lp" and pol.constraints.objective == "least_squares":
        typer.echo("说明：最小二乘目标（least_squares）由精确算法求解；--method lp 用于 least_absolute 与 minimax_relative")
    typer.echo(result.summary())
    table = result.table().rename(columns=result.column_labels())
    table["约束情况"] = result.binding
    with pd.option_context("display.max_rows", 500, "display.width", 200):
        typer.echo(table.to_string(index=False))
    if out:
        write_result(result, out, note)
        typer.echo(f"已写出：{out}")


@app.command()
@_for_people
def validate(policy: PolicyOption, data: DataOption = None) -> None:
    """检查政策文件与数据（含保底、封顶与预算能否同时满足），列出全部问题；无误时打印参数清单。"""
    pol, region_data, _ = _load(policy, data)
    allocate(pol, region_data)  # floors, caps and budget: an infeasible policy is refused with its reasons
    typer.echo(f"政策文件与数据检查通过：{pol.title}（{len(region_data)} 个地区，{len(pol.parameters)} 个参数）")
    for p in pol.parameters:
        typer.echo(f"  {p.path} = {p.value:g} {p.unit}（来源：{p.source}）")


def _parents(frame: pd.DataFrame) -> tuple[dict[str, str], dict[str, str]]:
    """County → prefecture links: the table's parent_code column if it has one, else the Sichuan list."""
    from allocator.dataset.reference import parent_map

    if "parent_code" not in frame.columns:
        return parent_map()
    parent_of = dict(zip(frame["code"].astype(str), frame["parent_code"].astype(str)))
    _, names = parent_map()
    return parent_of, {p: names.get(p, p) for p in set(parent_of.values())}


@app.command()
@_for_people
def settle(
    policy: PolicyOption,
    data: DataOption = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="输出 .xlsx")] = None,
    rule: Annotated[Optional[str], typer.Option(help="提前下达超过全年数时：claw_back（收回）或 raise_to_advance（提高到提前下达数）；默认按政策文件")] = None,
) -> None:
    """正式分配与清算：全年数、提前下达数、此次下达数（提前下达 = 上年分配 × 提前下达总额 / 上年总额）。"""
    from allocator.export.funds import settlement_notes_frame, write_settlement_xlsx
    from allocator.funds import settle as settle_funds

    out = _xlsx(out)
    pol, region_data, note = _load(policy, data)
    settlement = settle_funds(pol, region_data, rule=rule)
    _echo_note(note)
    typer.echo(settlement.full_year.summary())
    table = settlement.table()
    _echo_frame(table[["地区代码", "地区名称", "合计·全年", "合计·提前下达", "合计·此次下达", "说明"]])
    for row in settlement_notes_frame(settlement).itertuples(index=False):
        if not row[0]:  # the per-region notes are in the table above; here the dates and the rule
            typer.echo(f"{row[1]}：{row[2]}")
    if out:
        write_settlement_xlsx(settlement, out, note)
        typer.echo(f"已写出：{out}")


@app.command()
@_for_people
def tiers(
    policy: PolicyOption,
    data: DataOption = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="输出 .xlsx")] = None,
    city_share: Annotated[float, typer.Option("--city-share", help="市本级留用比例（%），按资金池向下取整")] = 0.0,
    direct: Annotated[Optional[str], typer.Option(help="省直管县代码，逗号分隔（作为市州级分配对象）")] = None,
    relax: Annotated[bool, typer.Option(help="市州内保底/封顶无法满足时不设约束分配并注明（否则报错）")] = False,
) -> None:
    """两级分配：省→市州（按所辖县数据汇总）→县，并与直接分配到县比较每个县的差额。"""
    from allocator.export.funds import write_two_tier_xlsx
    from allocator.funds import allocate_two_tier, compare_paths

    out = _xlsx(out)
    pol, counties, note = _load_frame(policy, data)
    region_data = RegionData.from_frame(counties.drop(columns=["parent_code"], errors="ignore"))
    check_for_policy(pol, region_data)
    parent_of, names = _parents(counties)
    codes = tuple(c.strip() for c in (direct or "").split(",") if c.strip())
    two_tier = allocate_two_tier(pol, counties, parent_of, names, direct=codes,
                                 city_share=city_share / 100, relax_infeasible=relax)
    comparison = compare_paths(two_tier, allocate(pol, region_data))
    _echo_note(note)
    typer.echo(two_tier.top.summary())
    top = two_tier.top.table().rename(columns=two_tier.top.column_labels())
    _echo_frame(top)
    for line in two_tier.notes:
        typer.echo(f"注意：{line}")
    moved = comparison.dropna(subset=["difference"])
    digits = pol.rounding.decimals
    typer.echo(f"经市州分配与直接分配到县相比：{int((moved['difference'].round(digits) != 0).sum())} 个县金额不同，"
               f"差额绝对值合计 {moved['difference'].abs().sum():,.{digits}f} 万元，"
               f"最大 {moved['difference'].abs().max():,.{digits}f} 万元")
    if out:
        write_two_tier_xlsx(two_tier, out, comparison, note)
        typer.echo(f"已写出：{out}")


@app.command()
@_for_people
def targets(
    policy: PolicyOption,
    data: DataOption = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="输出 .xlsx")] = None,
) -> None:
    """区域绩效目标表：每个地区的资金情况、年度总体目标与绩效指标（随文下达）。"""
    from allocator.export.funds import write_targets_xlsx
    from allocator.funds import target_tables

    out = _xlsx(out)
    pol, region_data, note = _load(policy, data)
    tables = target_tables(allocate(pol, region_data), region_data)
    _echo_note(note)
    first = tables[0]
    typer.echo(f"共 {len(tables)} 个地区的区域绩效目标表。示例：{first.code} {first.name}")
    typer.echo(f"  资金 {first.total:g} 万元（中央 {first.central:g}，地方 {first.local:g}）")
    typer.echo(f"  年度总体目标：{first.goal}")
    _echo_frame(first.indicators)
    if out:
        title = f"{pol.year}年{pol.title.removeprefix(str(pol.year) + '年').removesuffix('分配表')}区域绩效目标表"
        write_targets_xlsx(tables, out, title, note)
        typer.echo(f"已写出：{out}")


LevelOption = Annotated[str, typer.Option("--level", help="county（183 个县）或 prefecture（21 个市州）")]


def _regions(level: str) -> pd.DataFrame:
    from allocator.dataset.reference import load_regions

    if level not in ("county", "prefecture"):
        _fail(InputError([f"--level 应为 county 或 prefecture，而不是「{level}」"]))
    return load_regions(level)


@app.command()
@_for_people
def template(
    out: Annotated[Path, typer.Option("--out", "-o", help="模板文件 .xlsx 或 .csv")],
    level: LevelOption = "county",
    policy: Annotated[Optional[Path], typer.Option("--policy", "-p", help="按此政策所需的列与资金池生成（可选）")] = None,
) -> None:
    """生成空白填报模板：中文表头与单位，每个地区一行（代码、名称已填）。"""
    from allocator.dataset.template import write_template

    columns, pools = None, None
    if policy:
        pol = load_policy(policy)
        columns = [c for c in pol.data_columns if not c.startswith("base_")]
        pools = pol.pools
    regions = _regions(level)
    write_template(out, regions, columns, pools)
    typer.echo(f"已写出填报模板：{out}（{len(regions)} 个地区）")


@app.command("import")
@_for_people
def import_(
    file: Annotated[Path, typer.Argument(help="填好的数据文件 .xlsx 或 .csv（UTF-8 或 GB18030）")],
    name: Annotated[str, typer.Option("--name", help="数据集名称，如 sichuan-county-2021")] = "sichuan-county",
    level: LevelOption = "county",
    policy: Annotated[Optional[Path], typer.Option("--policy", "-p", help="检查此政策所需的列是否齐全（可选）")] = None,
    store: Annotated[Optional[Path], typer.Option("--store", help="数据库文件，默认 data/local/allocator.sqlite")] = None,
) -> None:
    """校验数据文件并存为数据库中的新版本；有任何问题时全部列出，不写入任何内容。"""
    from allocator.dataset.reference import load_crosswalk
    from allocator.dataset.store import DatasetStore

    if not name or "@" in name or name.startswith("db:"):
        raise InputError([f"数据集名称「{name}」不可用：不能为空，不能含 @，不能以 db: 开头"])
    required, pools, usable = None, None, None
    if policy:
        pol = load_policy(policy)
        required, pools = list(pol.data_columns), pol.pools

        def usable(frame):  # the policy must be able to run on what is stored
            check_for_policy(pol, RegionData.from_frame(frame))
    db = DatasetStore(store)
    version, result = db.import_file(name, file, _regions(level), load_crosswalk(), required, pools, usable)
    for note in result.notes:
        typer.echo(f"提示：{note}")
    if version.new:
        typer.echo(f"已导入「{name}」第 {version.version} 版：{version.n_rows} 个地区，文件 {version.file_name}，"
                   f"校验码 {version.checksum[:12]}，时间 {version.imported_at}")
    else:
        typer.echo(f"与「{name}」第 {version.version} 版内容相同（校验码 {version.checksum[:12]}），未重复保存")
    where = f"ALLOCATOR_STORE={db.path} " if store else ""
    typer.echo(f"使用方法：{where}allocator run --policy <政策.toml> --data db:{name}@{version.version}")


@app.command()
@_for_people
def datasets(
    name: Annotated[Optional[str], typer.Argument(help="数据集名称；省略则列出全部数据集")] = None,
    store: Annotated[Optional[Path], typer.Option("--store", help="数据库文件")] = None,
) -> None:
    """列出本地数据库中的数据集及其各版本（文件名、时间、校验码）。"""
    from allocator.dataset.store import DatasetStore

    db = DatasetStore(store)
    for n in ([name] if name else db.names()):
        for v in db.versions(n):
            typer.echo(f"{n}@{v.version}\t{v.imported_at}\t{v.file_name}\t{v.n_rows} 行\t{v.checksum[:12]}")


def _echo_note(note: str | None) -> None:
    if note:
        typer.echo(note)


def _echo_frame(frame: pd.DataFrame) -> None:
    with pd.option_context("display.max_rows", 500, "display.width", 200, "display.max_columns", 50):
        typer.echo(frame.to_string(index=False))


if __name__ == "__main__":
    app()
