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
    # sichuan-2020.toml: 196,000 常规 + 15,600 + 37,700 + 10,200 + 28,000 深度贫困定向 = 287,500 万元
    assert at.metric[0].value == "287,500"
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
    shared = u.load_inputs("sichuan-2020").source.frame.set_index("code").loc["513222", "dibao_rural"]
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
    assert u.load_inputs("sichuan-2020").source.frame.set_index("code").loc["513222", "dibao_rural"] == shared


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


def test_a_link_names_the_preset_by_its_id(stores):
    """?preset=<id> opens that preset; choosing another writes its id (the default leaves the link clean)."""
    at = app(preset="sichuan-2019")
    assert not at.exception
    assert at.metric[0].value == "273,799"  # sichuan-2019.toml: 213,294 central general + …
    assert at.query_params["preset"] == "sichuan-2019"
    at.selectbox(key="preset").set_value("example").run()
    assert at.query_params["preset"] == "example"
    at.selectbox(key="preset").set_value("sichuan-2020").run()
    assert "preset" not in at.query_params
    assert app(preset="no-such-preset").metric[0].value == "287,500"  # an unknown id: the default preset


# ---------------------------------------------------------------- every preset, sources, matching, documents

def _with_preset(name: str, tab: str | None = None) -> AppTest:
    at = app()
    at.selectbox(key="preset").set_value(name).run()
    if tab:
        at.session_state["tab"] = tab
        at.run()
    return at


@pytest.mark.parametrize("name", list(u.builtin_presets()))
def test_every_preset_runs_on_its_own_data(stores, name):
    at = _with_preset(name)
    assert not at.exception and not at.error and not at.warning
    policy = u.resolve_policy(name)
    assert at.selectbox(key="data").value == policy.dataset  # a new preset brings its own dataset
    expected = u.run(u.load_inputs(name)).table()["total"].sum()
    assert at.metric[0].value == f"{expected:,.0f}"
    assert len(totals(at)) == len(u.load_inputs(name).data.codes)


def test_the_map_tab_says_when_regions_are_off_the_county_map(stores):
    at = _with_preset("guangyuan-capacity-2023", "地图")
    assert not at.exception
    assert any("不在四川省县级地图上" in i.value and "510800" in i.value for i in at.info)
    assert not at.get("vega_lite_chart") and not at.get("arrow_vega_lite_chart")
    sichuan = _with_preset("sichuan-2019", "地图")
    assert not sichuan.info and sichuan.get("vega_lite_chart")


def test_design_page_shows_totals_by_funding_source_and_purpose(stores):
    at = _with_preset("sichuan-2019")
    table = next(t.value for t in at.main.table if "资金来源" in t.value.columns).set_index("资金来源")
    # 2019 report: 中央一般公共预算 213,294 = 186,650 常规分配 + 26,644 深度贫困定向
    assert table.loc["中央一般公共预算", ["常规分配", "深度贫困定向", "小计"]].tolist() == [186650, 26644, 213294]
    assert table.loc["合计", "小计"] == 273799


def test_design_page_offers_the_documents_next_to_the_downloads(stores):
    at = app()
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[:2] == ["下载分配表与测算过程（CSV）", "下载分配表（Excel）"]
    assert labels[2:5] == ["下载附件：分配表（Excel）", "下载附件：分配表（Word）", "下载测算说明（Word）"]


def test_county_preview_shows_the_matching_burden_beside_the_transfer(stores):
    at = app()
    at.switch_page("views/county.py").run()
    at.text_input(key="county_q").input("理县").run()
    metrics = {m.label: m.value for m in at.metric}
    full = float(u.run(u.load_inputs("sichuan-2020")).table().set_index("code").loc["513222", "total"])
    assert metrics["全年分配额（万元）"] == f"{full:,.2f}"
    assert metrics["上级补助（万元）"] == f"{full:,.2f}"
    assert metrics["应配套资金（万元）"] == f"{0.2 * full:,.2f}"  # the default rule: 20 % of the transfer
    at.number_input(key="match_share").set_value(50.0).run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["应配套资金（万元）"] == f"{0.5 * full:,.2f}"


def test_county_preview_without_fiscal_figures_says_so(stores):
    at = _with_preset("guangyuan-insurance-2023")
    at.switch_page("views/county.py").run()
    assert not at.exception
    assert any("无法测算配套负担" in i.value for i in at.info)


def test_compare_offers_only_presets_with_the_same_regions(stores):
    at = _with_preset("guangyuan-capacity-2023")
    at.switch_page("views/compare.py").run()
    assert not at.exception
    assert at.selectbox(key="cmp_base").options == ["当前方案（未保存的编辑）", "预设：guangyuan-capacity-2023",
                                                    "预设：guangyuan-insurance-2023"]
    assert any("510800" in i.value for i in at.info)  # no map comparison for 市本级
