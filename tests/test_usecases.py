"""The use-case layer: the same bad input gives the same Chinese message from Python and from the CLI,
and every check that protects a user runs in the library."""
from __future__ import annotations

from dataclasses import fields

import pytest
from typer.testing import CliRunner

from allocator import usecases
from allocator.cli import app
from allocator.engine import allocate
from allocator.errors import AllocatorError, DataError, PolicyError
from allocator.policy import apply_overrides, load_policy
from allocator.policy.build import ALLOWED_KEYS
from allocator.policy.model import Constraints, Pool, file_keys


def test_a_mistyped_eligible_region_is_refused_by_allocate_itself():
    policy = load_policy("sichuan-2019")
    listed = list(policy.raw["pools"]["deep_poverty"]["eligible_regions"])
    typo = apply_overrides(policy, {"pools.deep_poverty.eligible_regions": [*listed[:-1], "513499"]})
    data = usecases.load_inputs("sichuan-2019").data
    with pytest.raises(DataError, match="符合条件地区 513499 不在数据中"):
        allocate(typo, data)


def test_the_same_bad_policy_gives_the_same_message_from_python_and_the_cli(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[policy]\nbase = "example"\n\n[[factors]]\nid = "need"\nweight = { value = 90, unit = "%" }\n',
                    encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        usecases.load_inputs(str(path))
    result = CliRunner().invoke(app, ["run", "-p", str(path)])
    assert result.exit_code == 1
    assert str(caught.value) in result.output and "应为 100%" in str(caught.value)


def test_an_unknown_preset_or_file_is_named_with_the_presets_available():
    with pytest.raises(PolicyError, match="找不到政策文件或内置预设「sichuan-2030」.*sichuan-2020"):
        usecases.resolve_policy("sichuan-2030")


def test_a_stored_version_reference_must_have_a_whole_number():
    with pytest.raises(AllocatorError, match="版本号「x」应为正整数"):
        usecases.parse_db_ref("db:sc@x")
    assert usecases.parse_db_ref("db:sc@3") == ("sc", 3) and usecases.parse_db_ref("db:sc") == ("sc", None)


def test_a_reform_holds_only_what_changes_and_diff_names_it():
    changes = usecases.policy_changes("sichuan-2020")
    changed = {path for path, _, _ in changes.rows}
    assert changes.old.id == "sichuan-2019"
    assert {"constraints.floor_share_of_base", "constraints.cap_share_of_base",
            "factors.need.components.monitored", "pools.central_general.total"} <= changed
    assert "factors.effort.weight" not in changed  # inherited from the base, not restated


def test_the_allowed_keys_of_a_policy_file_come_from_the_model():
    assert ALLOWED_KEYS["pool"] == file_keys(Pool) >= {f.name for f in fields(Pool)}
    # a field whose file name differs is allowed under its file name only
    assert "floor_share_of_base" in ALLOWED_KEYS["constraints"] and "floor_share" not in ALLOWED_KEYS["constraints"]
    assert file_keys(Constraints) == ALLOWED_KEYS["constraints"]


def test_an_objective_outside_the_enum_is_refused_in_chinese():
    with pytest.raises(AllocatorError, match="目标函数「fastest」不可用"):
        usecases.load_inputs("example", objective="fastest")
