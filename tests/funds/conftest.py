"""A small province: two prefectures, six counties, three pools (two shared, one deep-poverty pool)."""
import textwrap

import pandas as pd
import pytest

from allocator.engine import RegionData
from allocator.policy import load_policy

POLICY = textwrap.dedent('''
    [policy]
    id = "test-funds"
    title = "测试：多资金池"
    year = 2019
    source = "scenario"

    [rounding]
    unit = { value = 1, unit = "万元" }

    [[pools]]
    id = "central"
    label = "中央一般公共预算"
    level = "中央"
    kind = "一般公共预算"
    total = { value = 1000, unit = "万元" }
    base_column = "base_central"
    advance_total = { value = 900, unit = "万元" }

    [[pools]]
    id = "provincial"
    label = "省级一般公共预算"
    level = "省级"
    kind = "一般公共预算"
    total = { value = 203, unit = "万元" }
    base_column = "base_provincial"

    [[pools]]
    id = "deep"
    label = "提高深度贫困地区农村贫困人口医疗保障水平"
    level = "中央"
    kind = "一般公共预算"
    total = { value = 301, unit = "万元" }
    eligible_column = "deep_poverty"
    ineligible_note = "非深度贫困县，不参与此项分配"
    factors = [
      { id = "poor", label = "贫困人口", weight = { value = 60, unit = "%" }, components = [{ column = "poverty_population" }] },
      { id = "ill", label = "因病致贫人口", weight = { value = 40, unit = "%" }, components = [{ column = "illness_poverty" }] },
    ]

    [[factors]]
    id = "need"
    label = "困难群众人数"
    weight = { value = 75, unit = "%" }
    components = [{ column = "dibao" }, { column = "tekun" }]

    [[factors]]
    id = "population"
    label = "户籍人口数"
    weight = { value = 25, unit = "%" }
    components = [{ column = "hukou_population" }]

    [constraints]
    floor_share_of_base = { value = 80, unit = "%" }

    [settlement]
    advance_excess = "claw_back"
    received = 2019-06-10

    [performance]
    goal = "{name}{year}年医疗救助资金{total}万元，重点救助对象年度限额内住院救助比例达到70%以上"
    indicators = [
      { name = "资助参保人数", level1 = "产出指标", level2 = "数量指标", comparator = "≥", unit = "人", columns = ["dibao", "tekun"] },
      { name = "重点救助对象年度限额内住院救助比例", level1 = "产出指标", level2 = "质量指标", comparator = "≥", unit = "%", value = 70 },
      { name = "基金累计结余占筹集总额比重", level1 = "产出指标", level2 = "数量指标", comparator = "≤", unit = "%", value = 15 },
      { name = "困难群众医疗费用负担减轻程度", level1 = "效益指标", level2 = "社会效益", text = "有效减轻" },
      { name = "救助对象满意度", level1 = "满意度指标", level2 = "服务对象满意度", comparator = "≥", unit = "%", value = 85 },
    ]
''')

COUNTIES = pd.DataFrame({
    "code": ["510101", "510102", "510103", "513301", "513302", "513303"],
    "name": ["甲区", "乙县", "丙县", "丁县", "戊县", "己县"],
    "hukou_population": [600000, 450000, 300000, 120000, 90000, 60000],
    "dibao": [6000, 9000, 7000, 9000, 8000, 6000],
    "tekun": [800, 1500, 1200, 1600, 1500, 1100],
    "poverty_population": [0, 0, 0, 20000, 16000, 12000],
    "illness_poverty": [0, 0, 0, 5000, 3500, 2600],
    "deep_poverty": [0, 0, 0, 1, 1, 1],
    "base_central": [200, 190, 150, 170, 140, 100],
    "base_provincial": [40, 38, 30, 34, 28, 20],
})
PARENT_OF = {"510101": "510100", "510102": "510100", "510103": "510100",
             "513301": "513300", "513302": "513300", "513303": "513300"}
PARENT_NAMES = {"510100": "甲市", "513300": "乙州"}


@pytest.fixture
def policy_text():
    """The policy file's text, for tests that change a line of it."""
    return POLICY


@pytest.fixture
def policy(tmp_path):
    path = tmp_path / "policy.toml"
    path.write_text(POLICY, encoding="utf-8")
    return load_policy(path)


@pytest.fixture
def counties():
    return COUNTIES.copy()


@pytest.fixture
def data():
    return RegionData.from_frame(COUNTIES)


@pytest.fixture
def links():
    """(parent_of, parent_names) of the two-tier test province."""
    return PARENT_OF, PARENT_NAMES
