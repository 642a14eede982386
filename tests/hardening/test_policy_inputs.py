"""Policy values that contradict each other, or that would blow up arithmetic or memory, are refused in
Chinese before anything runs."""
from __future__ import annotations

import pytest
from typer.testing import CliRunner

from allocator import usecases
from allocator.cli import app
from allocator.engine import allocate
from allocator.errors import AllocatorError, DataError, PolicyError
from allocator.policy import apply_overrides, load_policy
from allocator.policy.model import fill_goal


@pytest.fixture(scope="module")
def sichuan():
    return load_policy("sichuan-2019")


def reform(tmp_path, text: str, base: str = "sichuan-2019"):
    path = tmp_path / "p.toml"
    path.write_text(f'[policy]\nbase = "{base}"\n\n{text}', encoding="utf-8")
    return path


def test_a_correction_whose_lower_bound_exceeds_its_upper_bound_is_refused(sichuan):
    with pytest.raises(PolicyError, match="系数下限 lower = 1.6 大于上限 upper = 1.5"):
        apply_overrides(sichuan, {"corrections.hardship.lower": 1.6})


def test_a_weighted_factor_whose_sub_weights_are_all_zero_is_refused(sichuan):
    zero = {"factors.effort.components.local_input.weight": 0, "factors.effort.components.performance_score.weight": 0}
    with pytest.raises(PolicyError, match="子权重全部为 0"):
        apply_overrides(sichuan, zero)


def test_a_floor_for_a_region_outside_a_pools_eligible_set_is_refused(tmp_path):
    path = reform(tmp_path, '[[pools]]\nid = "deep_poverty"\n[pools.constraints]\nsource = "scenario"\n'
                  'overrides = [{ region = "510104", floor = { value = 10, unit = "万元" } }]\n')
    with pytest.raises(DataError, match="为地区 510104 设了保底或封顶，但该地区不在这项资金的分配范围内"):
        usecases.load_inputs(str(path))


@pytest.mark.parametrize("text, message", [
    ('[[pools]]\nid = "central_general"\ntotal = { value = 1e20, unit = "万元" }', "数值过大"),
    ('[[pools]]\nid = "central_general"\ntotal = { value = 2e8, unit = "万元" }', "超出支持的范围"),
    ('[settlement]\npass_on_days = { value = 1e20, unit = "天" }', "数值过大"),
    ('[settlement]\npass_on_days = { value = -5, unit = "天" }', "应为 0 到 366 之间的整数天数"),
    ('[performance]\ngoal = "{name:>99999999999}"', "只能使用占位符"),
    ('[performance]\ngoal = "{name.__class__}"', "只能使用占位符"),
    ('[performance]\nindicators = [{ name = "资助参保人数", columns = [1] }]', "应为数据列名（文字）的列表"),
])
def test_values_that_would_overflow_or_exhaust_memory_are_messages(tmp_path, text, message):
    with pytest.raises(PolicyError, match=message):
        usecases.resolve_policy(str(reform(tmp_path, text)))


def test_a_deeply_nested_policy_file_is_a_message(tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="嵌套层数过多|不是有效的 TOML"):
        load_policy(path)


def test_a_device_or_a_folder_is_not_a_policy_file(tmp_path):
    for ref in ("/dev/zero", str(tmp_path)):
        result = CliRunner().invoke(app, ["validate", "-p", ref])
        assert result.exit_code == 1 and "不是普通文件" in result.output


def test_a_huge_stored_version_number_is_a_message():
    with pytest.raises(AllocatorError, match="应为正整数"):
        usecases.parse_db_ref("db:sc@99999999999999999999")


def test_a_total_written_in_yuan_with_cents_is_a_whole_number_of_units():
    assert fill_goal("{name}{year}年{total}万元", name="锦江区", year=2020, total="376") == "锦江区2020年376万元"


def test_an_exact_total_with_two_decimals_is_a_multiple_of_the_unit(tmp_path):
    path = reform(tmp_path, '[rounding]\nunit = { value = 0.01, unit = "万元" }\n\n'
                  '[[pools]]\nid = "central_general"\ntotal = { value = 12345678.12, unit = "万元" }')
    policy = usecases.resolve_policy(str(path))
    result = allocate(policy, usecases.load_inputs(policy).data)
    assert int(result.amounts[:, 0].sum()) == 1_234_567_812
