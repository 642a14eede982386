"""Command-line usage errors in Chinese: an unknown option or command, a missing value, a value of the
wrong type, an extra argument.

click raises these (as `click.ClickException`) while it parses the arguments, before a command runs,
and typer would print them in English. `ChineseGroup`, the class of the CLI's command group, catches
every one raised while the group or one of its commands parses or runs, prints one Chinese message
naming the option and the value typed, and exits with click's code (2 for a usage error) — no
traceback, no English. `--help` and a bare `allocator` still show the help.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import typer
from typer.core import TyperGroup

try:  # typer 0.2x carries its own copy of click, whose exceptions it raises
    from typer._click import exceptions as errors
except ImportError:  # older typer: click itself
    from click import exceptions as errors  # type: ignore[no-redef]

ARGV_KEY = "allocator.argv"  # the arguments as typed, kept in the context for naming a bad value
# What a value should have been, by a word of the English message (the parameter classes differ
# between typer versions; the messages name the type in every one).
EXPECTED = (("integer", "整数"), ("float", "数"), ("number", "数"), ("boolean", "是或否（true / false）"),
            ("one of", "所列选项之一"), ("choice", "所列选项之一"), ("range", "允许范围内的数"),
            ("does not exist", "存在的文件或文件夹"), ("path", "有效的路径"))


class ChineseGroup(TyperGroup):
    """The CLI's group: usage errors of the group and of every command are said in Chinese."""

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        argv = list(args)
        with in_chinese(argv):
            ctx = super().make_context(info_name, args, parent, **extra)
        ctx.meta[ARGV_KEY] = argv
        return ctx

    def invoke(self, ctx: Any) -> Any:
        with in_chinese(ctx.meta.get(ARGV_KEY, ())):
            return super().invoke(ctx)


@contextmanager
def in_chinese(argv: Sequence[str]) -> Iterator[None]:
    """A click error raised inside → its Chinese message on stderr and click's exit code."""
    try:
        yield
    except errors.NoArgsIsHelpError:
        raise  # a bare command: its help is shown
    except errors.ClickException as exc:
        typer.echo(usage_message(exc, argv), err=True)
        raise typer.Exit(exc.exit_code) from None
    except typer.Abort:
        typer.echo("已中止。", err=True)
        raise typer.Exit(1) from None


def usage_message(exc: Exception, argv: Sequence[str] = ()) -> str:
    """The Chinese message for a click error, with where to read the usage."""
    ctx = getattr(exc, "ctx", None)
    hint = f"\n用法见：{ctx.command_path} --help" if ctx is not None else ""
    return f"命令行有误：{_what(exc, argv)}{hint}"


def _what(exc: Any, argv: Sequence[str]) -> str:
    message = exc.message if isinstance(getattr(exc, "message", None), str) else str(exc)
    if isinstance(exc, errors.NoSuchOption):
        close = f"（是否想用 {'、'.join(exc.possibilities)}？）" if exc.possibilities else ""
        return f"没有选项 {exc.option_name}{close}"
    if isinstance(exc, errors.BadOptionUsage):
        if "does not take a value" in message:
            return f"选项 {exc.option_name} 不带取值"
        return f"选项 {exc.option_name} 缺少取值"
    if isinstance(exc, errors.MissingParameter):
        return f"缺少必需的{_param_name(exc.param)}"
    if isinstance(exc, errors.BadParameter):
        value = _typed_value(exc.param, argv)
        shown = f"「{value}」" if value is not None else ""
        expected = next((zh for en, zh in EXPECTED if en in message.lower()), "有效的值")
        return f"{_param_name(exc.param)} 的值{shown}无效：应为{expected}"
    text = exc.format_message()
    if found := re.match(r"No such command '(.*?)'\.(?: Did you mean '(.*)'\?)?", text):
        return f"没有命令「{found.group(1)}」" + (f"（是否想用 {found.group(2)}？）" if found.group(2) else "")
    if found := re.fullmatch(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", text):
        return f"多余的参数：{found.group(1)}"
    if text == "Missing command.":
        return "缺少命令"
    return f"参数无法识别（{text}）"


def _param_name(param: Any) -> str:
    opts = getattr(param, "opts", None)
    if param is None or not opts:
        return "参数"
    if getattr(param, "param_type_name", "") == "option":
        return "选项 " + " / ".join(opts)
    return f"参数 {(getattr(param, 'name', '') or '').upper()}"


def _typed_value(param: Any, argv: Sequence[str]) -> str | None:
    """The value typed for an option (`--x v`, `--x=v`, `-xv`), the last one when repeated."""
    if getattr(param, "param_type_name", "") != "option":
        return None
    found = None
    for i, token in enumerate(argv):
        for opt in param.opts:
            if token == opt and i + 1 < len(argv):
                found = argv[i + 1]
            elif opt.startswith("--") and token.startswith(opt + "="):
                found = token[len(opt) + 1:]
            elif not opt.startswith("--") and token.startswith(opt) and len(token) > len(opt):
                found = token[len(opt):]
    return found
