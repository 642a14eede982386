"""县区预览: a county's expected transfer as a waterfall, last year vs this year, advance and still to
issue, and a private what-if on its own figures (never changes shared data)."""
from __future__ import annotations

import streamlit as st

from allocator import usecases as u
from allocator.columns import column_label
from allocator.errors import AllocatorError
from app import state
from app.ui import charts, common


def matching_burden(inputs: u.Inputs, code: str, full: float) -> None:
    """The county's 配套 burden beside its transfer: what a matching rule asks of its own revenue."""
    st.markdown("**配套负担（本级应配套资金与本级财力）**")
    c1, c2, _ = st.columns([1, 1, 2])
    share = c1.number_input("配套比例（上级补助的 %）", 0.0, 1000.0, 20.0, 5.0, key="match_share")
    threshold = c2.number_input("警戒线（占本级一般公共预算收入的 %）", 0.01, 1000.0, 1.0, 0.5, key="match_threshold")
    try:
        burden = u.county_matching(inputs, code, u.MatchingRule(share=share / 100, threshold=threshold / 100))
    except AllocatorError as exc:
        common.show_error(exc)
        return
    if burden is None:
        st.info("此数据没有一般公共预算收入与支出（revenue、expenditure），无法测算配套负担")
        return
    m = st.columns(4)
    m[0].metric("上级补助（万元）", f"{burden.received:,.2f}", help="全年分配额，各资金池合计")
    m[1].metric("应配套资金（万元）", f"{burden.asked:,.2f}", f"配套比例 {burden.share * 100:.1f}%",
                delta_color="off", delta_arrow="off")
    m[2].metric("占本级一般公共预算收入", f"{burden.burden * 100:.2f}%", f"本级收入 {burden.revenue:,.0f} 万元",
                delta_color="off", delta_arrow="off")
    if burden.actual is not None:
        ratio = "—" if burden.actual_ratio is None else f"{burden.actual_ratio * 100:.1f}%"
        m[3].metric("本级实际投入（万元）", f"{burden.actual:,.2f}", f"实为上级补助的 {ratio}", delta_color="off",
                    delta_arrow="off")
    text = (f"超过警戒线 {burden.threshold * 100:g}%：配套负担较重" if burden.over
            else f"未超过警戒线 {burden.threshold * 100:g}%")
    (st.warning if burden.over else st.caption)(
        f"{text}（全部 {len(inputs.data.codes)} 个地区中有 {burden.n_over} 个超过警戒线；配套比例与警戒线为情景假设）")


def render() -> None:
    st.title("县区预览")
    scenario = state.current() or state.default_scenario()
    st.caption(f"按当前方案测算（基础政策 {scenario.base}，{len(scenario.overrides)} 处改动）")
    inputs = state.inputs(*scenario.key)
    common.demo_label(inputs.note)
    choices = u.county_choices(inputs)
    c1, c2, c3 = st.columns([1, 2, 2])
    query = c1.text_input("搜索县区（名称或代码）", key="county_q")
    found = u.find_regions(inputs, query) if query else list(choices)
    if not found:
        st.warning(f"没有名称或代码含「{query}」的地区")
        return
    default = "513222" if "513222" in found else found[0]
    if st.session_state.get("county") not in found:
        st.session_state.pop("county", None)
    code = c2.selectbox("县区", found, index=found.index(default), format_func=lambda c: f"{c} {choices[c]}",
                        key="county", bind="query-params")
    pools = {"": "全部资金"} | {p.id: p.label for p in inputs.policy.pools}
    pool = c3.selectbox("资金池", list(pools), format_func=pools.__getitem__, key="county_pool")
    need = next((f for f in inputs.policy.factors if f.id == u.NEED_FACTOR), None)
    columns = [c.column for c in need.components] if need else []
    with st.expander("模拟：如果本县的数据不同（只影响本页，不改动共享数据）", expanded=False):
        with st.form("what_if"):
            cols = st.columns(3)
            changes = {}
            for k, col in enumerate(columns):
                changes[col] = cols[k % 3].number_input(f"{column_label(col)} 增减", value=0.0, step=100.0,
                                                        key=f"wi_{col}")
            changes[u.OWN_INPUT_COLUMN] = cols[len(columns) % 3].number_input(
                "本级财政投入 增减（万元）", value=0.0, step=10.0, key="wi_local_input")
            st.form_submit_button("测算")
    changes = {k: v for k, v in changes.items() if v}
    try:
        preview = u.county_preview(inputs, code, pool or None, changes or None)
    except AllocatorError as exc:
        common.show_error(exc)
        preview = u.county_preview(inputs, code, pool or None, None)
    st.subheader(f"{preview.name}（{preview.prefecture}）")
    m = st.columns(4)
    full = next(s.amount for s in preview.steps if s.label == "全年分配额")
    m[0].metric("全年分配额（万元）", f"{full:,.2f}")
    if preview.what_if_total is not None:
        m[1].metric("模拟后（万元）", f"{preview.what_if_total:,.2f}", f"{preview.what_if_total - full:+,.2f}")
    m[2].metric("每增加 1 名困难群众（万元）", f"{preview.per_person:.4f}")
    m[3].metric("本级每多投入 1 万元（万元）", f"{preview.per_input:.4f}")
    st.caption(preview.marginal_note)
    matching_burden(inputs, code, full)
    frame = u.waterfall_frame(preview.steps)
    chart = charts.waterfall(frame, f"{preview.name}分配额的构成（万元）")
    st.altair_chart(chart, key="county_waterfall")
    c1, c2 = st.columns(2)
    with c1:
        common.chart_download(frame, f"{preview.name}_构成.csv", "dl_waterfall")
    with c2:
        st.download_button("下载图表（PNG）", lambda: state.chart_png(chart.to_dict()), file_name=f"{preview.name}_构成.png",
                           mime="image/png", key="dl_waterfall_png", on_click="ignore")
    if preview.what_if_steps is not None:
        after = u.waterfall_frame(preview.what_if_steps)
        st.altair_chart(charts.waterfall(after, "模拟后的构成（万元）"), key="county_waterfall_after")
        common.chart_download(after, f"{preview.name}_模拟.csv", "dl_waterfall_after")
    st.markdown("**上年与本年、提前下达与此次下达（万元）**")
    st.dataframe(preview.pools, hide_index=True, key="county_pools")
    common.table_download(preview.pools, f"{preview.name}_资金池.csv", "dl_county_pools", inputs.note)
    st.markdown("**本县因素数据**")
    st.dataframe(preview.figures.drop(columns="column"), hide_index=True)


render()
