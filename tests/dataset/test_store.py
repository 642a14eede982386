"""The versioned SQLite store: new versions for good files, nothing written for bad ones."""
import pandas as pd
import pytest
from typer.testing import CliRunner

from allocator.cli import app
from allocator.dataset.reference import DATA_DIR
from allocator.dataset.store import DatasetStore
from allocator.errors import DataError


def _write(grid: pd.DataFrame, path) -> str:
    grid.to_csv(path, index=False, header=False, encoding="utf-8-sig")
    return str(path)


def test_each_good_import_is_a_new_version_and_older_versions_stay_loadable(tmp_path, regions, crosswalk, policy,
                                                                           official, as_file_grid):
    store = DatasetStore(tmp_path / "db.sqlite")
    first, _ = store.import_file("sichuan", _write(as_file_grid(official), tmp_path / "v1.csv"), regions, crosswalk,
                                 pools=policy.pools)
    changed = official.copy()
    changed["特困人员(人)"] = changed["特困人员(人)"] + 1
    second, _ = store.import_file("sichuan", _write(as_file_grid(changed), tmp_path / "v2.csv"), regions, crosswalk,
                                  pools=policy.pools)
    assert (first.version, second.version) == (1, 2) and first.checksum != second.checksum
    assert [v.file_name for v in store.versions("sichuan")] == ["v1.csv", "v2.csv"]
    assert second.n_rows == 183 and second.imported_at.endswith("+00:00")
    v1, latest = store.load("sichuan", 1), store.load("sichuan")
    assert (latest["tekun"] - v1["tekun"] == 1).all()
    assert v1["code"].tolist() == sorted(regions["code"])  # codes stay text: "510104", not 510104


def test_a_file_with_errors_leaves_the_store_untouched(tmp_path, regions, crosswalk, policy, official, as_file_grid):
    store = DatasetStore(tmp_path / "db.sqlite")
    store.import_file("sichuan", _write(as_file_grid(official), tmp_path / "good.csv"), regions, crosswalk,
                      pools=policy.pools)
    before = store.load("sichuan")
    bad = official.astype(object)
    bad.loc[0, "户籍人口(人)"] = -1
    with pytest.raises(DataError):
        store.import_file("sichuan", _write(as_file_grid(bad), tmp_path / "bad.csv"), regions, crosswalk,
                          pools=policy.pools)
    assert len(store.versions("sichuan")) == 1
    pd.testing.assert_frame_equal(store.load("sichuan"), before)


def test_the_same_file_twice_is_not_stored_twice(tmp_path, regions, crosswalk, policy, official, as_file_grid):
    store = DatasetStore(tmp_path / "db.sqlite")
    path = _write(as_file_grid(official), tmp_path / "same.csv")
    store.import_file("sichuan", path, regions, crosswalk, pools=policy.pools)
    again, _ = store.import_file("sichuan", path, regions, crosswalk, pools=policy.pools)
    assert again.version == 1 and not again.new
    assert len(store.versions("sichuan")) == 1


def test_cli_template_import_and_run_on_the_imported_version(tmp_path, official, monkeypatch):
    monkeypatch.setenv("ALLOCATOR_STORE", str(tmp_path / "db.sqlite"))
    runner = CliRunner()
    policy = str(DATA_DIR / "policies" / "sichuan-2020.toml")
    made = runner.invoke(app, ["template", "-o", str(tmp_path / "t.xlsx"), "-p", policy])
    assert made.exit_code == 0 and "183 个地区" in made.output
    path = tmp_path / "filled.csv"
    official.to_csv(path, index=False, encoding="gb18030")
    imported = runner.invoke(app, ["import", str(path), "--name", "sc", "-p", policy])
    assert imported.exit_code == 0, imported.output
    assert "已导入「sc」第 1 版：183 个地区" in imported.output
    run = runner.invoke(app, ["run", "-p", policy, "--data", "db:sc@1"])
    assert run.exit_code == 0, run.output
    assert "315,500" in run.output
    listed = runner.invoke(app, ["datasets"])
    assert "sc@1" in listed.output and "filled.csv" in listed.output


def test_cli_import_lists_every_problem_and_exits_with_an_error(tmp_path, official, monkeypatch):
    monkeypatch.setenv("ALLOCATOR_STORE", str(tmp_path / "db.sqlite"))
    bad = official.astype(object)
    bad.loc[0, "特困人员(人)"] = -5
    bad.loc[1, "地区代码"] = "123456"
    path = tmp_path / "bad.xlsx"
    bad.to_excel(path, index=False)
    result = CliRunner().invoke(app, ["import", str(path), "--name", "sc"])
    assert result.exit_code == 1
    assert "不能为负数" in result.output and "123456 不是本数据集的地区" in result.output
    assert "缺少地区 510105 青羊区" in result.output
    assert CliRunner().invoke(app, ["datasets"]).output.strip() == ""
