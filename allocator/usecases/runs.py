"""Running and validating an allocation, with the totals by funding source and the method hint."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from allocator.engine import AllocationResult, allocate
from allocator.errors import InputError, Problem
from allocator.funds.sources import source_totals
from allocator.policy import Policy
from allocator.policy.model import Objective, Parameter
from allocator.usecases.references import METHODS, Inputs


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
