"""The what-if app: `streamlit run app/main.py`. Four pages in 简体中文; all work is done by
`allocator.usecases` (the app only draws)."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `streamlit run app/main.py` puts app/ on the path, not the project
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

PAGES = Path(__file__).resolve().parent / "views"

st.set_page_config(page_title="因素法资金分配模拟器", page_icon=":material/account_balance:", layout="wide")
page = st.navigation([
    st.Page(PAGES / "design.py", title="方案设计", icon=":material/tune:", url_path="design", default=True),
    st.Page(PAGES / "compare.py", title="方案比较", icon=":material/compare_arrows:", url_path="compare"),
    st.Page(PAGES / "county.py", title="县区预览", icon=":material/location_city:", url_path="county"),
    st.Page(PAGES / "analysis.py", title="敏感性与不确定性", icon=":material/insights:", url_path="analysis"),
    st.Page(PAGES / "data.py", title="数据", icon=":material/table_view:", url_path="data"),
])
st.sidebar.caption("医疗救助补助资金因素法分配 · 四川（县级因素为示例数据）")
page.run()
