"""方案比较: save the current scenario, manage saved ones, compare a baseline with alternatives."""
from __future__ import annotations

import streamlit as st

from allocator import usecases as u
from allocator.errors import AllocatorError
from app import state
from app.ui import charts, common


def save_form(current: state.ScenarioRef) -> None:
    st.subheader("保存当前方案")
    with st.form("save_form"):
        c1, c2 = st.columns(2)
        name = c1.text_input("方案名称", key="save_name")
        author = c2.text_input("作者", key="save_author")
        note = st.text_area("说明", key="save_note", height=68)
        submitted = st.form_submit_button("保存")
    if submitted:
        st.session_state["pending_save"] = {"name": name, "author": author, "note": note}
        st.session_state["confirm_overwrite"] = False
    pending = st.session_state.get("pending_save")
    if not pending:
        return
    overwrite = st.session_state.get("confirm_overwrite", False)
    if not overwrite and u.scenario_exists(pending["name"].strip() or "-", state.scenarios_path()):
        st.warning(f"已有名为「{pending['name'].strip()}」的方案。要用当前方案覆盖它吗？")
        c1, c2 = st.columns(2)
        if c1.button("覆盖", key="overwrite_yes"):
            st.session_state["confirm_overwrite"] = True
            st.rerun()
        if c2.button("取消", key="overwrite_no"):
            st.session_state.pop("pending_save")
            st.rerun()
        return
    try:
        saved = u.save_scenario(pending["name"], current.base, current.data, current.overrides, pending["note"],
                                pending["author"], overwrite=overwrite, store=state.store_path(),
                                scenarios=state.scenarios_path())
        st.success(f"已保存方案「{saved.name}」（编号 {saved.id}）；分享链接：?scenario={saved.id}")
        st.session_state["cmp_alts"] = [f"{saved.name}（#{saved.id}）"]  # compare the new one at once
        st.session_state.pop("cmp_base", None)
    except AllocatorError as exc:
        common.show_error(exc)
    st.session_state.pop("pending_save", None)
    st.session_state["confirm_overwrite"] = False


def manage(saved: list[u.SavedScenario]) -> None:
    st.subheader("已保存的方案")
    if not saved:
        st.info("还没有保存的方案：在「方案设计」页调整参数后，在上面保存")
        return
    rows = [{"编号": s.id, "名称": s.name, "基础政策": s.base, "数据": s.dataset, "改动数": len(s.overrides),
             "作者": s.author, "说明": s.note, "保存时间(UTC)": s.updated_at, "运行指纹": s.fingerprint[:12]}
            for s in saved]
    st.dataframe(rows, hide_index=True, key="saved_table")
    by_id = {s.id: s for s in saved}
    c1, c2, c3 = st.columns([2, 2, 3])
    chosen = c1.selectbox("选择方案", list(by_id), format_func=lambda i: f"#{i} {by_id[i].name}", key="manage_pick")
    new_name = c2.text_input("新名称（重命名或复制）", key="manage_name")
    with c3:
        b1, b2, b3, b4 = st.columns(4)
        if b1.button("载入", key="load_btn", help="在「方案设计」页打开"):
            st.query_params["scenario"] = str(chosen)
            st.session_state.pop("applied_scenario", None)
            st.switch_page("views/design.py")
        try:
            if b2.button("重命名", key="rename_btn"):
                u.rename_scenario(chosen, new_name, state.scenarios_path())
                st.rerun()
            if b3.button("复制", key="copy_btn"):
                u.duplicate_scenario(chosen, new_name or f"{by_id[chosen].name}（副本）", state.scenarios_path())
                st.rerun()
            if b4.button("删除", key="delete_btn"):
                u.delete_scenario(chosen, state.scenarios_path())
                st.rerun()
        except AllocatorError as exc:
            common.show_error(exc)
    st.caption(f"分享链接：在地址后加 ?scenario={chosen}（方案设计页）")


def _compared(label: str, s: state.ScenarioRef) -> u.Compared:
    return u.Compared(label, state.inputs(*s.key), state.view(*s.key))


def comparison(options: dict[str, state.ScenarioRef], default_base: str) -> None:
    st.subheader("比较方案")
    labels = list(options)
    c1, c2 = st.columns([1, 2])
    base_label = c1.selectbox("基准方案", labels, key="cmp_base",
                              index=labels.index(default_base) if default_base in labels else 0)
    rest = [x for x in labels if x != base_label]
    if any(x not in rest for x in st.session_state.get("cmp_alts", [])):
        st.session_state.pop("cmp_alts")  # an option that is gone (deleted, or now the baseline)
    saved = [x for x in rest if x.endswith("）") and "（#" in x]
    alt_labels = c2.multiselect("比较方案（可多选）", rest, default=saved[:2] or rest[:1], key="cmp_alts")
    if not alt_labels:
        st.info("请选择至少一个比较方案")
        return
    try:
        view = u.compare(_compared(base_label, options[base_label]), [_compared(x, options[x]) for x in alt_labels])
    except AllocatorError as exc:
        common.show_error(exc)
        return
    common.demo_label(state.view(*options[base_label].key).note)
    st.markdown("**主要指标对比**")
    st.dataframe(view.metrics.round(4), hide_index=True, key="cmp_metrics")
    common.table_download(view.metrics, "指标对比.csv", "dl_cmp_metrics")
    for label in alt_labels:
        st.markdown(f"**「{label}」相对「{base_label}」的参数改动**")
        changes = view.changes[label]
        if changes.empty:
            st.caption("参数相同")
        else:
            st.dataframe(changes.drop(columns="路径"), hide_index=True)
    st.markdown("**各地区差额（差额绝对值最大的 25 个地区）**")
    deltas = view.deltas.assign(size=view.deltas["delta"].abs()).sort_values("size", ascending=False)
    top = deltas.groupby("scenario").head(25).drop(columns="size")
    for label in alt_labels:
        part = top[top["scenario"] == label]
        st.altair_chart(charts.dumbbell(part, f"{label}：与基准方案相比（万元）"), key=f"dumbbell_{label}")
    common.chart_download(view.deltas, "各地区差额.csv", "dl_deltas", "下载全部地区差额（CSV）")
    st.markdown("**地图对比：与基准方案的差额（万元）**")
    missing = u.off_map_regions(view.deltas["code"].unique(), state.topology())
    if missing:
        st.info(f"有 {len(missing)} 个地区（{'、'.join(missing[:8])}）不在四川省县级地图上，无法按地图对比；差额见上表",
                icon=":material/map:")
    else:
        frames = [(label, view.maps[view.maps["scenario"] == label]) for label in alt_labels]
        chart = charts.maps_side_by_side(state.topology(), frames, "delta")
        st.vega_lite_chart(charts.with_topology(chart, state.topology()), key="cmp_maps")
    common.chart_download(view.maps[["scenario", "code", "name", "prefecture", "total", "delta"]], "地图对比.csv",
                          "dl_cmp_maps")


def _runs(s: state.ScenarioRef) -> bool:
    try:
        state.inputs(*s.key)
    except AllocatorError:
        return False
    return True


def render() -> None:
    st.title("方案比较")
    current = state.current()
    if current is None:
        current = state.default_scenario()
        st.caption("本会话尚未在「方案设计」页计算：当前方案为默认预设")
    save_form(current)
    saved = u.list_scenarios(state.scenarios_path())
    manage(saved)
    options = {"当前方案（未保存的编辑）": current}
    here = state.inputs(*current.key)
    for name in state.presets():  # only what holds the same regions can be compared region by region
        p = state.base_policy(name)
        preset = state.ScenarioRef(name, p.dataset or "", {}, f"预设：{name}")
        if p.dataset and _runs(preset) and u.comparable(here, state.inputs(*preset.key)):
            options[preset.label] = preset
    for s in saved:
        sc = state.saved_as_scenario(s)
        if _runs(sc) and u.comparable(here, state.inputs(*sc.key)):
            options[sc.label] = sc
    comparison(options, f"预设：{current.base}")


render()
