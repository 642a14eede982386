"""Each page's main flows through streamlit's AppTest (widgets addressed by key)."""
import pytest

pytest.importorskip("streamlit")
from pathlib import Path  # noqa: E402

from streamlit.testing.v1 import AppTest  # noqa: E402

from allocator import usecases as u  # noqa: E402

APP = str(Path(__file__).resolve().parents[2] / "app" / "main.py")

TIMEOUT = 120


def app(**params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update(params)
    return at.run()


def frame_with(at: AppTest, column: str):
    """The first table on the page that has `column`."""
    return next(d.value for d in at.main.dataframe if column in d.value.columns)


def totals(at: AppTest):
    return frame_with(at, "合计")["合计"].tolist()


def test_design_page_opens_with_the_2020_preset_and_the_demo_label(stores):
    at = app()
    assert not at.exception
    assert at.title[0].value == "方案设计"
    assert at.metric[0].value == "315,500"
    assert any("示例数据" in c.value for c in at.caption)
    assert len(totals(at)) == 183


def test_changing_a_weight_changes_the_table(stores):
    at = app()
    before = totals(at)
    at.number_input(key="w_need").set_value(70.0)
    at.number_input(key="w_effort").set_value(25.0)
    at.run()
    assert not at.exception and not at.error
    after = totals(at)
    assert after != before and sum(after) == sum(before)


def test_weights_off_100_percent_show_the_message_and_keep_the_last_result(stores):
    at = app()
    before = totals(at)
    at.number_input(key="w_need").set_value(70.0).run()
    assert not at.exception
    messages = " ".join(e.value for e in at.sidebar.error)
    assert "权重合计 95%，应为 100%" in messages
    assert "应为 100%" in messages  # the library's own message sits next to the weights too
    assert any("上一次成功的结果" in w.value for w in at.warning)
    assert totals(at) == before


def test_infeasible_floors_are_explained_next_to_the_floor_control(stores):
    at = app()
    at.number_input(key="floor_pct").set_value(115.0).run()
    assert not at.exception
    assert any("约束无法同时满足" in e.value for e in at.sidebar.error)
    assert len(totals(at)) == 183  # last good result still on screen


def test_url_parameters_seed_the_widgets(stores):
    at = app(w_need="70", w_effort="25", cap_pct="130")
    assert not at.exception
    assert at.number_input(key="w_need").value == 70
    assert at.number_input(key="w_effort").value == 25
    assert at.number_input(key="cap_pct").value == 130
    expected = u.design_view(u.scenario_inputs("sichuan-2020", None, {
        "factors.need.weight": 70.0, "factors.effort.weight": 25.0,
        "constraints.cap_share_of_base": 130.0})).table["合计"].tolist()
    assert totals(at) == expected


def _save(at: AppTest, name: str) -> AppTest:
    at.switch_page("views/compare.py").run()
    at.text_input(key="save_name").input(name)
    at.text_input(key="save_author").input("测试")
    at.button[0].click()  # the form's 保存 button
    return at.run()


def test_a_scenario_is_saved_and_reloaded_by_its_id(stores):
    at = app()
    at.number_input(key="w_need").set_value(70.0)
    at.number_input(key="w_effort").set_value(25.0)
    changed = totals(at.run())
    at = _save(at, "七成方案")
    assert not at.exception
    assert any("已保存方案「七成方案」" in s.value for s in at.success)
    saved = u.load_scenario("七成方案")
    assert saved.overrides == {"factors.need.weight": 70.0, "factors.effort.weight": 25.0}
    fresh = app(scenario=str(saved.id))  # a new session opening the share link
    assert not fresh.exception
    assert fresh.number_input(key="w_need").value == 70
    assert totals(fresh) == changed


def test_saving_an_existing_name_asks_before_overwriting(stores):
    at = app()
    at = _save(at, "方案甲")
    at.text_input(key="save_name").input("方案甲")
    at.button[0].click()
    at.run()
    assert any("要用当前方案覆盖它吗" in w.value for w in at.warning)
    assert len(u.list_scenarios()) == 1
    at.button(key="overwrite_yes").click().run()
    assert any("已保存方案「方案甲」" in s.value for s in at.success)
    assert len(u.list_scenarios()) == 1


def test_comparison_is_shown(stores):
    u.save_scenario("七成", "sichuan-2020", "sichuan-2020", {"factors.need.weight": 70, "factors.effort.weight": 25})
    at = app()
    at.switch_page("views/compare.py").run()
    assert not at.exception
    assert at.selectbox(key="cmp_base").value == "预设：sichuan-2020"  # the current scenario's base
    assert at.multiselect(key="cmp_alts").value == ["七成（#1）"]  # saved scenarios by default
    at.multiselect(key="cmp_alts").set_value(["七成（#1）", "当前方案（未保存的编辑）"]).run()
    metrics = frame_with(at, "指标")
    assert list(metrics.columns) == ["指标", "预设：sichuan-2020", "七成（#1）", "当前方案（未保存的编辑）"]
    assert "每困难群众补助的基尼系数" in metrics["指标"].tolist()
    assert any("参数改动" in m.value for m in at.markdown)


def test_county_preview_and_private_what_if(stores):
    at = app()
    at.switch_page("views/county.py").run()
    assert not at.exception
    at.text_input(key="county_q").input("理县").run()
    assert at.selectbox(key="county").value == "513222"
    assert at.subheader[0].value.startswith("理县")
    at.number_input(key="wi_dibao_rural").set_value(1000.0)
    at.button[0].click().run()  # the what-if form's 测算 button
    assert not at.exception
    labels = [m.label for m in at.metric]
    assert "模拟后（万元）" in labels
    assert u.load_inputs("sichuan-2020").source.frame.set_index("code").loc["513222", "dibao_rural"] == 4835


def test_a_bad_upload_is_refused_with_every_problem_listed(stores):
    at = app()
    at.switch_page("views/data.py").run()
    assert not at.exception
    assert any("示例数据" in c.value for c in at.caption)
    bad = "地区代码,地区名称,户籍人口(人)\n510104,锦江区,-5\n999999,无此县,100\n".encode()
    at.file_uploader(key="upload").set_value(("bad.csv", bad, "text/csv")).run()
    assert not at.exception
    assert any("未通过校验，未保存" in e.value for e in at.error)
    problems = frame_with(at, "说明")
    assert len(problems) >= 2
    assert u.list_datasets() == []  # nothing stored


def test_a_good_upload_becomes_a_new_version(stores, tmp_path):
    good = u.read_data("sichuan-2020").frame
    content = good.to_csv(index=False).encode("utf-8")
    at = app()
    at.switch_page("views/data.py").run()
    at.file_uploader(key="upload").set_value(("good.csv", content, "text/csv")).run()
    assert not at.exception and not at.error
    at.button(key="import_btn").click().run()
    assert [v.version for v in u.list_datasets()] == [1]


def test_two_sessions_never_see_each_others_unsaved_edits(stores):
    first, second = app(), app()
    untouched = totals(second)
    first.number_input(key="w_need").set_value(70.0)
    first.number_input(key="w_effort").set_value(25.0)
    first.run()
    second.run()
    assert totals(first) != untouched
    assert totals(second) == untouched
    assert second.number_input(key="w_need").value == 75


def test_an_imported_version_can_be_chosen_on_the_design_page(stores):
    frame = u.read_data("sichuan-2020").frame
    frame.loc[frame["code"] == "510104", "dibao_urban"] += 5000
    path = stores / "v1.csv"
    frame.to_csv(path, index=False)
    u.import_dataset(path, "sichuan-county", policy="sichuan-2020")
    at = app()
    before = totals(at)
    at.selectbox(key="data").set_value("db:sichuan-county@1").run()
    assert not at.exception and not at.error
    after = totals(at)
    assert after != before and sum(after) == sum(before)
    assert not any("示例数据" in c.value for c in at.caption if "注：" in c.value)  # imported data are not the demo
