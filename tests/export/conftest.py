"""Fixtures for the documents: the 2020 Sichuan preset on its demo data, exported once per session."""
import pytest

from allocator import usecases
from allocator.policy import apply_overrides, load_policy


@pytest.fixture(scope="session")
def sichuan():
    inputs = usecases.load_inputs("sichuan-2020")
    return inputs, usecases.settle(inputs)


@pytest.fixture(scope="session")
def exported(tmp_path_factory, sichuan):
    """分配表 (timing), 测算说明 and CSV for the 2020 preset (the 183-page target document is written
    from a few regions in its own tests, to keep the suite quick)."""
    out = tmp_path_factory.mktemp("documents")
    options = usecases.DocumentOptions(kinds=("table", "note", "csv"), doc_number="川财社〔2020〕  号")
    report = usecases.export_documents(sichuan[0], out, options)
    return {p.suffix + ("_note" if "测算说明" in p.name else ""): p for p in report.files}


@pytest.fixture(scope="session")
def formula_named(tmp_path_factory):
    """A region and a scenario named "=1+1": every document of them, without the 区域绩效目标表."""
    frame = usecases.read_data("sichuan-2020").frame
    frame.loc[frame["code"] == "510104", "name"] = "=1+1"
    policy = apply_overrides(load_policy("sichuan-2020"), {"policy.title": "=1+1"})
    inputs = usecases.load_inputs(policy, frame)
    out = tmp_path_factory.mktemp("formula")
    report = usecases.export_documents(inputs, out, usecases.DocumentOptions(kinds=("table", "note", "csv")))
    return inputs, report.files
