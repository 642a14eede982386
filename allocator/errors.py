"""Errors meant for people: every problem names the key or region, the column and the value, in Chinese.

Validation collects *all* problems before raising, so a user fixes a file in one pass.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input. `message` is the Chinese sentence shown to the user."""

    message: str
    key: str | None = None  # policy key (e.g. "factors.need.weight") or data column
    region: str | None = None  # administrative code, when the problem belongs to one region
    value: Any = None
    row: int | None = None  # 1-based row in the source file, when known

    def __str__(self) -> str:
        return self.message


MAX_SHOWN = 50  # problems spelled out in a message; the rest are counted


class AllocatorError(Exception):
    """Base of every error meant for people: its text is a Chinese message that names the key or
    region, the column and the value. Anything else raised by the package is a fault (a bug)."""


class InputError(AllocatorError):
    """Bad input, refused before any computation. Carries every problem found."""

    title = "输入有误"

    def __init__(self, problems: Iterable[Problem | str], title: str | None = None):
        self.problems: list[Problem] = [p if isinstance(p, Problem) else Problem(p) for p in problems]
        if title:
            self.title = title
        super().__init__(self.__str__())

    def __str__(self) -> str:
        lines = [f"{self.title}（共 {len(self.problems)} 处）："]
        lines += [f"  {i}. {p.message}" for i, p in enumerate(self.problems[:MAX_SHOWN], 1)]
        if len(self.problems) > MAX_SHOWN:
            lines.append(f"  ……还有 {len(self.problems) - MAX_SHOWN} 处（全部问题见 .problems，或先改正以上各处）")
        return "\n".join(lines)


class PolicyError(InputError):
    title = "政策文件有误"


class DataError(InputError):
    title = "数据有误"


@dataclass
class Infeasibility:
    """Why floors, caps and budget cannot all hold, and the smallest change that would fix it."""

    reason: str  # "floors_exceed_budget" | "caps_below_budget" | "floor_above_cap"
    message: str  # Chinese explanation with regions and amounts
    regions: list[str] = field(default_factory=list)
    amounts: dict[str, float] = field(default_factory=dict)
    smallest_fix: str = ""


class InfeasibleError(AllocatorError):
    """The constraints cannot be met. Never a bare solver status: always the explained reasons."""

    def __init__(self, reasons: list[Infeasibility]):
        self.reasons = reasons
        super().__init__(self.__str__())

    def __str__(self) -> str:
        lines = ["约束无法同时满足："]
        for r in self.reasons:
            lines.append(f"  - {r.message}")
            if r.smallest_fix:
                lines.append(f"    最小调整：{r.smallest_fix}")
        return "\n".join(lines)


def raise_if(problems: list[Problem], error: type[InputError] = InputError) -> None:
    """Raise `error` with all `problems` if there are any."""
    if problems:
        raise error(problems)
