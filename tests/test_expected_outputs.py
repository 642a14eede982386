"""Every shipped preset still gives exactly the stored figures (tests/expected/*.csv).

A change that moves a figure on purpose regenerates them with `python tests/expected/regenerate.py`.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from allocator.policy import preset_names

EXPECTED = Path(__file__).resolve().parent / "expected"
_spec = importlib.util.spec_from_file_location("regenerate", EXPECTED / "regenerate.py")
regenerate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(regenerate)


@pytest.mark.parametrize("preset", preset_names())
def test_the_preset_gives_the_stored_figures_exactly(preset):
    stored = pd.read_csv(EXPECTED / f"{preset}.csv", dtype={"code": str}, keep_default_na=False)
    now = regenerate.expected_frame(preset)
    now = pd.read_csv(pd.io.common.StringIO(now.to_csv(index=False)), dtype={"code": str}, keep_default_na=False)
    pd.testing.assert_frame_equal(now, stored, check_exact=True)


def test_every_preset_has_stored_figures():
    assert sorted(p.stem for p in EXPECTED.glob("*.csv")) == preset_names()
