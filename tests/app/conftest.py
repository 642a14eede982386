"""The app's tests use their own dataset and scenario store (a temporary SQLite file)."""
from pathlib import Path

import pytest

APP = str(Path(__file__).resolve().parents[2] / "app" / "main.py")


@pytest.fixture
def stores(tmp_path, monkeypatch):
    monkeypatch.setenv("ALLOCATOR_STORE", str(tmp_path / "store.sqlite"))
    monkeypatch.setenv("ALLOCATOR_SCENARIOS", str(tmp_path / "scenarios.sqlite"))
    return tmp_path
