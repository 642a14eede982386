"""Shared cases for the engine tests: a four-region worked example and small policy builders.

Policies are written inline as TOML (as in tests/funds/conftest.py) or built as dicts for the
property tests; both go through the same validation as a policy file.
"""
from __future__ import annotations

import textwrap

import pandas as pd

from allocator.errors import PolicyError
from allocator.policy import Policy, policy_from_keyed
from allocator.policy.keyed import to_keyed

# Four counties, two shared pools (700 + 200 = 900 万元), need 60 % with a hardship coefficient
# inside the need term only, population 40 %, floors 90 % and caps 110 % of last year.
WORKED_POLICY = textwrap.dedent('''
    [policy]
    id = "worked-4"
    title = "测试：四个地区的手算例"
    year = 2020
    source = "scenario"

    [rounding]
    unit = { value = 1, unit = "万元" }

    [[pools]]
    id = "central"
    label = "中央财政补助"
    level = "中央"
    kind = "一般公共预算"
    total = { value = 700, unit = "万元" }
    base_column = "base_central"

    [[pools]]
    id = "provincial"
    label = "省级财政补助"
    level = "省级"
    kind = "一般公共预算"
    total = { value = 200, unit = "万元" }
    base_column = "base_provincial"

    [[factors]]
    id = "need"
    label = "困难群众人数"
    weight = { value = 60, unit = "%" }
    components = [{ column = "dibao_rural" }]

    [[factors]]
    id = "population"
    label = "户籍人口数"
    weight = { value = 40, unit = "%" }
    components = [{ column = "hukou_population" }]

    [[corrections]]
    id = "hardship"
    label = "财政困难程度"
    apply = "inside"
    factors = ["need"]
    method = "column"
    column = "hardship_coef"

    [constraints]
    floor_share_of_base = { value = 90, unit = "%" }
    cap_share_of_base = { value = 110, unit = "%" }
''')

WORKED_DATA = pd.DataFrame({
    "code": ["510101", "510102", "510103", "510104"],
    "name": ["甲区", "乙县", "丙县", "丁县"],
    "dibao_rural": [1000, 2000, 3000, 4000],
    "hukou_population": [200000, 200000, 300000, 300000],
    "hardship_coef": [2.0, 1.0, 1.0, 0.5],
    "base_central": [128, 160, 232, 216],  # last year's totals: 160, 200, 290, 270
    "base_provincial": [32, 40, 58, 54],
})


def policy_from_document(document: dict) -> Policy:
    keyed, problems = to_keyed(document)
    if problems:
        raise PolicyError(problems)
    return policy_from_keyed(keyed)


def quantity(value, unit: str) -> dict:
    return {"value": value, "unit": unit}


def simple_document(*, pools=(("central", 1000),), weights=(("need", 75), ("population", 25)),
                    unit: float = 1, floor_pct=None, cap_pct=None, objective="least_squares",
                    overrides=None) -> dict:
    """A policy document over the columns of `random_frame`: need = dibao_rural, population =
    hukou_population, effort = local_input; each pool's base column is base_<pool id>."""
    columns = {"need": "dibao_rural", "population": "hukou_population", "effort": "local_input"}
    labels = {"need": "困难群众人数", "population": "户籍人口数", "effort": "自身努力程度"}
    constraints: dict = {"objective": objective}
    if floor_pct is not None:
        constraints["floor_share_of_base"] = quantity(floor_pct, "%")
    if cap_pct is not None:
        constraints["cap_share_of_base"] = quantity(cap_pct, "%")
    if overrides:
        constraints["overrides"] = [{"region": code, **{k: quantity(v, "万元") for k, v in bounds.items()}}
                                    for code, bounds in overrides.items()]
    return {
        "policy": {"id": "random", "title": "测试：随机实例", "year": 2020, "source": "scenario"},
        "rounding": {"unit": quantity(unit, "万元")},
        "pools": [{"id": pid, "label": f"资金池{pid}", "level": "中央", "kind": "一般公共预算",
                   "total": quantity(total, "万元"), "base_column": f"base_{pid}"} for pid, total in pools],
        "factors": [{"id": fid, "label": labels[fid], "weight": quantity(w, "%"),
                     "components": [{"column": columns[fid]}]} for fid, w in weights],
        "constraints": constraints,
    }
