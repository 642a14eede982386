"""敏感性与不确定性: how robust the current scenario is — each weight moved ±N points (tornado), the
incentives a county faces, and Monte Carlo over weight ranges and data error (fan chart, probability of
ending on a floor, on the map). All figures come from `allocator.usecases` (the batch engine)."""
from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from allocator import usecases as u
from allocator.errors import AllocatorError
from app import state
from app.ui import charts, common


@st.cache_data(show_spinner="正在计算敏感性……", max_entries=8)
def sensitivity(base: str, data: str, overrides: str, points: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    report = u.sensitivity(state.inputs(base, data, overrides), points)
    return report.tornado.frame, report.incentives


def tornado_chart(frame: pd.DataFrame, title: str):
    """Horizontal bars per factor: the change of the county's amount when the weight moves up or down."""
    bars = frame.assign(方向=frame["权重变化(百分点)"].map(lambda v: "权重提高" if v > 0 else "权重降低"))
    return alt.Chart(bars).mark_bar().encode(
        x=alt.X("变化(万元):Q", title="金额变化（万元）"),
        y=alt.Y("因素:N", sort=alt.EncodingSortField("变化(万元)", op="max", order="descending"), title=None,
                axis=alt.Axis(labelOverlap=False, labelLimit=240)),
        color=alt.Color("方向:N", scale=alt.Scale(domain=["权重提高", "权重降低"], range=["#c0392b", "#2e86c1"]),
                        title=None),
        tooltip=["因素", "权重变化(百分点)", alt.Tooltip("基准(万元):Q", format=",.2f"),
                 alt.Tooltip("情景(万元):Q", format=",.2f"), alt.Tooltip("变化(万元):Q", format="+,.2f")],
    ).properties(title=title, height=alt.Step(30)).configure(font=charts.FONT)


def fan_chart(fan: pd.DataFrame):
    """Regions sorted by their base amount: the P10–P90 band and the median, as % of the base amount (a
    band in 万元 would vanish next to the largest counties)."""
    base = fan["基准(万元)"].where(fan["基准(万元)"] > 0)
    frame = pd.DataFrame({
        "序号": range(1, len(fan) + 1), "地区名称": fan["地区名称"].to_numpy(),
        "P10": ((fan["P10(万元)"] / base - 1) * 100).to_numpy(), "P50": ((fan["P50(万元)"] / base - 1) * 100).to_numpy(),
        "P90": ((fan["P90(万元)"] / base - 1) * 100).to_numpy(), "基准(万元)": fan["基准(万元)"].to_numpy()})
    band = alt.Chart(frame).mark_area(opacity=0.35, color="#5dade2").encode(
        x=alt.X("序号:Q", title="地区（按基准金额从小到大）"), y=alt.Y("P10:Q", title="相对基准（%）"),
        y2="P90:Q", tooltip=["地区名称", alt.Tooltip("基准(万元):Q", format=",.0f"),
                            alt.Tooltip("P10:Q", format="+.1f", title="P10(%)"),
                            alt.Tooltip("P90:Q", format="+.1f", title="P90(%)")])
    median = alt.Chart(frame).mark_line(color="#1a5276").encode(x="序号:Q", y="P50:Q")
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#c0392b").encode(y="y:Q")
    return (band + median + zero).properties(
        height=320, title="各地区金额的 P10–P90 区间，相对基准的百分比（线为中位数，红线为基准）").configure(font=charts.FONT)


def render() -> None:
    st.title("敏感性与不确定性")
    scenario = state.current() or state.default_scenario()
    st.caption(f"按当前方案测算（基础政策 {scenario.base}，{len(scenario.overrides)} 处改动）；批量结果与逐次测算逐分相同")
    inputs = state.inputs(*scenario.key)
    common.demo_label(inputs.note)
    choices = u.county_choices(inputs)
    tab_sens, tab_mc = st.tabs(["敏感性（龙卷风图与激励）", "不确定性（蒙特卡洛）"])
    with tab_sens:
        render_sensitivity(scenario, choices)
    with tab_mc:
        render_montecarlo(inputs, scenario)


def render_sensitivity(scenario: state.ScenarioRef, choices: dict[str, str]) -> None:
    c1, c2 = st.columns([2, 1])
    codes = list(choices)
    default = "513222" if "513222" in choices else codes[0]
    code = c1.selectbox("地区", codes, index=codes.index(default), format_func=lambda c: f"{c} {choices[c]}",
                        key="sens_region")
    points = c2.slider("每个权重上下变动（百分点）", 1, 10, 5, key="sens_points")
    try:
        tornado, incentives = sensitivity(*scenario.key, float(points))
    except AllocatorError as exc:
        common.show_error(exc)
        return
    bars = tornado[tornado["地区代码"] == code]
    st.altair_chart(tornado_chart(bars, f"{choices[code]}：各因素权重 ±{points} 个百分点时的金额变化"),
                    use_container_width=True)
    common.chart_download(bars, f"龙卷风图_{code}.csv", key="dl_tornado")
    st.subheader("激励：本地多做一点，能多得多少")
    st.caption("每增加一个单位本地指标所增加的分配额（万元），已计入保底与封顶；受封顶约束的地区为 0。")
    own = incentives[incentives["地区代码"] == code]
    st.dataframe(own, hide_index=True, use_container_width=True)
    common.chart_download(incentives, "激励_全部地区.csv", key="dl_incentives", label="下载全部地区的激励（CSV）")


def render_montecarlo(inputs: u.Inputs, scenario: state.ScenarioRef) -> None:
    weights = {f.id: (f.label, f.weight * 100) for f in inputs.policy.factors}
    with st.form("montecarlo"):
        st.markdown("**权重范围**（百分比；每次抽样在范围内均匀抽取，再按比例调整到合计 100%）")
        cols = st.columns(max(len(weights), 1))
        ranges = {}
        for k, (fid, (label, weight)) in enumerate(weights.items()):
            low, high = cols[k].slider(label, 0.0, 100.0, (max(weight - 5, 0.0), min(weight + 5, 100.0)),
                                       step=0.5, key=f"mc_{fid}")
            if high > low:
                ranges[f"factors.{fid}.weight"] = (low, high)
        c1, c2, c3 = st.columns(3)
        error = c1.number_input("困难群众人数的数据误差（±%）", 0.0, 50.0, 5.0, step=1.0, key="mc_error")
        draws = c2.number_input("抽样次数", 50, 20000, 500, step=50, key="mc_draws")
        seed = c3.number_input("随机种子", 0, 10**6, 1, key="mc_seed")
        submitted = st.form_submit_button("开始抽样")
    if not submitted and "mc_result" not in st.session_state:
        st.info("设置范围后点击「开始抽样」。相同种子得到相同结果。")
        return
    if submitted:
        need = next((f for f in inputs.policy.factors if f.id == u.NEED_FACTOR), None)
        errors = [f"{c.column}={error:g}" for c in need.components] if need and error > 0 else []
        bar = st.progress(0.0, text="抽样中……")
        try:
            result = u.montecarlo(inputs, ranges, u.parse_errors(errors), int(draws), int(seed),
                                  progress=lambda done, total: bar.progress(min(done / max(total, 1), 1.0),
                                                                            text=f"已完成 {done:,} / {total:,} 次"))
        except AllocatorError as exc:
            bar.empty()
            common.show_error(exc)
            return
        bar.empty()
        st.session_state["mc_result"] = (scenario.key, result.summary, result.infeasible, int(draws))
    key, summary, infeasible, n = st.session_state["mc_result"]
    if key != scenario.key:
        st.warning("当前方案已改变：下面是上一方案的抽样结果，请重新抽样。")
    st.caption(f"{n:,} 次抽样，其中 {infeasible} 次保底、封顶与预算无法同时满足（不计入）。")
    fan = summary.sort_values("基准(万元)")
    st.altair_chart(fan_chart(fan), use_container_width=True)
    common.chart_download(fan, "蒙特卡洛_分位数.csv", key="dl_fan")
    view = state.view(*scenario.key)
    mapped = {g["properties"]["adcode"] for g in state.topology()["objects"]["data"]["geometries"]}
    if {"code", "prefecture"} <= set(view.regions.columns) and set(view.regions["code"]) <= mapped:
        regions = view.regions[["code", "name", "prefecture"]].merge(
            summary.rename(columns={"地区代码": "code"})[["code", "保底概率"]], on="code", how="left")
        chart = charts.choropleth(state.topology(), regions, "保底概率", title="处于保底的概率")
        st.vega_lite_chart(charts.with_topology(chart, state.topology()), use_container_width=False)
    st.dataframe(summary, hide_index=True, use_container_width=True)


render()
