"""Region data as the engine takes it: validated once, sorted by administrative code, as NumPy arrays.

`RegionData.from_frame` checks what holds for any policy (codes, numbers, signs); `check_for_policy`
checks what one policy needs (its columns exist, no factor is all zero, no division by zero). Both
collect every problem and raise one DataError in Chinese naming the region, the column and the value.
Plausible ranges per column (`allocator.columns.range_problems`) are checked where data come in (an
import, `load_inputs`), not here: data errors an analysis draws may take a score past 100 on purpose.
Analysis at scale builds RegionData once and runs thousands of policies on it.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from allocator.columns import column_label, not_a_number
from allocator.engine.formula import standard_amounts
from allocator.errors import DataError, Problem, raise_if
from allocator.policy.model import Block, Policy

TEXT_COLUMNS = {"code", "name", "parent_code", "level", "kind", "prefecture_name"}


@dataclass(frozen=True)
class RegionData:
    codes: np.ndarray  # str, ascending
    names: np.ndarray  # str
    columns: dict[str, np.ndarray]  # float, aligned with codes (never changed in place once made)

    def __post_init__(self) -> None:
        for values in self.columns.values():  # the digest and the engine's plans rely on it
            values.flags.writeable = False

    @cached_property
    def digest(self) -> str:
        """sha256 of codes and numbers, for the run fingerprint and the engine's plans: always of the
        content, so two data sets with the same figures share it and any change gives another."""
        return _digest(self.codes, self.columns)

    @property
    def labels(self) -> list[str]:
        return [f"{c} {n}" for c, n in zip(self.codes, self.names)]

    @cached_property
    def position(self) -> dict[str, int]:
        """Code → row position (made once per data set; a set or dict lookup beats np.isin on strings)."""
        return {code: i for i, code in enumerate(self.codes.tolist())}

    def __len__(self) -> int:
        return len(self.codes)

    def subset(self, mask: np.ndarray) -> RegionData:
        """The regions where `mask` is true (e.g. those eligible for a special pool)."""
        return RegionData(self.codes[mask], self.names[mask], {k: v[mask] for k, v in self.columns.items()})

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> RegionData:
        """Validate a table with `code`, `name` and numeric columns; sort it by code."""
        problems: list[Problem] = []
        if "code" not in frame.columns:
            raise DataError([Problem("数据缺少「地区代码」列（code）", key="code")])
        codes = frame["code"].astype(str).str.strip().to_numpy()
        names = (frame["name"].astype(str).str.strip() if "name" in frame.columns
                 else pd.Series([""] * len(frame))).to_numpy()
        problems += _code_problems(codes)
        numeric: dict[str, np.ndarray] = {}
        for col in frame.columns:
            if col in TEXT_COLUMNS:
                continue
            values, col_problems = _numeric_column(frame[col], col, codes, names)
            problems += col_problems
            numeric[col] = values
        raise_if(problems, DataError)
        order = np.argsort(codes, kind="stable")
        columns = {k: v[order] for k, v in numeric.items()}
        return cls(codes[order], names[order], columns)


def _digest(codes: np.ndarray, columns: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256("|".join(codes).encode())
    for key in sorted(columns):
        h.update(key.encode())
        h.update(np.ascontiguousarray(columns[key]).tobytes())
    return h.hexdigest()


def _code_problems(codes: np.ndarray) -> list[Problem]:
    problems = []
    seen: dict[str, int] = {}
    for row, code in enumerate(codes, 1):
        if code in ("", "nan", "None"):
            problems.append(Problem(f"第 {row} 行：地区代码为空", key="code", row=row))
        elif code in seen:
            problems.append(Problem(f"地区代码 {code} 重复（第 {seen[code]} 行与第 {row} 行）",
                                    key="code", region=code, row=row))
        else:
            seen[code] = row
    return problems


def _numeric_column(series: pd.Series, col: str, codes, names) -> tuple[np.ndarray, list[Problem]]:
    """Numbers of one column; blanks count as 0; non-numeric, infinite or negative values are refused."""
    problems = []
    label = column_label(col)
    values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    # only an empty cell is blank: text such as "nan", "None", "N/A" or "#N/A" is refused, never read as 0
    blank = series.isna().to_numpy() | (series.astype(str).str.strip() == "").to_numpy()
    for i in np.flatnonzero(np.isnan(values) & ~blank):
        problems.append(Problem(f"地区 {codes[i]} {names[i]} 的「{label}」= {series.iloc[i]!r}：{not_a_number(str(series.iloc[i]))}",
                                key=col, region=codes[i], value=series.iloc[i], row=int(i) + 1))
    values = np.where(blank, 0.0, values)
    for i in np.flatnonzero(np.isinf(values) | (values < 0)):
        problems.append(Problem(f"地区 {codes[i]} {names[i]} 的「{label}」= {values[i]:g}：不能为负数或无穷大",
                                key=col, region=codes[i], value=values[i], row=int(i) + 1))
    return values, problems


def check_for_policy(policy: Policy, data: RegionData, partial: bool = False) -> None:
    """Refuse data that this policy cannot use, listing every problem.

    `partial`: the data are a part of the policy's regions (e.g. one prefecture's counties in a
    two-tier run), so regions the policy lists by code need not all be present.
    """
    problems: list[Problem] = []
    missing = [c for c in policy.data_columns if c not in data.columns]
    base_labels = {p.base_column: f"上年分配·{p.label}(万元)" for p in policy.pools if p.base_column}
    for col in missing:
        problems.append(Problem(f"数据缺少政策所需的列「{base_labels.get(col) or column_label(col)}」（{col}）", key=col))
    if missing:
        raise DataError(problems)
    for block in policy.blocks:
        mask = eligibility(block, data)
        if not mask.any():
            problems.append(Problem(f"资金池「{block.pools[0].label}」没有符合条件的地区", key=block.id))
            continue
        problems += _block_problems(block, data if mask.all() else data.subset(mask))
    known = data.position
    for block in policy.blocks:
        if not block.constraints.overrides:
            continue
        own = block.constraints is not policy.constraints  # a pool's own floors and caps
        eligible = set(data.codes[eligibility(block, data)]) if own else known
        for o in block.constraints.overrides:
            if o.region not in known:
                if not partial:
                    problems.append(Problem(f"约束中指定的地区 {o.region} 不在数据中", key="constraints.overrides",
                                            region=o.region))
            elif o.region not in eligible:
                problems.append(Problem(f"资金池「{block.pools[0].label}」为地区 {o.region} 设了保底或封顶，但该地区不在"
                                        "这项资金的分配范围内", key=f"pools.{block.id}.constraints.overrides",
                                        region=o.region))
    if not partial:
        problems += unknown_listed_regions(policy, data)
    raise_if(problems, DataError)


def eligibility(block: Block, data: RegionData) -> np.ndarray:
    """Which regions take part in the block: non-zero `eligible_column`, or listed in `eligible_regions`."""
    mask = np.ones(len(data), dtype=bool)
    if block.eligible_column:
        mask &= data.columns[block.eligible_column] != 0
    if block.eligible_regions is not None:
        listed = np.zeros(len(data), dtype=bool)
        position = data.position
        listed[[position[code] for code in block.eligible_regions if code in position]] = True
        mask &= listed
    return mask


def unknown_listed_regions(policy: Policy, data: RegionData) -> list[Problem]:
    """Codes in a pool's eligible_regions that the data do not have (a typo would silently exclude a
    region). Checked where the data are all of the policy's regions, not on a part (e.g. one prefecture)."""
    known = data.position
    problems = []
    for block in policy.blocks:
        for code in block.eligible_regions or ():
            if code not in known:
                problems.append(Problem(f"资金池「{block.pools[0].label}」的符合条件地区 {code} 不在数据中",
                                        key=f"pools.{block.pools[0].id}.eligible_regions", region=code, value=code))
    return problems


def _block_problems(block, data: RegionData) -> list[Problem]:
    problems: list[Problem] = _standard_problems(block, data)
    for factor in block.factors:
        for comp in factor.components:
            if factor.weight > 0 and comp.weight > 0 and not data.columns[comp.column].any():
                problems.append(Problem(f"因素「{factor.label}」使用的列「{column_label(comp.column)}」全部为零",
                                        key=comp.column))
        if factor.denominator:
            problems += _zero_divisors(data, factor.denominator, f"因素「{factor.label}」的分母")
        for comp in factor.components:
            if comp.per and comp.per != factor.scale:
                problems += _zero_divisors(data, comp.per, f"因素「{factor.label}」中「{column_label(comp.column)}」的分母")
    for corr in block.corrections:
        if corr.method == "column":
            problems += _zero_divisors(data, corr.column, f"修正系数「{corr.label}」")
        else:
            problems += _zero_divisors(data, corr.denominator, f"修正「{corr.label}」的分母")
            if corr.method == "capacity_ratio":
                problems += _zero_divisors(data, corr.numerator, f"修正「{corr.label}」的财力指标")
    return problems


def _zero_divisors(data: RegionData, col: str, role: str) -> list[Problem]:
    values = data.columns[col]
    return [Problem(f"地区 {data.codes[i]} {data.names[i]} 的「{column_label(col)}」为 0，不能作为{role}",
                    key=col, region=data.codes[i], value=0) for i in np.flatnonzero(values <= 0)]


def _standard_problems(block: Block, data: RegionData) -> list[Problem]:
    """A per-person part (人数 × 补助标准) larger than the pool: the data and the total disagree."""
    if block.standard is None:
        return []
    part = float(standard_amounts(block.standard, data.columns).sum())
    if part <= block.budget + 1e-6:
        return []
    return [Problem(f"资金池「{block.pools[0].label}」按标准测算的部分（{column_label(block.standard.column)} × 补助标准）"
                    f"合计 {part:,.2f} 万元，超过资金总额 {block.budget:,.2f} 万元", key=block.standard.column, value=part)]
