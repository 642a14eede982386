"""Seeded fuzzing of the policy and data readers: every mutated input ends in a result or a Chinese
message (an AllocatorError), never a traceback, and a refused data file changes nothing stored. The
command lines of sweep, sensitivity, montecarlo, goal, pace, selfeval, matching, export and
`import --kind selfeval`, each made invalid, end in a Chinese refusal with a non-zero exit code.

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
from allocator.dataset.store import DatasetStore
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


# ---------------------------------------------------------------- the analysis, loop and document commands
# Every mutation below is invalid for the command it is applied to (a value no run accepts, a malformed
# file, a usage error), so each must end in a non-zero exit code and a Chinese message, never a traceback
# and never a result. Each command starts from arguments that run; one or two mutations are applied.

def _bad_files(folder) -> dict[str, object]:
    """Scenario and entry files that cannot be read as tables of numbers."""
    import openpyxl

    files = {"empty.csv": b"", "header.csv": b"constraints.cap_share_of_base\n",
             "utf16.csv": "constraints.cap_share_of_base\n120\n".encode("utf-16"),
             "text.csv": b"constraints.cap_share_of_base\nabc\n", "nan.csv": b"constraints.cap_share_of_base\nnan\n",
             "blank.csv": b"constraints.cap_share_of_base,constraints.floor_share_of_base\n120,\n",
             "corrupt.xlsx": b"PK\x03\x04 broken", "empty.xlsx": b"", "table.json": b"{}"}
    paths = {}
    for name, content in files.items():
        paths[name] = folder / name
        paths[name].write_bytes(content)
    wb = openpyxl.Workbook()
    for row in (["constraints.cap_share_of_base"], ["一百二十"]):
        wb.active.append(row)
    paths["text.xlsx"] = folder / "text.xlsx"
    wb.save(paths["text.xlsx"])
    return paths


def _mutated_entries(folder, rng: random.Random, n: int) -> list:
    """Copies of the 2019 自评 entries, each with one to three cells made invalid."""
    base = load_packaged("sichuan-selfeval-2019")
    out = []
    for k in range(n):
        frame = base.astype(object).copy()
        for _ in range(rng.choice([1, 1, 2, 3])):
            i, j = rng.randrange(len(frame)), rng.randrange(2, len(frame.columns))
            frame.iat[i, j] = rng.choice(["abc", "nan", "inf", "-3", "1e21", "1e308", "#DIV/0!", "=1+1", "9" * 30])
        out.append(_csv(frame, folder / f"entries{k}.csv"))
    return out


def cli_mutations(folder) -> dict[str, tuple[list[str], list[list[str]]]]:
    """Per command: arguments that run, and mutations each of which makes them invalid."""
    files = _bad_files(folder)
    entries = _csv(load_packaged("sichuan-selfeval-2019"), folder / "entries.csv")
    store, out = str(folder / "db.sqlite"), str(folder / "out")
    ranges = [["-r", v] for v in ("factors.need.weight", "factors.need.weight=80:70", "factors.need.weight=nan:80",
                                  "factors.need.weight=0:1e300", "factors.need.weight=70:inf", "=70:80")]
    workers = [["--workers", v] for v in ("0", "-1", "100000", "x")]
    sweep_files = [["-s", str(p)] for p in files.values()]
    return {
        "sweep": (["sweep", "-p", "example", "-g", "factors.need.weight=70:80:5", "--balance", "factors.effort.weight"],
                  [["-g", v] for v in ("factors.need.weight=60:inf:1", "factors.need.weight=nan", "factors.need.weight=1e308",
                                       "factors.need.weight=80:70:1", "factors.need.weight=70:80:0",
                                       "factors.need.weight=0:900000:0.001", "factors.need.weight=120:130:5", "x")]
                  + sweep_files + workers + [["-s", str(folder / "missing.csv")]]),
        "montecarlo": (["montecarlo", "-p", "example", "-r", "factors.need.weight=70:80", "--draws", "20"],
                       [["--draws", v] for v in ("0", "-1", "1000000000", "x", "1e3")]
                       + [["--seed", v] for v in ("-1", "x")] + workers + ranges
                       + [["-e", v] for v in ("dibao_rural=nan", "dibao_rural", "dibao_rural=inf")]
                       + [["--distribution", "bogus"]]),
        "goal": (["goal", "-p", "example", "-r", "factors.need.weight=70:80", "-r", "factors.population.weight=0:10"],
                 [["--step", v] for v in ("nan", "inf", "0", "-1", "1e-9", "x")]
                 + [["--threshold", v] for v in ("nan", "inf", "-1", "101")]
                 + [["--minimum", v] for v in ("nan", "-1", "inf")] + [["--goal", "bogus"]] + ranges),
        "pace": (["pace", "-p", "example", "--years", "2"],
                 [["--growth", v] for v in ("nan", "inf", "-inf", "1e308", "-100", "150", "x")]
                 + [["--years", v] for v in ("0", "-1", "21", "x", "2.5")]),
        "selfeval": (["selfeval", "-d", "sichuan-selfeval-2019"],
                     [["-d", v] for v in ("nope", "db:nope@1", str(files["corrupt.xlsx"]), str(files["empty.csv"]))]
                     + [["--region", "999999"], ["--policy", "example"], ["-o", str(folder / "x.txt")],
                        ["--doc", str(folder / "a.pdf")], ["--doc", str(folder / "a.xlsx"), "--number", "-1"],
                        ["--save-as", "../x\x00y", "--store", store], ["--save-as", "a@b", "--store", store]]),
        "sensitivity": (["sensitivity", "-p", "example"],
                        [["--points", v] for v in ("nan", "inf", "-5", "0", "100", "1e308", "x")] + [["--region", "999999"]]),
        "matching": (["matching", "-p", "example"],
                     [["--share", v] for v in ("nan", "-1", "inf", "1e308", "2000")]
                     + [["--classes", v, "--class-shares", "10,20,30"] for v in ("nan,60", "60,30", "inf,60", "x,y")]
                     + [["--classes", "30,60", "--class-shares", "10,20"]]
                     + [["--threshold", v] for v in ("nan", "0", "-1", "inf", "2000")]),
        "export": (["export", "-p", "example", "-o", out, "--what", "table", "--format", "xlsx"],
                   [["--number", v] for v in ("-1", "0", "100", "x")]
                   + [["--direct", v] for v in ("999999", "990101,999999")]
                   + [["--what", "bogus"], ["--what", "table,bogus"], ["--format", "pdf"], ["--user", "{x}"], ["--user", "{0}"],
                      ["--timing"], ["-p", "nope"], ["-d", str(folder / "missing.csv")]]),
        "import-selfeval": (["import", str(entries), "--kind", "selfeval", "--name", "se", "--store", store],
                            [["--name", v] for v in ("../x\x00y", "", " se", "db:x", "a\tb")]
                            + [["--kind", "bogus"], ["--level", "bogus"], ["-p", "example"]]),
    }


USAGE_MUTATIONS = [["--bogus"], ["--policy"], ["--store"], ["extra-argument"]]


def _apply(base: list[str], mutation: list[str]) -> list[str]:
    """Replace the option's value if the arguments have it, else add the option (and its value)."""
    args = list(base)
    option = mutation[0]
    if option in args and len(mutation) == 2 and args.index(option) + 1 < len(args):
        i = args.index(option)
        args[i + 1] = mutation[1]
        return args
    return args + mutation


def _invoke(args: list[str]) -> str | None:
    """None when the command refused in Chinese; else what went wrong."""
    from typer.testing import CliRunner

    from allocator.cli import app
    result = CliRunner().invoke(app, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        return "".join(traceback.format_exception(result.exception))
    if result.exit_code == 0:
        return f"exit 0 for invalid input:\n{result.output[-1500:]}"
    if not any("\u4e00" <= ch <= "\u9fff" for ch in result.output) or "Traceback" in result.output:
        return f"no Chinese message:\n{result.output[-1500:]}"
    return None


def test_mutated_command_lines_end_in_a_chinese_refusal(tmp_path):
    rng = random.Random("cli")
    table = cli_mutations(tmp_path)
    lines = [_apply(base, m) for base, mutations in table.values() for m in mutations + USAGE_MUTATIONS]
    for _ in range(CASES // 4):  # two mutations of one command at once
        base, mutations = table[rng.choice(list(table))]
        first, second = rng.sample(mutations, 2)
        lines.append(_apply(_apply(base, first), second))
    store = tmp_path / "db.sqlite"
    lines += [["import", str(path), "--kind", "selfeval", "--name", "se", "--store", str(store)]
              for path in _mutated_entries(tmp_path, rng, CASES // 8)]
    failures = [f"{args}\n{problem}" for args in lines if (problem := _invoke(args))]
    assert not failures, f"{len(failures)} of {len(lines)} command lines:\n" + "\n\n".join(failures)[:20000]
    assert not store.exists() or DatasetStore(store).names() == []  # nothing refused was stored
