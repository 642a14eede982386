"""Build a `Policy` from its keyed document: check all of it and convert every number once.

Every problem is collected and reported at once, in Chinese, naming the key and the value; nothing
is computed from a policy that has a problem. Numbers are written `{ value = 75, unit = "%" }`; how each
key may be written, its description and its range are declared on the model (`allocator.policy.schema`),
and converted here, once, to the engine's units (万元, share of 1).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date as _date
from pathlib import Path
from typing import Any

import allocator.policy.rules as rules
from allocator.errors import PolicyError, Problem
from allocator.policy.keyed import dataset_reference
from allocator.policy.model import (
    AdvanceRule,
    Combine,
    Component,
    Constraints,
    Correction,
    CorrectionApply,
    CorrectionMethod,
    Direction,
    EvalIndicator,
    Factor,
    Indicator,
    Level,
    Objective,
    Parameter,
    Performance,
    Policy,
    Pool,
    RegionOverride,
    Rounding,
    ScoreRule,
    SelfEvaluation,
    SettlementRule,
    SettlementRules,
    Standard,
    Transform,
    file_keys,
    fill_goal,
    top_level_keys,
)
from allocator.policy.schema import (
    MAX_TOTAL,
    MAX_WRITTEN,
    SHARE_UNITS,
    Quantity,
    default_of,
    quantity_of,
)

# What each table of a policy file may hold, derived from the model's dataclasses (one declaration).
ALLOWED_KEYS = {
    "root": top_level_keys(Policy),
    "policy": file_keys(Policy),
    "pool": file_keys(Pool),
    "settlement": file_keys(SettlementRules),
    "performance": file_keys(Performance),
    "indicator": file_keys(Indicator),
    "factor": file_keys(Factor),
    "component": file_keys(Component),
    "correction": file_keys(Correction),
    "constraints": file_keys(Constraints),
    "override": file_keys(RegionOverride),
    "rounding": file_keys(Rounding),
    "selfeval": file_keys(SelfEvaluation),
    "standard": file_keys(Standard),
    "eval_indicator": file_keys(EvalIndicator),
    "quantity": frozenset({"value", "unit", "source", "description"}),  # a `{ value, unit }` number
}



def _values(kind) -> tuple[str, ...]:
    """The spellings a policy file may use for a categorical value (an Enum)."""
    return tuple(member.value for member in kind)


class _Reader:
    """Collects problems while reading values out of the keyed document."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.parameters: list[Parameter] = []

    def fail(self, message: str, key: str, value: Any = None) -> None:
        self.problems.append(Problem(message, key=key, value=value))

    def check_keys(self, table: dict[str, Any], allowed: str, where: str) -> None:
        for k in table:
            if k not in ALLOWED_KEYS[allowed]:
                self.fail(f"{where}.{k}：未知的键（可用：{'、'.join(sorted(ALLOWED_KEYS[allowed]))}）",
                          f"{where}.{k}")

    def text(self, table: dict[str, Any], key: str, where: str, required: bool = True,
             choices: tuple[str, ...] | None = None, default: str | None = None) -> str | None:
        value = table.get(key, default)
        if value is None or value == "":
            if required:
                self.fail(f"{where}.{key}：缺少此项", f"{where}.{key}")
            return default
        if not isinstance(value, str):
            self.fail(f"{where}.{key} = {value!r}：应为文字", f"{where}.{key}", value)
            return default
        if choices and value not in choices:
            self.fail(f"{where}.{key} = \"{value}\"：应为 {' / '.join(choices)} 之一",
                      f"{where}.{key}", value)
            return default
        return value

    def number(self, table: dict[str, Any], cls: type, key: str, where: str, source: str) -> float | None:
        """The number `key` of a table read as `cls`, as its schema declares it (units, description,
        required, range: `allocator.policy.schema`), in engine units; None when absent or unreadable."""
        spec = quantity_of(cls, key)
        assert spec is not None, f"{cls.__name__}.{key} declares no quantity"
        value = self.quantity(table, key, where, spec.units, source, spec.required, spec.description)
        if value is not None:
            self.check_range(spec, f"{where}.{key}", value, table[key].get("unit"))
        return value

    def check_range(self, spec: Quantity, path: str, value: float, unit: str | None = None) -> None:
        """Refuse an engine-unit value outside the range its schema declares."""
        if spec.outside(value):
            self.fail(spec.reason(path, value, unit), path, value)

    def quantity(self, table: dict[str, Any], key: str, where: str, units: Mapping[str, float],
                 source: str, required: bool = False, description: str = "") -> float | None:
        """A `{ value, unit, source }` number, converted by its unit; records it as a Parameter."""
        path = f"{where}.{key}"
        raw = table.get(key)
        if raw is None:
            if required:
                self.fail(f"{path}：缺少此项", path)
            return None
        if not isinstance(raw, dict):
            example = next(iter(units))
            self.fail(f"{path} = {raw!r}：必须写明单位，例如 {{ value = {raw!r}, unit = \"{example}\" }}",
                      path, raw)
            return None
        self.check_keys(raw, "quantity", path)
        value, unit = raw.get("value"), raw.get("unit")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.fail(f"{path}.value = {str(value)[:40]!r}：应为数字", path, value)
            return None
        if abs(value) > MAX_WRITTEN:  # no policy number is this large; refuse before any arithmetic overflows
            self.fail(f"{path}.value = {value:g}：数值过大，超出支持的范围", path, value)
            return None
        if not isinstance(unit, str) or unit not in units:
            shown = "缺少单位（unit）" if unit is None else f"单位「{unit}」不可用"
            self.fail(f"{path} = {value:g}：{shown}，应为 {' / '.join(units)} 之一", path, unit)
            return None
        param_source = raw.get("source") or source
        if not param_source:
            self.fail(f"{path}：缺少来源（source），请写文号或 \"scenario\"", path)
        self.parameters.append(Parameter(
            path, float(value), unit, param_source or "", raw.get("description") or description,
            source_origin="own" if raw.get("source") else "table",
            description_origin="own" if raw.get("description") else "default"))
        return float(value) * units[unit]


def policy_from_keyed(keyed: dict[str, Any], base_dir: Path | None = None) -> Policy:
    """Validate the keyed document and build the Policy; raise PolicyError with every problem."""
    try:
        return _build(keyed, base_dir)
    except RecursionError:
        raise PolicyError([Problem("政策的表或列表嵌套层数过多")]) from None
    except (TypeError, AttributeError, ValueError, KeyError) as exc:
        # a value of the wrong shape (a number where a table or list belongs …) that the checks above
        # did not name: still a message for people, never a traceback
        if isinstance(exc, PolicyError):
            raise
        raise PolicyError([Problem(f"政策文件结构有误（某个键的值类型不对，例如应为表或列表处写了数字或文字）：{exc!r}")]) from None


def _build(keyed: dict[str, Any], base_dir: Path | None) -> Policy:
    r = _Reader()
    r.check_keys(keyed, "root", "政策文件")
    head = _table(keyed, "policy", r)
    r.check_keys(head, "policy", "policy")
    source = r.text(head, "source", "policy") or ""
    year = head.get("year")
    if not isinstance(year, int) or isinstance(year, bool):
        r.fail(f"policy.year = {year!r}：应为整数年份", "policy.year", year)
    if head.get("unit", "万元") != "万元":
        r.fail(f"policy.unit = {head.get('unit')!r}：金额单位应为 万元", "policy.unit", head.get("unit"))

    rounding = _rounding(_table(keyed, "rounding", r), r, source)
    pools = _pools(keyed.get("pools", {}), r, source, rounding)
    uses_shared = any(p.factors is None for p in pools)
    factors = (_factors(keyed.get("factors", {}), r, source)
               if uses_shared or keyed.get("factors") else ())
    corrections = _corrections(keyed.get("corrections", {}), r, source, {f.id for f in factors})
    constraints = _constraints(_table(keyed, "constraints", r, required=False), r, source)
    settlement = _settlement(keyed.get("settlement"), r, source)
    performance = _performance(keyed.get("performance"), r, source)
    selfeval = _selfeval(keyed.get("selfeval"), r, source)

    dataset_ref = dataset_reference(head.get("dataset"), base_dir)
    if r.problems:
        raise PolicyError(r.problems)
    return Policy(
        id=r.text(head, "id", "policy") or "", title=r.text(head, "title", "policy") or "",
        year=year if isinstance(year, int) else 0, source=source, description=head.get("description", ""), base=head.get("base"),
        pools=pools, factors=factors, corrections=corrections, constraints=constraints,
        rounding=rounding, dataset=dataset_ref, settlement=settlement, performance=performance,
        selfeval=selfeval,
        raw=keyed, parameters=tuple(r.parameters),
    )



def _table(keyed: dict[str, Any], key: str, r: _Reader, required: bool = True) -> dict[str, Any]:
    value = keyed.get(key)
    if value is None:
        if required:
            r.fail(f"缺少 [{key}] 部分", key)
        return {}
    if not isinstance(value, dict):
        r.fail(f"[{key}] 应为表（table）", key)
        return {}
    return value


def _rounding(table: dict[str, Any], r: _Reader, source: str) -> Rounding:
    r.check_keys(table, "rounding", "rounding")
    src = table.get("source", source)
    unit = r.number(table, Rounding, "unit", "rounding", src)
    if unit is not None and not any(math.isclose(unit, u) for u in (1.0, 0.01)):
        r.fail(f"rounding.unit = {unit} 万元：取整单位应为 1 或 0.01 万元", "rounding.unit", unit)
        unit = None
    r.text(table, "method", "rounding", required=False, choices=("largest_remainder",))
    return Rounding(unit=unit or 1.0, source=src)


def _pools(pools: dict[str, Any], r: _Reader, source: str, rounding: Rounding) -> tuple[Pool, ...]:
    if not pools:
        r.fail("至少需要一个资金池（[[pools]]）", "pools")
    out = []
    for pid, t in pools.items():
        where = f"pools.{pid}"
        r.check_keys(t, "pool", where)
        src = t.get("source", source)
        total = r.number(t, Pool, "total", where, src)
        if total is not None:
            if total > MAX_TOTAL:
                total = None
            elif total > 0 and rules.not_multiple(total, rounding.unit):
                r.fail(rules.not_multiple_reason(f"{where}.total", total, rounding.unit), f"{where}.total", total)
        formula = _pool_formula(t, r, where, src)
        advance = formula.get("advance_total")
        if advance is not None:
            if rules.advance_over(advance, total if total is not None else float("inf")):
                r.fail(rules.advance_reason(f"{where}.advance_total", advance, total or 0), f"{where}.advance_total",
                       advance)
            elif rules.not_multiple(advance, rounding.unit):
                r.fail(rules.not_multiple_reason(f"{where}.advance_total", advance, rounding.unit),
                       f"{where}.advance_total", advance)
        out.append(Pool(
            id=pid, label=r.text(t, "label", where) or pid, total=total or 0.0,
            level=Level(r.text(t, "level", where, choices=_values(Level)) or Level.CENTRAL), kind=r.text(t, "kind", where) or "",
            source=src, base_column=r.text(t, "base_column", where, required=False),
            description=t.get("description", ""), purpose_label=str(t.get("purpose_label", "")), **formula,
        ))
    return tuple(out)


def _pool_formula(t: dict[str, Any], r: _Reader, where: str, source: str) -> dict[str, Any]:
    """A pool's own factors, corrections, constraints, eligibility and advance total, if it has any."""
    own: dict[str, Any] = {}
    if "factors" in t:
        own["factors"] = _factors(t["factors"], r, source, f"{where}.factors")
        own["corrections"] = _corrections(t.get("corrections", {}), r, source,
                                          {f.id for f in own["factors"]}, f"{where}.corrections")
    elif "corrections" in t:
        r.fail(f"{where}.corrections：资金池只有在有自己的因素（factors）时才能有自己的修正", f"{where}.corrections")
    if "constraints" in t:
        own["constraints"] = _constraints(t["constraints"], r, source, f"{where}.constraints")
    own["eligible_column"] = r.text(t, "eligible_column", where, required=False)
    regions = t.get("eligible_regions")
    if regions is not None:
        if not isinstance(regions, list) or not regions:
            r.fail(f"{where}.eligible_regions：应为非空的地区代码列表", f"{where}.eligible_regions", regions)
        else:
            own["eligible_regions"] = tuple(str(x) for x in regions)
    if t.get("ineligible_note"):
        own["ineligible_note"] = str(t["ineligible_note"])
    own["advance_total"] = r.number(t, Pool, "advance_total", where, source)
    if "standard" in t:
        own["standard"] = _standard(t["standard"], r, f"{where}.standard", source)
    return own


def _factors(factors: dict[str, Any], r: _Reader, source: str, prefix: str = "factors") -> tuple[Factor, ...]:
    if not factors:
        r.fail(f"至少需要一个分配因素（{prefix}）", prefix)
    out = []
    for fid, t in factors.items():
        where = f"{prefix}.{fid}"
        r.check_keys(t, "factor", where)
        src = t.get("source", source)
        weight = r.number(t, Factor, "weight", where, src)
        transform = r.text(t, "transform", where, required=False, choices=_values(Transform),
                           default=default_of(Factor, "transform"))
        denominator = r.text(t, "denominator", where, required=transform == "per_capita")
        lower = r.number(t, Factor, "lower", where, src)
        upper = r.number(t, Factor, "upper", where, src)
        if transform == "capped_score" and lower is None and upper is None:
            r.fail(f"{where}：transform = \"capped_score\" 需要 lower 或 upper", where)
        if lower is not None and upper is not None and rules.crossed(lower, upper):
            r.fail(f"{where}：lower = {lower} 大于 upper = {upper}", f"{where}.lower", lower)
        scale = r.text(t, "scale", where, required=transform == "intensity",
                       choices=tuple(k for k in factors if k != fid) or None)
        components = _components(t.get("components", {}), r, where, src)
        if weight and components and rules.nothing_to_share(weight, max(c.weight for c in components)):
            r.fail(rules.nothing_to_share_reason(where, weight), f"{where}.components", weight)
        out.append(Factor(
            id=fid, label=r.text(t, "label", where) or fid, weight=weight or 0.0,
            components=components,
            source=src, combine=Combine(r.text(t, "combine", where, required=False, choices=_values(Combine),
                                               default=default_of(Factor, "combine"))
                                    or default_of(Factor, "combine")),
            transform=Transform(transform or default_of(Factor, "transform")), denominator=denominator, lower=lower, upper=upper,
            description=t.get("description", ""), scale=scale, **_transform_options(t, r, where, src, transform),
        ))
    total = sum(f.weight for f in out)
    if out and rules.weights_off(total):
        parts = "、".join(f"{f.label} {f.weight * 100:g}%" for f in out)
        r.fail(rules.weights_reason(prefix, total, parts), f"{prefix}.*.weight", total)
    return tuple(out)


def _components(components: dict[str, Any], r: _Reader, where: str, source: str) -> tuple[Component, ...]:
    if not components:
        r.fail(f"{where}.components：至少需要一个数据列", f"{where}.components")
    out = []
    for column, t in components.items():
        cwhere = f"{where}.components.{column}"
        r.check_keys(t, "component", cwhere)
        weight = r.number(t, Component, "weight", cwhere, source)
        out.append(Component(column=column, weight=default_of(Component, "weight") if weight is None else weight,
                             per=r.text(t, "per", cwhere, required=False)))
    return tuple(out)


def _corrections(corrections: dict[str, Any], r: _Reader, source: str,
                 factor_ids: set[str], prefix: str = "corrections") -> tuple[Correction, ...]:
    out = []
    for cid, t in corrections.items():
        where = f"{prefix}.{cid}"
        r.check_keys(t, "correction", where)
        src = t.get("source", source)
        method = r.text(t, "method", where, choices=_values(CorrectionMethod))
        apply = r.text(t, "apply", where, choices=_values(CorrectionApply))
        factors = t.get("factors")
        if factors is not None:
            unknown = [f for f in factors if f not in factor_ids]
            if unknown:
                r.fail(f"{where}.factors 引用了不存在的因素：{'、'.join(map(str, unknown))}",
                       f"{where}.factors", unknown)
            if apply == "result":
                r.fail(f"{where}：apply = \"result\" 作用于整个公式结果，不能指定 factors", f"{where}.factors")
        column = r.text(t, "column", where, required=method == "column")
        needs_capacity = method in ("capacity_ratio", "classes")
        numerator = r.text(t, "numerator", where, required=needs_capacity)
        denominator = r.text(t, "denominator", where, required=needs_capacity)
        elasticity = r.number(t, Correction, "elasticity", where, src)
        lower = r.number(t, Correction, "lower", where, src)
        upper = r.number(t, Correction, "upper", where, src)
        if lower is not None and upper is not None and rules.crossed(lower, upper):
            r.fail(rules.crossed_coefficients_reason(where, lower, upper), f"{where}.lower", lower)
        thresholds, coefficients = _classes(t, r, where, method)
        out.append(Correction(
            id=cid, label=r.text(t, "label", where) or cid, apply=CorrectionApply(apply or "inside"),
            method=CorrectionMethod(method or "column"), source=src,
            factors=tuple(factors) if factors is not None else None, column=column,
            numerator=numerator, denominator=denominator,
            elasticity=default_of(Correction, "elasticity") if elasticity is None else elasticity, lower=lower, upper=upper,
            thresholds=thresholds, coefficients=coefficients, description=t.get("description", ""),
        ))
    return tuple(out)


def _classes(t: dict[str, Any], r: _Reader, where: str, method: str | None):
    """Hardship classes: ascending capacity thresholds and one coefficient per class."""
    if method != "classes":
        return (), ()
    thresholds = t.get("thresholds", {}).get("value", []) if isinstance(t.get("thresholds"), dict) else None
    coefficients = t.get("coefficients", {}).get("value", []) if isinstance(t.get("coefficients"), dict) else None
    if thresholds is None or coefficients is None:
        r.fail(f"{where}：classes 需要 thresholds 与 coefficients，写成 {{ value = [...], unit = \"ratio\" }}",
               where)
        return (), ()
    if list(thresholds) != sorted(thresholds) or len(coefficients) != len(thresholds) + 1:
        r.fail(f"{where}：thresholds 须升序，且 coefficients 比 thresholds 多一个"
               f"（现为 {len(thresholds)} 个阈值、{len(coefficients)} 个系数）", where)
    if any(c <= 0 for c in coefficients):
        r.fail(f"{where}.coefficients = {coefficients}：系数必须为正", f"{where}.coefficients", coefficients)
    for key in ("thresholds", "coefficients"):
        q = t[key]
        r.parameters.append(Parameter(
            f"{where}.{key}", float("nan"), q.get("unit", "ratio"), q.get("source") or t.get("source", ""),
            q.get("description") or ("财政困难程度分档阈值" if key == "thresholds" else "各档系数"),
            source_origin="own" if q.get("source") else "table",
            description_origin="own" if q.get("description") else "default", text=str(q.get("value"))))
    return tuple(map(float, thresholds)), tuple(map(float, coefficients))


def _constraints(t: dict[str, Any], r: _Reader, source: str, where: str = "constraints") -> Constraints:
    r.check_keys(t, "constraints", where)
    src = t.get("source", source)
    objective = r.text(t, "objective", where, required=False, choices=_values(Objective),
                       default=default_of(Constraints, "objective"))
    floor_share = r.number(t, Constraints, "floor_share_of_base", where, src)
    cap_share = r.number(t, Constraints, "cap_share_of_base", where, src)
    floor_minimum = r.number(t, Constraints, "floor_minimum", where, src)
    if floor_share is not None and cap_share is not None and rules.crossed(floor_share, cap_share):
        r.fail(rules.floor_above_cap_reason(where, floor_share, cap_share), f"{where}.floor_share_of_base", floor_share)
    overrides = []
    for region, o in (t.get("overrides") or {}).items():
        owhere = f"{where}.overrides.{region}"
        r.check_keys(o, "override", owhere)
        osrc = o.get("source", src)
        floor = r.number(o, RegionOverride, "floor", owhere, osrc)
        cap = r.number(o, RegionOverride, "cap", owhere, osrc)
        if floor is not None and cap is not None and floor > cap:
            r.fail(f"{owhere}：地区 {region} 的保底额 {floor:g} 万元高于封顶额 {cap:g} 万元", f"{owhere}.floor", floor)
        if floor is None and cap is None:
            r.fail(f"{owhere}：至少需要 floor 或 cap", owhere)
        overrides.append(RegionOverride(region=region, source=osrc, floor=floor, cap=cap,
                                        reason=o.get("reason", "")))
    return Constraints(
        source=src, objective=Objective(objective or default_of(Constraints, "objective")), floor_share=floor_share,
        cap_share=cap_share, floor_minimum=floor_minimum,
        base_column=r.text(t, "base_column", where, required=False), overrides=tuple(overrides),
    )


def _settlement(t: dict[str, Any] | None, r: _Reader, source: str) -> SettlementRules | None:
    """提前下达 / settlement rules; `received` is an ISO date, `pass_on_days` 天."""
    if t is None:
        return None
    where = "settlement"
    r.check_keys(t, "settlement", where)
    src = t.get("source", source)
    rule = r.text(t, "advance_excess", where, required=False,
                  choices=_values(SettlementRule), default=default_of(SettlementRules, "advance_excess"))
    advance_rule = r.text(t, "advance_rule", where, required=False,
                          choices=_values(AdvanceRule), default=default_of(SettlementRules, "advance_rule"))
    received = t.get("received")
    if received is not None and not hasattr(received, "isoformat"):
        try:
            received = _date.fromisoformat(str(received))
        except ValueError:
            r.fail(f"{where}.received = {received!r}：应为日期，如 2019-06-10", f"{where}.received", received)
            received = None
    days = r.number(t, SettlementRules, "pass_on_days", where, src)
    if days is not None and 0 <= days <= 366 and days != int(days):
        r.fail(f"{where}.pass_on_days = {days:g} 天：应为 0 到 366 之间的整数天数", f"{where}.pass_on_days", days)
        days = None
    return SettlementRules(source=src, advance_excess=SettlementRule(rule or default_of(SettlementRules, "advance_excess")),
                      advance_rule=AdvanceRule(advance_rule or default_of(SettlementRules, "advance_rule")),
                      received=received.isoformat() if received else None,
                      pass_on_days=int(days) if days is not None else default_of(SettlementRules, "pass_on_days"))


INDICATOR_LEVELS = ("产出指标", "效益指标", "满意度指标")


def _performance(t: dict[str, Any] | None, r: _Reader, source: str) -> Performance | None:
    """The 区域绩效目标表 definition: the overall goal text and the indicator rows."""
    if t is None:
        return None
    where = "performance"
    r.check_keys(t, "performance", where)
    src = t.get("source", source)
    indicators = []
    for name, it in (t.get("indicators") or {}).items():
        iw = f"{where}.indicators.{name}"
        r.check_keys(it, "indicator", iw)
        level1 = r.text(it, "level1", iw, choices=INDICATOR_LEVELS)
        value = it.get("value")
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            r.fail(f"{iw}.value = {value!r}：应为数字", f"{iw}.value", value)
            value = None
        columns = it.get("columns", ())
        if not isinstance(columns, list | tuple) or not all(isinstance(c, str) and c for c in columns):
            r.fail(f"{iw}.columns = {columns!r}：应为数据列名（文字）的列表", f"{iw}.columns", columns)
            columns = ()
        columns = tuple(columns)
        if not columns and value is None and not it.get("text"):
            r.fail(f"{iw}：需要 columns（由数据计算）、value（固定值）或 text（定性指标）之一", iw)
        indicators.append(Indicator(
            name=name, level1=level1 or "", level2=r.text(it, "level2", iw) or "",
            comparator=r.text(it, "comparator", iw, required=False, default="") or "",
            unit=r.text(it, "unit", iw, required=False, default="") or "",
            source=it.get("source", src), columns=columns,
            multiplier=float(it.get("multiplier", 1.0)), value=value, text=it.get("text"),
            decimals=int(it.get("decimals", 0)), pools=tuple(str(x) for x in it.get("pools", ())),
        ))
    goal = r.text(t, "goal", where) or ""
    try:
        fill_goal(goal)
    except ValueError:
        r.fail(f"{where}.goal = {goal[:80]!r}：只能使用占位符 {{name}}、{{total}}、{{year}}（不带格式）", f"{where}.goal", goal)
    return Performance(source=src, goal=goal, indicators=tuple(indicators))


SELFEVAL_TOTAL_MARKS = 100.0


def _selfeval(t: dict[str, Any] | None, r: _Reader, source: str) -> SelfEvaluation | None:
    """The 绩效评价指标体系: 预算执行 marks and the scored indicators (泸县医疗保障局《2023年度部门决算》附表《部门预算项目支出绩效自评表（2023年度）》: 10 + 90 = 100 分)."""
    if t is None:
        return None
    where = "selfeval"
    if not isinstance(t, dict):
        r.fail("[selfeval] 应为表（table）", where)
        return None
    r.check_keys(t, "selfeval", where)
    src = t.get("source", source)
    budget_marks = r.number(t, SelfEvaluation, "budget_marks", where, src)
    indicators = tuple(_eval_indicator(name, it, r, f"{where}.indicators.{name}", src)
                       for name, it in (t.get("indicators") or {}).items())
    if not indicators:
        r.fail(f"{where}.indicators：至少需要一个评价指标", f"{where}.indicators")
    goal = r.text(t, "goal", where) or ""
    try:
        fill_goal(goal)
    except ValueError:
        r.fail(f"{where}.goal = {goal[:80]!r}：只能使用占位符 {{name}}、{{total}}、{{year}}（不带格式）", f"{where}.goal", goal)
    out = SelfEvaluation(source=src, goal=goal, indicators=indicators,
                         budget_marks=default_of(SelfEvaluation, "budget_marks") if budget_marks is None
                         else budget_marks)
    if not math.isclose(out.total_marks, SELFEVAL_TOTAL_MARKS):
        r.fail(f"{where}：预算执行分值与各指标分值之和为 {out.total_marks:g} 分，应为 100 分", f"{where}.indicators",
               out.total_marks)
    return out


def _eval_indicator(name: str, it: Any, r: _Reader, where: str, source: str) -> EvalIndicator:
    """One scored indicator: its column, target (fixed or per region), direction, rule and marks."""
    if not isinstance(it, dict):
        r.fail(f"{where}：应为表（table）", where)
        it = {}
    r.check_keys(it, "eval_indicator", where)
    src = it.get("source", source)
    unit = r.text(it, "unit", where, required=False, default="") or ""
    marks = r.number(it, EvalIndicator, "marks", where, src)
    target = r.quantity(it, "target", where, {unit: 1.0}, src, description="年度指标值") if "target" in it else None
    target_column = r.text(it, "target_column", where, required=False)
    if (target is None) == (target_column is None):
        r.fail(f"{where}：需要 target（各地相同的年度指标值）或 target_column（各地的年度指标值列）之一", where)
    rule = r.text(it, "rule", where, required=False, choices=_values(ScoreRule),
                  default=default_of(EvalIndicator, "rule")) or default_of(EvalIndicator, "rule")
    bands, band_marks = _bands(it, r, where, rule)
    decimals = it.get("decimals", 0)
    if not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 4:
        r.fail(f"{where}.decimals = {decimals!r}：应为 0 到 4 的整数", f"{where}.decimals", decimals)
        decimals = 0
    return EvalIndicator(
        name=name, level1=r.text(it, "level1", where, choices=INDICATOR_LEVELS) or "",
        level2=r.text(it, "level2", where) or "", column=r.text(it, "column", where) or "",
        marks=marks or 0.0, source=src,
        direction=Direction(r.text(it, "direction", where, required=False, choices=_values(Direction),
                                   default=default_of(EvalIndicator, "direction"))
                            or default_of(EvalIndicator, "direction")),
        rule=ScoreRule(rule), unit=unit, target=target, target_column=target_column,
        bands=bands, band_marks=band_marks, decimals=decimals)


def _bands(it: dict[str, Any], r: _Reader, where: str, rule: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """banded: completion thresholds, descending, and the share of the marks each band earns (both in %)."""
    if rule != "banded":
        return (), ()
    out = []
    for key in ("bands", "band_marks"):
        q = it.get(key)
        q = q if isinstance(q, dict) else {}
        values = q.get("value")
        if not isinstance(values, list) or not values or q.get("unit") not in SHARE_UNITS \
                or not all(isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 1000 for v in values):
            r.fail(f"{where}.{key}：rule = \"banded\" 需要写成 {{ value = [100, 90, 80], unit = \"%\" }}", f"{where}.{key}")
            return (), ()
        out.append(tuple(round(float(v) * SHARE_UNITS[q["unit"]], 12) for v in values))
    bands, band_marks = out
    if len(bands) != len(band_marks) or list(bands) != sorted(bands, reverse=True):
        r.fail(f"{where}：bands 须从高到低排列，且与 band_marks 个数相同", f"{where}.bands")
    return bands, band_marks


def _transform_options(t: dict[str, Any], r: _Reader, where: str, source: str, transform: str | None) -> dict[str, Any]:
    """The settings of the performance and rank transforms (bonus_penalty, balance_penalty, bands)."""
    out: dict[str, Any] = {}
    slope = r.number(t, Factor, "slope", where, source)
    if slope is not None:
        out["slope"] = slope
    if transform == "balance_penalty":
        out["penalty_column"] = r.text(t, "penalty_column", where)
        threshold = quantity_of(Factor, "threshold")
        assert threshold is not None
        out["threshold"] = r.quantity(t, "threshold", where, threshold.units, source, required=True,
                                      description=threshold.description)
        if out["threshold"] is not None and t["threshold"].get("unit") == "%":
            out["threshold"] = round(out["threshold"] * 100, 12)  # compared with a column in %
        if "penalty" not in t:
            r.fail(f"{where}.penalty：缺少此项", f"{where}.penalty")
        penalty = r.number(t, Factor, "penalty", where, source)
        out["penalty"] = penalty or default_of(Factor, "penalty")
    if transform == "bands":
        edges: list[Any] = _list_value(t.get("thresholds"))
        values: list[Any] = _list_value(t.get("values"))
        ok = bool(values) and all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in edges + values)
        if not ok or edges != sorted(edges) or len(values) != len(edges) + 1 or any(v < 0 for v in values):
            r.fail(f"{where}：transform = \"bands\" 需要升序的 thresholds 与比它多一个的非负 values，"
                   "写成 { value = [...], unit = \"ratio\" }", where)
        else:
            out["thresholds"], out["values"] = tuple(map(float, edges)), tuple(map(float, values))
    elif transform is not None and ("thresholds" in t or "values" in t):
        r.fail(f"{where}：thresholds / values 只用于 transform = \"bands\"", where)
    return out


def _standard(t: Any, r: _Reader, where: str, source: str) -> Standard | None:
    """A pool's per-person part: `column` (人) × `rate` (元/人), or × each region's `rate_column` (元/人)."""
    if not isinstance(t, dict):
        r.fail(f"{where}：应为表，如 {{ column = \"insured\", rate = {{ value = 640, unit = \"元/人\" }} }}", where)
        return None
    r.check_keys(t, "standard", where)
    src = t.get("source", source)
    rate = r.number(t, Standard, "rate", where, src)
    rate_column = r.text(t, "rate_column", where, required=False)
    if (rate is None) == (rate_column is None):
        r.fail(f"{where}：需要 rate（统一补助标准，元/人）或 rate_column（各地补助标准列，元/人）之一", where)
    return Standard(column=r.text(t, "column", where) or "", source=src, rate=rate, rate_column=rate_column,
                    label=r.text(t, "label", where, required=False, default=default_of(Standard, "label"))
                    or default_of(Standard, "label"))


def _list_value(q: Any) -> list[Any]:
    """The list in a `{ value = [...], unit }` entry, or [] when it is not one."""
    value = q.get("value") if isinstance(q, dict) else None
    return list(value) if isinstance(value, list) else []
