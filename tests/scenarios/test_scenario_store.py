"""Saved scenarios: list, load, rename, duplicate, delete; never a silent overwrite; survives a kill."""
import os
import signal
import subprocess
import sys
import time

import pytest

from allocator.errors import InputError
from allocator.scenarios.store import ScenarioExists, ScenarioStore


@pytest.fixture
def store(tmp_path):
    return ScenarioStore(tmp_path / "s.sqlite")


def test_save_then_load_by_id_and_by_name(store):
    saved = store.save("七成", "sichuan-2020", "sichuan-2020", {"factors.need.weight": 70}, "试算", "张三", "abc")
    assert store.load(saved.id) == store.load("七成") == store.load(str(saved.id))
    assert saved.overrides == {"factors.need.weight": 70}
    assert (saved.note, saved.author, saved.fingerprint) == ("试算", "张三", "abc")


def test_a_taken_name_is_refused_unless_overwrite_is_asked_for(store):
    first = store.save("方案A", "sichuan-2020", "sichuan-2020", {"a": 1})
    with pytest.raises(ScenarioExists, match="已有名为「方案A」"):
        store.save("方案A", "sichuan-2020", "sichuan-2020", {"a": 2})
    assert store.load("方案A").overrides == {"a": 1}
    again = store.save("方案A", "sichuan-2020", "sichuan-2020", {"a": 2}, overwrite=True)
    assert again.id == first.id and again.created_at == first.created_at
    assert store.load("方案A").overrides == {"a": 2}


def test_rename_duplicate_delete(store):
    s = store.save("甲", "sichuan-2020", "sichuan-2020", {"x": 1})
    store.save("乙", "sichuan-2020", "sichuan-2020", {})
    with pytest.raises(ScenarioExists):
        store.rename(s.id, "乙")
    assert store.rename(s.id, "丙").name == "丙"
    copy = store.duplicate("丙", "丙的副本")
    assert copy.id != s.id and copy.overrides == {"x": 1}
    store.delete("丙")
    assert [x.name for x in store.list()] == ["丙的副本", "乙"]
    with pytest.raises(InputError, match="没有编号或名称"):
        store.load("丙")


def test_names_are_checked(store):
    with pytest.raises(InputError, match="不能为空"):
        store.save("  ", "sichuan-2020", "sichuan-2020", {})


WRITER = """
import sys
from allocator.scenarios.store import ScenarioStore
s = ScenarioStore(sys.argv[1])
i = 0
while True:
    s.save(f"s{i}", "sichuan-2020", "sichuan-2020", {"factors.need.weight": i % 100, "pad": "x" * 2000})
    i += 1
"""


def test_the_database_survives_a_killed_writer(tmp_path):
    path = tmp_path / "s.sqlite"
    ScenarioStore(path).save("kept", "sichuan-2020", "sichuan-2020", {"k": 1})
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path)])
    deadline = time.monotonic() + 60  # on a loaded machine the writer may take a while to start
    while len(ScenarioStore(path).list()) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.2)  # kill it in the middle of its stream of writes
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = ScenarioStore(path)
    names = [s.name for s in store.list()]
    assert "kept" in names and len(names) > 1
    assert all(store.load(n).base == "sichuan-2020" for n in names)  # every stored row is whole
