"""Altair charts: county choropleth, waterfall, dumbbell, winners and losers. Only drawing here; the
data frames come from `allocator.usecases` (English column ids, Chinese titles)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

FONT = "Noto Sans CJK SC, WenQuanYi Micro Hei, Microsoft YaHei, PingFang SC, sans-serif"

# Altair validates and copies every inline value when it builds a spec, which takes over a second for
# the county boundaries; charts are built on this tiny stand-in and the real topology is put in after.
STAND_IN = {"type": "Topology", "objects": {"data": {"type": "GeometryCollection", "geometries": []}}, "arcs": []}

MAP_FIELDS: dict[str, tuple[str, Any]] = {  # field → (label, Vega colour scheme)
    "total": ("全年分配额(万元)", "blues"),
    "change": ("比上年增减(万元)", "redblue"),
    "change_pct": ("比上年增减(%)", "redblue"),
    "per_capita": ("人均(元/人)", "greens"),
    "per_need": ("每困难群众(元/人)", "purples"),
    "delta": ("与基准方案的差额(万元)", "redblue"),
}


# Debian fonts-noto-cjk (or fonts-wqy-microhei): vl-convert draws PNGs with its own font list
CJK_FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/wqy", "/usr/share/fonts/truetype/droid")


def register_cjk_fonts() -> list[str]:
    """Register the CJK font folders found with vl-convert (call once per server); returns them."""
    import vl_convert as vlc

    found = [d for d in CJK_FONT_DIRS if Path(d).is_dir()]
    for folder in found:
        vlc.register_font_directory(folder)
    return found


def to_png(spec: dict, scale: float = 2.0) -> bytes:
    """A Vega-Lite spec as PNG (fonts registered first, see `register_cjk_fonts`)."""
    import vl_convert as vlc

    return vlc.vegalite_to_png(spec, scale=scale)


def _font(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return chart.configure(font=FONT).configure_view(stroke=None)


def choropleth(topology: dict, regions: pd.DataFrame, field: str, title: str = "", width: int = 560,
               height: int = 460, configure: bool = True):
    """County map coloured by `field` of `regions` (joined on properties.adcode = code)."""
    label, scheme = MAP_FIELDS.get(field, (field, "blues"))
    diverging = scheme == "redblue"
    lookup = regions[["code", "name", "prefecture", field]].copy()
    scale = alt.Scale(scheme=scheme, domainMid=0) if diverging else alt.Scale(scheme=scheme)
    chart = alt.Chart(alt.Data(values=STAND_IN, format=alt.DataFormat(type="topojson", feature="data"))).mark_geoshape(
        stroke="white", strokeWidth=0.4).transform_lookup(
        lookup="properties.adcode", from_=alt.LookupData(data=lookup, key="code", fields=["name", "prefecture", field]),
    ).encode(
        color=alt.Color(f"{field}:Q", title=label, scale=scale, legend=alt.Legend(orient="right")),
        tooltip=[alt.Tooltip("name:N", title="地区"), alt.Tooltip("prefecture:N", title="市州"),
                 alt.Tooltip(f"{field}:Q", title=label, format=",.2f")],
    ).project(type="mercator").properties(width=width, height=height, title=title)
    return _font(chart) if configure else chart


def with_topology(chart, topology: dict) -> dict:
    """The chart's Vega-Lite spec (a dict for st.vega_lite_chart) with the real boundaries in place."""
    def swap(node):
        if node == STAND_IN:
            return topology
        if isinstance(node, dict):
            return {k: swap(v) for k, v in node.items()}
        if isinstance(node, list):
            return [swap(v) for v in node]
        return node
    return swap(chart.to_dict())


def maps_side_by_side(topology: dict, frames: list[tuple[str, pd.DataFrame]], field: str):
    """One map per scenario, same colour scale."""
    charts = [choropleth(topology, frame, field, title=label, width=380, height=320, configure=False)
              for label, frame in frames]
    return _font(alt.hconcat(*charts).resolve_scale(color="shared"))


def waterfall(frame: pd.DataFrame, title: str = ""):
    """Horizontal bars from `start` to `end` per step, top to bottom in `order`; totals in grey."""
    order = frame.sort_values("order")["label"].tolist()
    colors = alt.Scale(domain=["增加", "减少", "合计"], range=["#2e7d32", "#c62828", "#607d8b"])
    base = alt.Chart(frame).encode(y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=320)))
    bars = base.mark_bar(height=16).encode(
        x=alt.X("start:Q", title="万元"), x2="end:Q", color=alt.Color("kind:N", scale=colors, title=None),
        tooltip=[alt.Tooltip("label:N", title="项目"), alt.Tooltip("amount:Q", title="金额(万元)", format=",.2f")])
    text = base.mark_text(align="left", dx=4, fontSize=11).encode(
        x=alt.X("max_end:Q"), text=alt.Text("amount:Q", format=",.1f")).transform_calculate(
        max_end="max(datum.start, datum.end)")
    return _font((bars + text).properties(height=28 * len(frame) + 20, title=title))


def dumbbell(frame: pd.DataFrame, title: str = ""):
    """Per region: a rule from the baseline to the alternative amount, one row per region."""
    order = frame.sort_values("delta")["name"].tolist()
    y = alt.Y("name:N", sort=order, title=None)
    rule = alt.Chart(frame).mark_rule(color="#9e9e9e").encode(y=y, x=alt.X("baseline:Q", title="万元"),
                                                               x2="alternative:Q")
    long = frame.melt(id_vars=["name", "delta", "scenario"], value_vars=["baseline", "alternative"],
                      var_name="which", value_name="amount")
    long["which"] = long["which"].map({"baseline": "基准方案", "alternative": "比较方案"})
    points = alt.Chart(long).mark_circle(size=60, opacity=1).encode(
        y=y, x="amount:Q", color=alt.Color("which:N", title=None,
                                           scale=alt.Scale(domain=["基准方案", "比较方案"], range=["#90a4ae", "#1565c0"])),
        tooltip=[alt.Tooltip("name:N", title="地区"), alt.Tooltip("which:N", title="方案"),
                 alt.Tooltip("amount:Q", title="金额(万元)", format=",.0f"),
                 alt.Tooltip("delta:Q", title="差额(万元)", format=",.0f")])
    return _font((rule + points).properties(height=alt.Step(20), title=title))


def change_bars(frame: pd.DataFrame, title: str = ""):
    """Horizontal bars of the change against last year (万元), gains green, losses red."""
    data = frame.assign(direction=frame["change"].map(lambda v: "增加" if v >= 0 else "减少"))
    order = data.sort_values("change")["name"].tolist()
    chart = alt.Chart(data).mark_bar().encode(
        y=alt.Y("name:N", sort=order, title=None), x=alt.X("change:Q", title="比上年增减(万元)"),
        color=alt.Color("direction:N", scale=alt.Scale(domain=["增加", "减少"], range=["#2e7d32", "#c62828"]),
                        title=None),
        tooltip=[alt.Tooltip("name:N", title="地区"), alt.Tooltip("change:Q", title="增减(万元)", format=",.0f"),
                 alt.Tooltip("change_pct:Q", title="增减(%)", format=".1f")])
    return _font(chart.properties(height=alt.Step(20), title=title))
