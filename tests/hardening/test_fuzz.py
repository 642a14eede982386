"""Seeded fuzzing of the policy and data readers: every mutated input ends in a result or a Chinese
message (an AllocatorError), never a traceback, and a refused data file changes nothing stored.

CI runs a bounded sample (about 30 s); `FUZZ_CASES=5000 pytest tests/hardening/test_fuzz.py` searches wider.
"""
from __future__ import annotations

import copy
import os
import random
import traceback

import numpy as np
import pandas as pd
import pytest
import tomli_w

from allocator import usecases
from allocator.dataset.reference import load_packaged
from allocator.errors import AllocatorError
from allocator.policy import load_policy
from allocator.policy.keyed import from_keyed

CASES = int(os.environ.get("FUZZ_CASES", "160"))
BAD_VALUES = [None, -1, 0, 1e20, -1e20, 1e-300, "", "x", "=1+1", [], {}, [1], {"value": "x"}, True,
              {"value": 1e20, "unit": "万元"}, {"value": -5, "unit": "%"}, "9" * 400, "{name:>999999999}"]


def leaves(node, trail=()):
    """Every (path, value) in a nested dict, dicts themselves included."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*trail, key), value
            yield from leaves(value, (*trail, key))


def mutate(keyed: dict, rng: random.Random) -> dict:
    doc = copy.deepcopy(keyed)
    paths = [p for p, _ in leaves(doc)]
    for _ in range(rng.choice([1, 1, 2, 3])):
        path = rng.choice(paths)
        node = doc
        for key in path[:-1]:
            if not isinstance(node, dict) or key not in node:
                break
            node = node[key]
        else:
            if isinstance(node, dict):
                value = rng.choice(BAD_VALUES)
                if value is None:
                    node.pop(path[-1], None)
                else:
                    node[path[-1]] = copy.deepcopy(value)
    return doc


def run_everything(path: str) -> None:
    inputs = usecases.load_inputs(path)
    usecases.run(inputs)
    usecases.settle(inputs)
    if inputs.policy.performance is not None:
        usecases.targets(inputs)


def write(doc: dict, path) -> bool:
    try:
        text = tomli_w.dumps(from_keyed(doc))
    except (TypeError, ValueError):
        return False  # not expressible as TOML: no user can write it
    path.write_text(text, encoding="utf-8")
    return True


@pytest.mark.parametrize("preset", ["sichuan-2020", "example"])
def test_mutated_policies_end_in_a_result_or_a_chinese_message(tmp_path, preset):
    rng = random.Random(f"policy-{preset}")
    keyed = load_policy(preset).raw
    tracebacks = []
    for case in range(CASES):
        path = tmp_path / f"p{case}.toml"
        if not write(mutate(keyed, rng), path):
            continue
        try:
            run_everything(str(path))
        except AllocatorError:
            pass
        except Exception:  # noqa: BLE001 — the point is to catch every kind of fault
            tracebacks.append(f"{path.read_text(encoding='utf-8')[:2000]}\n{traceback.format_exc()}")
    assert not tracebacks, f"{len(tracebacks)} tracebacks; first:\n{tracebacks[0]}"


def mutate_cells(frame: pd.DataFrame, rng: random.Random) -> pd.DataFrame:
    out = frame.astype(object).copy()
    for _ in range(rng.choice([1, 2, 5])):
        i, j = rng.randrange(len(out)), rng.randrange(len(out.columns))
        out.iat[i, j] = rng.choice(["", "N/A", "#DIV/0!", "=1+1", "-3", "1e400", "0.5", "abc", "合计", "9" * 30,
                                    None, "510104", 1e15])
    if rng.random() < 0.2:
        out = out.drop(columns=rng.choice(list(out.columns)))
    if rng.random() < 0.1:
        out = pd.concat([out, out.iloc[[0]]])
    return out


def test_mutated_data_files_end_in_a_result_or_a_message_and_never_change_the_store(tmp_path):
    rng = random.Random("data")
    base = load_packaged("sichuan-2020")
    store = tmp_path / "db.sqlite"
    good = usecases.import_dataset(_csv(base, tmp_path / "good.csv"), "sc", policy="sichuan-2020", store=store)
    tracebacks = []
    for case in range(CASES // 2):
        path = _csv(mutate_cells(base, rng), tmp_path / f"d{case}.csv")
        for attempt in (lambda p=path: usecases.load_inputs("sichuan-2020", p),
                        lambda p=path: usecases.import_dataset(p, "sc", policy="sichuan-2020", store=store)):
            try:
                attempt()
            except AllocatorError:
                pass
            except Exception:  # noqa: BLE001
                tracebacks.append(traceback.format_exc())
    assert not tracebacks, f"{len(tracebacks)} tracebacks; first:\n{tracebacks[0]}"
    # every stored version is either the good file or a file that passed every check
    for version in usecases.list_datasets("sc", store):
        frame = usecases.read_data(f"db:sc@{version.version}", store).frame
        assert np.isfinite(frame.drop(columns=["code", "name"]).to_numpy(dtype=float)).all()
    assert usecases.list_datasets("sc", store)[0].checksum == good.version.checksum


def _csv(frame: pd.DataFrame, path):
    frame.to_csv(path, index=False, encoding="utf-8")
    return path
