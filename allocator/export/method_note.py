"""测算说明: the text of the notice body that explains an allocation, ready to paste (.docx and .txt).

Everything is read from the policy and the result: factors, weights, the data they are computed from
and where those data come from; the correction; floors and caps and how many regions they bound; the
rounding rule; the totals by source and purpose (from the engine's integers); the run fingerprint.
"""
from __future__ import annotations

from dataclasses import dataclass

from allocator import __version__
from allocator.columns import column_name
from allocator.engine.result import AllocationResult
from allocator.export import layout as L
from allocator.export.allocation_table import source_leaves
from allocator.funds.advance import SettlementResult
from allocator.policy.model import (
    Binding,
    Block,
    Correction,
    CorrectionApply,
    CorrectionMethod,
    Factor,
    Policy,
    Purpose,
)

CHINESE_NUMBERS = "一二三四五六七八九十"
SCENARIO = "scenario"  # how policy files mark an assumption rather than a document


def cited(source: str) -> str:
    """A source as written in a notice: the policy files' "scenario" marker becomes 情景假设."""
    if source.startswith(SCENARIO):
        rest = source.removeprefix(SCENARIO).lstrip("：: ")
        return "情景假设" + (f"（{rest}）" if rest else "")
    return source


@dataclass(frozen=True)
class Section:
    heading: str  # without its number
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class MethodNote:
    title: str
    sections: tuple[Section, ...]

    def text(self) -> str:
        """Plain text: the title, then 一、… headings with their paragraphs, each indented two 字."""
        lines = [self.title, ""]
        for k, section in enumerate(self.sections):
            lines.append(f"{CHINESE_NUMBERS[k]}、{section.heading}")
            lines += [f"　　{p}" for p in section.paragraphs]
        return "\n".join(lines) + "\n"


def percent(share: float) -> str:
    """0.75 → 75%; 0.125 → 12.5%."""
    return f"{share * 100:.4g}%"


def wan(result: AllocationResult, units) -> str:
    return f"{float(result.to_wan(units)):,.{result.policy.rounding.decimals}f}万元"


def note_title(policy: Policy) -> str:
    """2020年中央和省级财政医疗救助补助资金分配表 → 2020年中央和省级财政医疗救助补助资金分配测算说明."""
    stem = policy.title.removesuffix("表").removesuffix("分配")
    return f"{stem}分配测算说明"


def totals_section(result: AllocationResult) -> Section:
    """Totals by source and purpose, exact (sums of the engine's integers)."""
    policy = result.policy
    units = result.pool_units
    parts = []
    for level_kind, leaves in _by_source(policy):
        amount = sum(int(units[j]) for leaf in leaves for j in leaf.pools)
        text = f"{level_kind}{wan(result, amount)}"
        if len(leaves) > 1:
            inner = "、".join(f"{leaf.path[-1]}{wan(result, sum(int(units[j]) for j in leaf.pools))}" for leaf in leaves)
            text += f"（{inner}）"
        parts.append(text)
    first = (f"{policy.year}年{_program(policy)}共{wan(result, int(units.sum()))}，其中：" + "；".join(parts) + "。")
    paragraphs = [first]
    earmarked = [p for p in policy.pools if p.purpose == Purpose.EARMARKED]
    for pool in earmarked:
        shared = [p for p in policy.pools if p.funding_source == pool.funding_source and p is not pool]
        if shared:
            paragraphs.append(f"{pool.label}资金与{'、'.join(p.label for p in shared)}同属{pool.level}{pool.kind}，"
                              f"单列分配，包含在上述总额之内，不另行增加（按资金来源归属的理解，来源文件未单独列示拆分）。")
    return Section("资金总额", tuple(paragraphs))


def _by_source(policy: Policy):
    groups: dict[str, list] = {}
    for leaf in source_leaves(policy.pools):
        groups.setdefault(f"{leaf.path[0]}{leaf.path[1]}", []).append(leaf)
    return groups.items()


def _program(policy: Policy) -> str:
    return policy.title.removeprefix(f"{policy.year}年").removesuffix("分配表")


def factor_sentence(factor: Factor, others: tuple[Factor, ...] = ()) -> str:
    """"困难群众人数（权重75%）：城市低保对象、农村低保对象…之和；来源：…"."""
    names = [column_name(c.column) for c in factor.components]
    if factor.transform == "intensity":
        labels = {f.id: f.label for f in others}

        def per(column: str | None) -> str:
            return f"（每单位{labels.get(column, column_name(column))}）" if column else ""

        parts = "、".join(f"{n}{per(c.per)}（{percent(c.weight)}）" for n, c in zip(names, factor.components))
        bounds = (f"，限定在{factor.lower:g}–{factor.upper:g}倍" if factor.lower is not None and factor.upper is not None
                  else "")
        scale = labels.get(factor.scale or "", factor.scale or "")
        what = f"按努力强度：{parts}各自相对全省平均的比值加权合成努力指数{bounds}，再乘以{scale}"
    elif len(names) == 1:
        what = names[0]
    elif factor.combine == "shares":
        what = "、".join(f"{n}（{percent(c.weight)}）" for n, c in zip(names, factor.components)) + "按各自份额合成"
    else:
        weights = {c.weight for c in factor.components}
        what = "、".join(names) + ("之和" if weights == {1.0} else "加权之和")
    if factor.denominator:
        what += f"除以{column_name(factor.denominator)}"
    text = f"{factor.label}（权重{percent(factor.weight)}）：{what}"
    if factor.description:
        text += f"（{factor.description}）"
    return text + f"；依据：{cited(factor.source)}。"


def correction_sentence(correction: Correction, factors: tuple[Factor, ...]) -> str:
    """How the correction coefficient is computed and where it applies."""
    if correction.method == CorrectionMethod.CAPACITY_RATIO:
        how = (f"以{column_name(correction.numerator)}与{column_name(correction.denominator)}之比衡量财力，"
               f"系数 =（全省平均 ÷ 本地）^{correction.elasticity:g}")
    elif correction.method == CorrectionMethod.CLASSES:
        how = f"按财力分档取系数（{'、'.join(f'{c:g}' for c in correction.coefficients)}）"
    else:
        how = f"系数取自{column_name(correction.column)}"
    if correction.lower is not None or correction.upper is not None:
        how += f"，限定在{correction.lower:g}至{correction.upper:g}之间"
    if correction.apply == CorrectionApply.INSIDE:
        applied = [f.label for f in factors if correction.factors is None or f.id in correction.factors]
        where = f"乘入{'、'.join(applied)}因素项后再计算份额"
    else:
        where = "作用于公式测算结果后按总额重新归一"
    return f"{correction.label}：{how}；{where}；依据：{cited(correction.source)}。"


def block_section_paragraphs(block: Block, policy: Policy) -> list[str]:
    pools = "、".join(p.label for p in block.pools)
    budget = f"{block.budget:,.{policy.rounding.decimals}f}万元"
    if block.eligible_regions is not None or block.eligible_column is not None:
        scope = (f"仅在{len(block.eligible_regions)}个符合条件的地区间分配" if block.eligible_regions is not None
                 else f"仅在{column_name(block.eligible_column)}不为零的地区间分配")
        head = f"{pools}（{budget}）{scope}，按以下因素测算："
    else:
        head = f"{pools}（合计{budget}）按以下因素测算："
    lines = [head] + [f"{k + 1}. {factor_sentence(f, block.factors)}" for k, f in enumerate(block.factors)]
    lines += [f"修正因素 {correction_sentence(c, block.factors)}" for c in block.corrections]
    return lines


def factors_section(policy: Policy, data_source: str) -> Section:
    paragraphs = []
    for block in policy.blocks:
        paragraphs += block_section_paragraphs(block, policy)
    paragraphs.append("各地区测算额 = 分配总额 × Σ（因素权重 × 该地区因素值占比），修正系数乘入因素值后计算占比。")
    paragraphs.append(f"因素数据：{data_source}。")
    return Section("分配因素、权重与数据来源", tuple(paragraphs))


def constraints_section(result: AllocationResult) -> Section:
    """Floors and caps as the policy sets them, and how many regions each bound, per block."""
    policy = result.policy
    paragraphs = []
    for block in policy.blocks:
        c = block.constraints
        prefix = "" if block.id == "shared" else f"{block.id}:"
        binding = result.trace.get(prefix + "binding")
        n_floor = int((binding == Binding.FLOOR).sum()) if binding is not None else 0
        n_cap = int((binding == Binding.CAP).sum()) if binding is not None else 0
        rules = []
        if c.floor_share is not None:
            rules.append(f"不低于上年分配额的{percent(c.floor_share)}")
        if c.floor_minimum is not None:
            rules.append(f"不低于{c.floor_minimum:g}万元")
        if c.cap_share is not None:
            rules.append(f"不高于上年分配额的{percent(c.cap_share)}（无上年分配额的地区不设封顶）")
        for o in c.overrides:
            rules.append(f"{o.region}单独设定" + (f"保底{o.floor:g}万元" if o.floor is not None else "")
                         + (f"封顶{o.cap:g}万元" if o.cap is not None else ""))
        name = "共同因素分配资金" if block.id == "shared" else block.pools[0].label
        if rules:
            paragraphs.append(f"{name}：各地区分配额{'，'.join(rules)}；依据：{cited(c.source)}。本次测算保底约束生效"
                              f"{n_floor}个地区，封顶约束生效{n_cap}个地区，超出或不足部分在其余地区间按测算额比例分摊。")
        else:
            paragraphs.append(f"{name}：未设保底与封顶，按因素法测算额分配；依据：{cited(c.source)}。")
    return Section("保底与封顶", tuple(paragraphs))


def rounding_section(result: AllocationResult) -> Section:
    r = result.policy.rounding
    unit = "万元" if r.decimals == 0 else f"{r.unit:g}万元（保留两位小数）"
    text = (f"分配结果以{unit}为单位，采用最大余额法取整（余额相同按地区代码顺序）；多个资金池同时取整时，"
            f"保证每个地区合计与每个资金池总额同时精确相等，表中各行、各列合计均无尾差；依据：{cited(r.source)}。")
    return Section("取整规则", (text,))


def settlement_section(settlement: SettlementResult) -> Section:
    r = settlement.full_year
    advance = int(settlement.advance.sum())
    back = int((-settlement.to_issue).clip(min=0).sum())
    now = int(settlement.to_issue.clip(min=0).sum())
    n_exceed = int(settlement.advance_exceeds.sum())
    rule = "收回差额" if settlement.rule == "claw_back" else "将其全年数提高到提前下达数，差额由其他地区按比例分担"
    policy_rules = r.policy.settlement
    if policy_rules is not None and policy_rules.advance_rule == "prefecture_ratio":
        how = ("按提前通知数占上年中央补助资金的比例，以各市（州）上年中央和省补助资金为基数测算，"
               "由市（州）转下达所属县")
    else:
        how = "按上年分配额 × 提前下达总额 ÷ 上年总额测算"
    paragraphs = [
        f"已提前下达{wan(r, advance)}（{how}），此次下达{wan(r, now)}，"
        f"收回{wan(r, back)}；全年数 − 已提前下达数 = 此次下达数 − 收回数。",
        f"提前下达数超过因素法全年数的地区{n_exceed}个，按政策{rule}。",
    ]
    return Section("提前下达与此次下达", tuple(paragraphs))


def fingerprint_section(result: AllocationResult) -> Section:
    policy = result.policy
    return Section("测算依据与运行指纹", (
        f"政策：{policy.id}（{policy.title}），依据：{cited(policy.source)}；目标函数 {result.solution.objective}，"
        f"求解方法 {result.solution.method}。",
        f"运行指纹：{result.fingerprint}（相同政策与数据重新测算可得到相同指纹与结果）；程序版本 allocator {__version__}。",
    ))


def method_note(result: AllocationResult, data_source: str, settlement: SettlementResult | None = None,
                note: str | None = None) -> MethodNote:
    """The whole note. `data_source`: where the figures come from, as a user reads it (dataset, file,
    stored version with its date); `note`: e.g. the 示例数据 label, added to the data paragraph."""
    sections = [totals_section(result), factors_section(result.policy, data_source + (f"（{note}）" if note else "")),
                constraints_section(result), rounding_section(result)]
    if settlement is not None and int(settlement.advance.sum()) > 0:
        sections.append(settlement_section(settlement))
    sections.append(fingerprint_section(result))
    return MethodNote(note_title(result.policy), tuple(sections))


def write_method_note_txt(note: MethodNote, path) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(note.text())


def write_method_note_docx(note: MethodNote, path, fonts=None) -> None:
    """GB/T 9704 body: title 2号小标宋, headings 3号黑体, text 3号仿宋 with a two-字 first-line indent,
    fixed line spacing 28 pt (22 lines a page)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt


    fonts = fonts or L.FONTS
    doc = L.new_document(fonts)
    L.title(doc, note.title, fonts)
    for k, section in enumerate(note.sections):
        L.paragraph(doc, f"{CHINESE_NUMBERS[k]}、{section.heading}", fonts.label, L.SIZE_3, line_spacing=28)
        for text in section.paragraphs:
            p = L.paragraph(doc, text, fonts.body, L.SIZE_3, line_spacing=28, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
            p.paragraph_format.first_line_indent = Pt(L.SIZE_3 * 2)
    doc.save(path)
