"""Engine tests: PuLP 3.x warns about its 4.0 API on every model; the warnings say nothing about us."""
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def pytest_collection_modifyitems(config, items):
    quiet = pytest.mark.filterwarnings(r"ignore:.*PuLP 4\.0:DeprecationWarning")
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(quiet)
