"""The catalogue of region data columns: id, Chinese header, unit and plausibility rules.

Policy files, templates, imports and exports all refer to columns by these ids; the Chinese
header (with its unit) is what users see in templates and tables. Aliases let an import
recognise a column under its Chinese or English name.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from allocator.errors import Problem

if TYPE_CHECKING:  # NumPy is imported where figures are checked, not for `allocator --help`
    from numpy.typing import ArrayLike


@dataclass(frozen=True)
class Column:
    id: str
    label: str  # Chinese name without unit
    unit: str  # 人, 万元, 分, %, 系数
    kind: str = "count"  # count | money | score | percent | coefficient | text
    aliases: tuple[str, ...] = ()
    description: str = ""

    @property
    def header(self) -> str:
        """Template header, e.g. 户籍人口(人)."""
        return f"{self.label}({self.unit})" if self.unit else self.label


IDENTITY = (
    Column("code", "地区代码", "", "text", ("adcode", "区划代码", "行政区划代码", "代码")),
    Column("name", "地区名称", "", "text", ("地区", "名称", "区划名称")),
)

FIGURES = (
    Column("hukou_population", "户籍人口", "人", aliases=("户籍人口数", "registered_population"), description="年末户籍人口"),
    Column("resident_population", "常住人口", "人", aliases=("常住人口数",), description="年末常住人口"),
    Column("dibao_urban", "城市低保对象", "人", aliases=("城市低保",), description="城市最低生活保障对象人数"),
    Column("dibao_rural", "农村低保对象", "人", aliases=("农村低保",), description="农村最低生活保障对象人数"),
    Column("tekun", "特困人员", "人", aliases=("特困供养人员", "特困"), description="特困供养人员人数"),
    Column("poverty_population", "建档立卡贫困人口", "人", aliases=("贫困人口", "建档立卡贫困人数"), description="建档立卡贫困人口数"),
    Column("poverty_remaining", "年底贫困人口", "人", aliases=("未脱贫人口", "年底未脱贫贫困人口"),
           description="上年底尚未脱贫的建档立卡贫困人口（不含已脱贫人口），健康扶贫动态管理数据库口径"),
    Column("monitored", "防止返贫监测对象", "人", aliases=("监测对象",), description="防止返贫监测对象人数"),
    Column("illness_poverty", "因病致贫人口", "人", aliases=("因病致贫返贫人口",), description="因病致贫返贫人口数"),
    Column("local_input", "本级财政医疗救助投入", "万元", "money", ("本级投入", "地方投入"), description="本级财政安排的医疗救助资金"),
    Column("revenue", "一般公共预算收入", "万元", "money", ("财政收入",), description="本级一般公共预算收入"),
    Column("expenditure", "一般公共预算支出", "万元", "money", ("财政支出",), description="本级一般公共预算支出"),
    Column("performance_score", "绩效评价得分", "分", "score", ("绩效得分",), description="医疗救助资金绩效评价得分"),
    Column("management_score", "管理工作水平得分", "分", "score", ("管理工作得分", "管理水平得分"),
           description="医疗救助管理工作水平评分（资金拨付及时性、结余控制、信息报送等）"),
    Column("balance_ratio", "基金结余率", "%", "percent", ("结余率", "基金累计结余占比"), description="医疗救助资金累计结余占比"),
    Column("hardship_coef", "财政困难程度系数", "系数", "coefficient", ("财政困难系数",), description="财政困难程度修正系数"),
)

# Public designations per county (allocator/data/sichuan/regions.csv), usable as eligibility columns.
FLAGS = (
    Column("former_poverty_county", "原贫困县", "", "flag", ("贫困县",)),
    Column("deep_poverty_county", "深度贫困县", "", "flag", ("深度贫困县标识",)),
    Column("sanzhou_county", "三州地区县", "", "flag", ("三州县",)),
    Column("ethnic_autonomous_unit", "民族自治地方", "", "flag"),
    Column("hardship_area_class", "艰苦边远地区类别", "类", "class", ("艰苦边远类别",)),
)

# Year-end 绩效自评 entries per region (layout of 广元市医疗保障局《广元市转移支付区域（项目）绩效目标自评表（2023年度）》): budget (A) and execution (B)
# by source, and the actual values of the indicators a policy's [selfeval] section scores. A province's
# own indicators may use other column ids; these are the ones the Sichuan 医疗救助 system names.
SELFEVAL = (
    Column("budget_central", "全年预算数·中央补助", "万元", "money", description="全年预算数(A)：中央补助"),
    Column("budget_local", "全年预算数·地方资金", "万元", "money", description="全年预算数(A)：地方资金"),
    Column("budget_other", "全年预算数·其他资金", "万元", "money", description="全年预算数(A)：其他资金（含上年结余）"),
    Column("spent_central", "全年执行数·中央补助", "万元", "money", description="全年执行数(B)：中央补助"),
    Column("spent_local", "全年执行数·地方资金", "万元", "money", description="全年执行数(B)：地方资金"),
    Column("spent_other", "全年执行数·其他资金", "万元", "money", description="全年执行数(B)：其他资金"),
    Column("insured_assisted", "资助参保人数", "人", aliases=("资助参保人次",), description="全年资助困难群众参保人数"),
    Column("insured_assisted_target", "资助参保人数·年度指标值", "人", description="资助参保人数的年度指标值"),
    Column("inpatient_cases", "住院救助人次", "人次", aliases=("住院救助人数",), description="全年住院救助人次"),
    Column("inpatient_cases_target", "住院救助人次·年度指标值", "人次", description="住院救助人次的年度指标值"),
    Column("outpatient_cases", "门诊救助人次", "人次", aliases=("门诊救助人数",), description="全年门诊救助人次"),
    Column("key_inpatient_ratio", "重点救助对象年度限额内住院救助比例", "%", "percent",
           description="重点救助对象自付费用按规定年度限额内住院救助比例"),
    Column("balance_share", "基金累计结余占筹集总额比重", "%", "percent",
           aliases=("基金累计结余占筹集基金总额的比重",), description="医疗救助基金累计结余 ÷ 当年筹集总额"),
    Column("pass_on_days", "资金分配下达天数", "天", "days", description="收到上级资金后分配下达所用天数"),
    Column("satisfaction", "救助对象满意度", "%", "percent", aliases=("服务对象满意度",), description="救助对象满意度调查结果"),
    Column("selfeval_score", "绩效自评得分", "分", "score", description="上年绩效自评得分（由自评表计分得出）"),
    Column("execution_rate", "预算执行率", "%", "percent", description="上年全年执行数 ÷ 全年预算数"),
    Column("assessment_rank", "综合考核排名", "名", "rank", aliases=("县区综合考核排名", "上年综合考核排名"),
           description="上年县区综合考核排名（1 为最好）"),
    Column("project_budget", "项目预算", "万元", "money", aliases=("项目金额",), description="按项目法分配的项目预算（如市本级项目）"),
    Column("insured", "基本医疗保险参保人数", "人", aliases=("参保人数", "城乡居民医保参保人数"),
           description="城乡居民基本医疗保险参保人数"),
)

BY_ID: dict[str, Column] = {c.id: c for c in IDENTITY + FIGURES + FLAGS + SELFEVAL}


def column_label(column_id: str) -> str:
    """Chinese header for a column id; last-year allocation columns `base_<pool>` read 上年分配."""
    if "@" in column_id:  # a column added up over the regions eligible for one pool (two tiers)
        column, pool = column_id.split("@", 1)
        return f"{column_label(column)}·仅{pool}资格地区"
    if column_id in BY_ID:
        return BY_ID[column_id].header
    if column_id.startswith("base_"):
        return f"上年分配·{column_id[5:]}(万元)"
    return column_id


def column_name(column_id: str | None) -> str:
    """Chinese name of a column without its unit, as running text says it (户籍人口, not 户籍人口(人));
    a column outside the catalogue reads as its header (`column_label`)."""
    if column_id is None:
        return ""
    return BY_ID[column_id].label if column_id in BY_ID else column_label(column_id)


def not_a_number(text: str) -> str:
    """Why a cell's text is not a figure, in words a planner recognises."""
    text = text.strip()
    if text.startswith("="):
        return "是公式但没有计算结果（请在 Excel 中打开并保存，或粘贴为数值）"
    if text.startswith("#"):
        return "是 Excel 错误值，请先改正公式"
    return "不是数字"


# The largest value a region's figure can plausibly take, by column kind, with the reason. Figures
# beyond it are typing or unit errors (a population in 人 typed in 万人 is fine, 1e21 is not), and
# they would overflow or swamp the sums the formula takes. Declared once: the importer and the
# engine's data check both call `range_problems`.
PLAUSIBLE_MAX: dict[str, tuple[float, str]] = {
    "count": (2e8, "人数（人次）：人口最多的省份约 1.3 亿人"),
    "money": (1e9, "金额（万元）：一个省一年的一般公共预算支出不到 2×10^8 万元"),
    "score": (100.0, "得分为百分制"),
    "percent": (100.0, "百分比"),
    "coefficient": (100.0, "修正系数通常在 0.5–3 之间"),
    "days": (366.0, "天数：一年之内"),
    "rank": (1e5, "排名：不超过地区数"),
    "class": (10.0, "艰苦边远地区类别为一至六类"),
}
BASE_PREFIX = "base_"  # last year's allocation per pool (万元): a money column
OTHER_MAX = (1e12, "其他数值列：超过 10^12 时金额的分位（0.01 万元）已无法准确计算")


def plausible_max(column_id: str) -> tuple[float, str] | None:
    """(largest plausible value, reason) for a column id; None for identity and flag columns."""
    if column_id in BY_ID:
        return PLAUSIBLE_MAX.get(BY_ID[column_id].kind)
    if column_id.startswith(BASE_PREFIX):
        return PLAUSIBLE_MAX["money"]
    return OTHER_MAX


def range_problems(codes: ArrayLike, names: ArrayLike, columns: Mapping[str, ArrayLike],
                   rows: ArrayLike | None = None) -> list[Problem]:
    """Every figure above its column's plausible maximum (or not finite), naming the region (and the
    file row, when `rows` are given), the column and the value."""
    import numpy as np

    codes, names = np.asarray(codes), np.asarray(names)
    rows = None if rows is None else np.asarray(rows, dtype=object)
    problems = []
    for column_id, values in columns.items():
        limit = plausible_max(column_id)
        if limit is None:
            continue
        high, reason = limit
        array = np.asarray(values, dtype=float)
        for i in np.flatnonzero(~(array <= high) & ~np.isnan(array)):
            row = None if rows is None or rows[i] is None else int(rows[i])
            where = f"第 {row} 行（{codes[i]} {names[i]}）" if row is not None else f"地区 {codes[i]} {names[i]}"
            value = float(array[i])
            between = "0–100" if high == 100 else f"0 到 {high:,.0f}"
            problems.append(Problem(f"{where}「{column_label(column_id)}」= {value:.15g}，应在 {between} 之间（{reason}）",
                                    key=column_id, region=str(codes[i]), value=value, row=row))
    return problems
