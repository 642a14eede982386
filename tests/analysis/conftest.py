"""Prepared pairs shared by the analysis tests (built once per session: they are read-only)."""
import pytest
from batch_cases import TWO_REGIONS

from allocator.analysis.batch import prepare
from allocator.policy import policy_from_text
from allocator.usecases import load_inputs


@pytest.fixture(scope="session")
def sichuan():
    inputs = load_inputs("sichuan-2020")
    return prepare(inputs.policy, inputs.data)


@pytest.fixture(scope="session")
def presets():
    """Every shipped preset prepared once, by name (built on first use)."""
    cache = {}

    def get(name):
        if name not in cache:
            inputs = load_inputs(name)
            cache[name] = prepare(inputs.policy, inputs.data)
        return cache[name]
    return get


@pytest.fixture(scope="session")
def example():
    inputs = load_inputs("example")
    return prepare(inputs.policy, inputs.data)


@pytest.fixture
def two_regions():
    """Two regions with 1 and 3 低保对象 sharing 100 万元 by need alone (no floors or caps)."""
    import pandas as pd
    data = pd.DataFrame({"code": ["510101", "510102"], "name": ["甲区", "乙县"], "dibao_rural": [1, 3],
                         "base_central": [20, 80]})
    return prepare(policy_from_text(TWO_REGIONS), data)


@pytest.fixture(scope="session")
def wide():
    """sichuan-2020 on 700 regions with tight floors and caps (`batch_cases.wide_pair`)."""
    from batch_cases import wide_pair
    return wide_pair()
