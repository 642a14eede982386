"""Small render helpers shared by the pages: the demo-data label, downloads, errors, the summary."""
from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from allocator import usecases as u
from allocator.errors import AllocatorError

DEMO_BADGE = "示例数据"


def demo_label(note: str | None) -> None:
    """The 示例数据 label wherever the generated figures are shown."""
    if note:
        st.caption(f":orange-badge[{DEMO_BADGE}] {note}")


def chart_download(frame: pd.DataFrame, file_name: str, key: str, label: str = "下载图表数据（CSV）") -> None:
    st.download_button(label, u.chart_csv(frame), file_name=file_name, mime="text/csv", key=key, on_click="ignore")


def table_download(frame: pd.DataFrame, file_name: str, key: str, note: str | None = None,
                   label: str = "下载表格（CSV）") -> None:
    st.download_button(label, u.table_csv(frame, note), file_name=file_name, mime="text/csv", key=key,
                       on_click="ignore")


def show_error(error: AllocatorError, where=None) -> None:
    """An explained error (all problems), in the given container or here."""
    target = where if where is not None else st
    text = str(error).replace("\n", "  \n")
    target.error(text, icon=":material/error:")


def summary_html(title: str, note: str | None, head: dict[str, float], changes: pd.DataFrame,
                 regions: pd.DataFrame, fingerprint: str) -> str:
    """A one-page printable summary of a scenario (HTML with print styles)."""
    def fmt(v) -> str:
        if isinstance(v, float):
            return "—" if v != v else f"{v:,.4f}" if abs(v) < 1 else f"{v:,.2f}"
        return html.escape(str(v))

    items = list(head.items())
    half = (len(items) + 1) // 2

    def metric_table(part) -> str:
        return "<table>" + "".join(f"<tr><th>{html.escape(k)}</th><td>{fmt(v)}</td></tr>" for k, v in part) + "</table>"
    change_rows = "".join(
        f"<tr><td>{html.escape(r['参数'])}</td><td>{html.escape(r['原值'])}</td><td>{html.escape(r['新值'])}</td>"
        f"<td>{html.escape(str(r['依据']))}</td></tr>" for _, r in changes.iterrows()) or \
        "<tr><td colspan=4>与基础政策相同，未改动参数</td></tr>"
    top = regions.sort_values("change")
    def region_rows(frame):
        return "".join(f"<tr><td>{html.escape(r['name'])}</td><td>{html.escape(r['prefecture'])}</td>"
                       f"<td>{r['total']:,.0f}</td><td>{r['change']:+,.0f}</td>"
                       f"<td>{'' if r['change_pct'] != r['change_pct'] else format(r['change_pct'], '+.1f')}</td></tr>"
                       for _, r in frame.iterrows())
    demo = f"<p class=demo>{html.escape(note)}</p>" if note else ""
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; font-size: 9.5pt; margin: 1.2cm; }}
h1 {{ font-size: 14pt; margin: 0 0 3pt; }} h2 {{ font-size: 11pt; margin: 8pt 0 3pt; }}
table {{ border-collapse: collapse; width: 100%; }} th, td {{ border: 1px solid #999; padding: 1pt 4pt; text-align: left; }}
td, th {{ white-space: nowrap; }} td:last-child {{ white-space: normal; }} table.changes {{ font-size: 8.5pt; }}
.demo {{ color: #b45309; font-weight: bold; }} .cols {{ display: flex; gap: 12pt; }} .cols > div {{ flex: 1; }}
small {{ color: #555; }}
@page {{ size: A4; margin: 1cm; }} @media print {{ body {{ margin: 0; }} }}
</style></head><body>
<h1>{html.escape(title)}</h1>{demo}
<h2>参数改动（相对基础政策）</h2>
<table class=changes><tr><th>参数</th><th>原值</th><th>新值</th><th>依据</th></tr>{change_rows}</table>
<h2>主要指标</h2><div class=cols><div>{metric_table(items[:half])}</div><div>{metric_table(items[half:])}</div></div>
<div class=cols><div><h2>减少最多的地区</h2><table><tr><th>地区</th><th>市州</th><th>全年(万元)</th><th>增减(万元)</th><th>增减(%)</th></tr>
{region_rows(top.head(7))}</table></div>
<div><h2>增加最多的地区</h2><table><tr><th>地区</th><th>市州</th><th>全年(万元)</th><th>增减(万元)</th><th>增减(%)</th></tr>
{region_rows(top.tail(7).iloc[::-1])}</table></div></div>
<p><small>运行指纹 {html.escape(fingerprint[:16])} · 金额单位：万元</small></p>
</body></html>"""
