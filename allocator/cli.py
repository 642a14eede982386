"""Command line: `allocator run` and `allocator validate` (and the dataset commands)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import pandas as pd
import typer

from allocator.engine import RegionData, allocate, check_for_policy
from allocator.engine.inputs import read_table
from allocator.errors import InfeasibleError, InputError
from allocator.export import write_result
from allocator.policy import apply_overrides, load_policy
from allocator.policy.model import OBJECTIVES

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_show_locals=False,
                  help="因素法资金分配模拟器（医疗救助补助资金）")

PolicyOption = Annotated[Path, typer.Option("--policy", "-p", help="政策文件（TOML）")]
DataOption = Annotated[Optional[Path], typer.Option("--data", "-d", help="地区数据（.csv/.xlsx），默认用政策文件指定的数据")]


def _load(policy_path: Path, data_path: Path | None, objective: str | None = None):
    policy = load_policy(policy_path)
    if objective:
        policy = apply_overrides(policy, {"constraints.objective": objective})
    path = data_path or policy.dataset
    if path is None:
        raise InputError(["政策文件未指定数据（policy.dataset），请用 --data 给出地区数据文件"])
    data = RegionData.from_frame(read_table(path))
    check_for_policy(policy, data)
    return policy, data


def _fail(exc: Exception) -> None:
    typer.echo(str(exc), err=True)
    raise typer.Exit(code=1)


@app.command()
def run(
    policy: PolicyOption,
    data: DataOption = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="输出文件 .csv 或 .xlsx")] = None,
    objective: Annotated[Optional[str], typer.Option(help=f"目标函数：{' / '.join(OBJECTIVES)}")] = None,
    method: Annotated[str, typer.Option(help="fast（精确快速算法）或 lp（PuLP/HiGHS 模型）")] = "fast",
) -> None:
    """按政策文件分配资金，打印汇总表，并可写出 .csv/.xlsx。"""
    try:
        pol, region_data = _load(policy, data, objective)
        result = allocate(pol, region_data, method=method)
    except (InputError, InfeasibleError) as exc:
        _fail(exc)
    typer.echo(result.summary())
    table = result.table().rename(columns=result.column_labels())
    table["约束情况"] = result.binding
    with pd.option_context("display.max_rows", 500, "display.width", 200):
        typer.echo(table.to_string(index=False))
    if out:
        try:
            write_result(result, out)
        except ValueError as exc:
            _fail(exc)
        typer.echo(f"已写出：{out}")


@app.command()
def validate(policy: PolicyOption, data: DataOption = None) -> None:
    """检查政策文件与数据，列出全部问题；无误时打印参数清单。"""
    try:
        pol, region_data = _load(policy, data)
    except InputError as exc:
        _fail(exc)
    typer.echo(f"政策文件与数据检查通过：{pol.title}（{len(region_data)} 个地区，{len(pol.parameters)} 个参数）")
    for p in pol.parameters:
        typer.echo(f"  {p.path} = {p.value:g} {p.unit}（来源：{p.source}）")


if __name__ == "__main__":
    app()
