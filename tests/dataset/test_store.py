"""The versioned SQLite store: new versions for good files, nothing written for bad ones; the CLI on top."""
import hashlib
import sqlite3
from datetime import UTC, datetime

import pandas as pd
import pytest
from typer.testing import CliRunner

from allocator.cli import app
from allocator.dataset.store import SCHEMA_VERSION, DatasetStore, default_path, to_csv_text
from allocator.dataset.template import pool_base_column
from allocator.errors import DataError


def _csv(grid: pd.DataFrame, path) -> str:
    grid.to_csv(path, index=False, header=False, encoding="utf-8-sig")
    return str(path)


@pytest.fixture
def store(tmp_path):
    return DatasetStore(tmp_path / "allocator.sqlite")


def test_each_good_import_is_a_new_version_and_older_versions_stay_loadable(tmp_path, store, regions, crosswalk,
                                                                           pools, filled, grid):
    first, _ = store.import_file("sichuan", _csv(grid(filled), tmp_path / "v1.csv"), regions, crosswalk, pools=pools)
    changed = filled.assign(**{"特困人员(人)": filled["特困人员(人)"] + 1})
    second, _ = store.import_file("sichuan", _csv(grid(changed), tmp_path / "v2.csv"), regions, crosswalk,
                                  pools=pools)
    assert (first.version, second.version) == (1, 2) and first.new and second.new
    assert first.checksum != second.checksum
    assert [v.file_name for v in store.versions("sichuan")] == ["v1.csv", "v2.csv"]
    assert store.latest("sichuan") == second
    v1, latest = store.load("sichuan", 1), store.load("sichuan")
    assert (latest["tekun"] - v1["tekun"] == 1).all()
    pd.testing.assert_frame_equal(store.load("sichuan", 2), latest)


def test_a_version_records_file_name_utc_time_checksum_of_its_content_and_row_count(tmp_path, store, regions,
                                                                                   crosswalk, pools, filled, grid):
    version, _ = store.import_file("sichuan", _csv(grid(filled), tmp_path / "官方数据.csv"), regions, crosswalk,
                                   pools=pools)
    assert version.name == "sichuan" and version.file_name == "官方数据.csv" and version.n_rows == 183
    stamp = datetime.fromisoformat(version.imported_at)
    assert stamp.utcoffset() == UTC.utcoffset(None)
    assert abs((datetime.now(UTC) - stamp).total_seconds()) < 60
    stored = to_csv_text(store.load("sichuan"))
    assert version.checksum == hashlib.sha256(stored.encode("utf-8")).hexdigest()


def test_load_gives_back_the_imported_table_exactly(tmp_path, store, regions, crosswalk, pools, filled, grid):
    version, result = store.import_file("sichuan", _csv(grid(filled), tmp_path / "v1.csv"), regions, crosswalk,
                                        pools=pools)
    loaded = store.load("sichuan", version.version)
    pd.testing.assert_frame_equal(loaded, result.frame)  # same columns in the same order, same dtypes and values
    assert loaded["code"].iloc[0] == "510104"
    assert (loaded.drop(columns=["code", "name"]).dtypes == "float64").all()


def test_save_stores_a_frame_with_a_note(store, figures):
    saved = store.save("by-hand", figures, "figures.csv", note="测试")
    assert (saved.version, saved.note, saved.n_rows) == (1, "测试", 183)
    pd.testing.assert_frame_equal(store.load("by-hand"), figures)


def test_a_file_with_errors_leaves_the_store_untouched(tmp_path, store, regions, crosswalk, pools, filled, grid):
    store.import_file("sichuan", _csv(grid(filled), tmp_path / "good.csv"), regions, crosswalk, pools=pools)
    versions_before, table_before = store.versions("sichuan"), store.load("sichuan")
    bad = filled.astype(object)
    bad.loc[0, "户籍人口(人)"] = -1
    bad.loc[1, "地区代码"] = "519999"
    with pytest.raises(DataError, match="共 3 处"):  # the negative, the unknown code, 510105 missing
        store.import_file("sichuan", _csv(grid(bad), tmp_path / "bad.csv"), regions, crosswalk, pools=pools)
    with pytest.raises(DataError):
        store.import_file("other", _csv(grid(bad), tmp_path / "bad.csv"), regions, crosswalk, pools=pools)
    assert store.versions("sichuan") == versions_before
    pd.testing.assert_frame_equal(store.load("sichuan"), table_before)
    assert store.names() == ["sichuan"] and store.versions("other") == []


def test_the_same_content_twice_is_not_stored_twice(tmp_path, store, regions, crosswalk, pools, filled, grid):
    path = _csv(grid(filled), tmp_path / "same.csv")
    first, _ = store.import_file("sichuan", path, regions, crosswalk, pools=pools)
    again, _ = store.import_file("sichuan", path, regions, crosswalk, pools=pools)
    assert (again.version, again.new, again.checksum) == (1, False, first.checksum)
    as_xlsx = tmp_path / "same.xlsx"  # the same figures in another format are the same content
    grid(filled).to_excel(as_xlsx, index=False, header=False)
    assert not store.import_file("sichuan", as_xlsx, regions, crosswalk, pools=pools)[0].new
    assert len(store.versions("sichuan")) == 1


def test_only_the_latest_version_counts_as_already_stored(tmp_path, store, figures):
    store.save("sichuan", figures, "a.csv")
    store.save("sichuan", figures.assign(tekun=figures["tekun"] + 1), "b.csv")
    back = store.save("sichuan", figures, "a.csv")
    assert (back.version, back.new) == (3, True)


def test_unknown_datasets_and_versions_are_named_in_chinese(store, figures):
    assert store.latest("nothing") is None and store.versions("nothing") == []
    with pytest.raises(KeyError, match="没有数据集「nothing」的任何版本"):
        store.load("nothing")
    store.save("sichuan", figures, "a.csv")
    with pytest.raises(KeyError, match="没有数据集「sichuan」的第 7 版"):
        store.load("sichuan", 7)


def test_the_schema_is_created_on_open_with_its_version(tmp_path):
    path = tmp_path / "db.sqlite"
    DatasetStore(path)
    DatasetStore(path)  # opening again changes nothing
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
        assert {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} >= {
            "schema_version", "dataset_versions"}


def test_the_default_store_is_named_by_allocator_store(tmp_path, monkeypatch):
    monkeypatch.setenv("ALLOCATOR_STORE", str(tmp_path / "elsewhere.sqlite"))
    assert default_path() == tmp_path / "elsewhere.sqlite"
    assert DatasetStore().path == tmp_path / "elsewhere.sqlite" and (tmp_path / "elsewhere.sqlite").exists()
    monkeypatch.delenv("ALLOCATOR_STORE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_path() == tmp_path / "xdg" / "allocator" / "allocator.sqlite"


# --- command line ----------------------------------------------------------------------------------

def test_cli_import_stores_a_version_then_recognises_the_same_file(tmp_path, filled, grid):
    db = str(tmp_path / "db.sqlite")
    frame = filled.drop(columns=[c for c in filled.columns if c.startswith("上年分配")])
    frame.loc[frame["地区代码"] == "510117", ["地区代码", "地区名称"]] = ["510124", "郫县"]
    path = tmp_path / "填报数据.xlsx"
    grid(frame).to_excel(path, index=False, header=False)
    runner = CliRunner()
    first = runner.invoke(app, ["import", str(path), "--name", "sc", "--store", db])
    assert first.exit_code == 0, first.output
    assert "提示：第 13 行：旧代码 510124 郫县 已映射为 510117 郫都区" in first.output
    assert "已导入「sc」第 1 版：183 个地区，文件 填报数据.xlsx" in first.output
    again = runner.invoke(app, ["import", str(path), "--name", "sc", "--store", db])
    assert again.exit_code == 0 and "与「sc」第 1 版内容相同" in again.output and "未重复保存" in again.output
    listed = runner.invoke(app, ["datasets", "--store", db])
    assert listed.output.count("sc@") == 1 and "填报数据.xlsx" in listed.output


def test_cli_import_lists_every_problem_exits_with_1_and_stores_nothing(tmp_path, filled):
    db = str(tmp_path / "db.sqlite")
    bad = filled.astype(object)
    bad.loc[0, "特困人员(人)"] = -5
    bad.loc[1, "地区代码"] = "123456"
    path = tmp_path / "bad.csv"
    bad = bad[[c for c in bad.columns if not c.startswith("上年分配")]]
    bad.to_csv(path, index=False, encoding="gb18030")
    result = CliRunner().invoke(app, ["import", str(path), "--name", "sc", "--store", db])
    assert result.exit_code == 1
    assert "数据有误（共 3 处）" in result.output
    assert "第 2 行（510104 锦江区）「特困人员(人)」= -5：不能为负数" in result.output
    assert "第 3 行：地区代码 123456 不是本数据集的地区" in result.output
    assert "缺少地区 510105 青羊区 的数据行" in result.output
    assert "db:" not in CliRunner().invoke(app, ["datasets", "--store", db]).output


def _feasible_bases(figures: pd.DataFrame, policy) -> pd.DataFrame:
    """Last-year allocations that a 90 %–120 % corridor can reach: each pool's total / 1.05, shared by 户籍人口
    among the regions the pool is for."""
    for pool in policy.pools:
        eligible = figures["code"].isin(pool.eligible_regions) if pool.eligible_regions else figures["code"].notna()
        weight = figures["hukou_population"].where(eligible, 0)
        figures[pool_base_column(pool)] = (pool.total / 1.05 * weight / weight.sum()).round(2)
    return figures


def test_cli_from_template_to_import_to_a_run_on_the_stored_version(tmp_path, regions, make_figures, to_headers):
    from allocator.policy import load_policy

    policy_path = "sichuan-2020"
    policy = load_policy(policy_path)
    db = str(tmp_path / "db.sqlite")
    runner = CliRunner()
    made = runner.invoke(app, ["template", "--out", str(tmp_path / "模板.xlsx"), "--policy", policy_path])
    assert made.exit_code == 0, made.output
    figures = _feasible_bases(make_figures(regions, policy.pools), policy)
    filled = to_headers(figures, policy.pools)
    path = tmp_path / "filled.csv"
    filled.to_csv(path, index=False, encoding="gb18030")
    imported = runner.invoke(app, ["import", str(path), "--name", "sc", "--policy", policy_path, "--store", db])
    assert imported.exit_code == 0, imported.output
    assert "已导入「sc」第 1 版：183 个地区" in imported.output
    assert "--data db:sc@1" in imported.output
    with pytest.MonkeyPatch.context() as mp:  # `run --data db:…` reads the default store
        mp.setenv("ALLOCATOR_STORE", db)
        run = runner.invoke(app, ["run", "--policy", policy_path, "--data", "db:sc@1"])
    assert run.exit_code == 0, run.output
    assert f"资金合计 {sum(p.total for p in policy.pools):,.0f} 万元" in run.output


def test_an_empty_template_imported_for_a_policy_is_refused_and_nothing_is_stored(tmp_path):

    db = str(tmp_path / "db.sqlite")
    policy = "sichuan-2020"
    runner = CliRunner()
    assert runner.invoke(app, ["template", "-o", str(tmp_path / "t.xlsx"), "-p", policy]).exit_code == 0
    result = runner.invoke(app, ["import", str(tmp_path / "t.xlsx"), "--name", "sc", "-p", policy, "--store", db])
    assert result.exit_code == 1 and "整列为空" in result.output
    assert "db:" not in runner.invoke(app, ["datasets", "--store", db]).output
