"""Prepared pairs shared by the analysis tests (built once per session: they are read-only)."""
import pytest

from allocator.analysis.batch import prepare
from allocator.usecases import load_inputs


@pytest.fixture(scope="session")
def sichuan():
    inputs = load_inputs("sichuan-2020")
    return prepare(inputs.policy, inputs.data)


@pytest.fixture(scope="session")
def example():
    inputs = load_inputs("example")
    return prepare(inputs.policy, inputs.data)
