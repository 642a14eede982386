"""Every script in benchmarks/ still runs, at its quickest setting (`--quick`), so none of them can rot.

Nothing is timed here: the figures are read by people on a quiet machine (see each script's docstring).
Select or skip these with `-m benchmark` / `-m "not benchmark"`.
"""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = sorted(p.name for p in (ROOT / "benchmarks").glob("*.py"))
NEEDS = {"bench_app.py": "streamlit"}  # optional extras a script needs (`allocator[app]`)

pytestmark = pytest.mark.benchmark


def test_every_benchmark_script_is_run_here():
    assert SCRIPTS == ["bench_app.py", "bench_batch.py", "bench_engine.py", "bench_solver.py", "realism.py"]


@pytest.mark.parametrize("script", SCRIPTS)
def test_the_script_runs_at_its_quickest_setting(script, tmp_path):
    if script in NEEDS and importlib.util.find_spec(NEEDS[script]) is None:
        pytest.skip(f"{NEEDS[script]} is not installed")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ALLOCATOR_STORE": str(tmp_path / "store.sqlite"),
           "ALLOCATOR_SCENARIOS": str(tmp_path / "scenarios.sqlite")}
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), "--quick"], capture_output=True,
                          text=True, cwd=tmp_path, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip(), "a benchmark prints its table"
