"""数据: browse a dataset (示例数据 marked), download the template, upload a filled file, see every
problem in a table, store good files as new versions and switch between versions."""
from __future__ import annotations

import streamlit as st

from allocator import usecases as u
from allocator.errors import AllocatorError
from app import state
from app.ui import common


def render() -> None:
    st.title("数据")
    choices = state.data_choices()
    keys = list(choices)
    ref = st.selectbox("数据集", keys, format_func=lambda k: f"{k}：{choices[k]}", key="browse_data",
                       index=keys.index(state.DEFAULT_PRESET) if state.DEFAULT_PRESET in keys else 0)
    try:
        frame, note = u.dataset_table(ref, state.store_path())
    except AllocatorError as exc:
        common.show_error(exc)
        return
    common.demo_label(note)
    st.dataframe(frame, hide_index=True, height=360, key="data_table")
    c1, c2, c3 = st.columns(3)
    with c1:
        common.table_download(frame, f"{ref.replace(':', '_')}.csv", "dl_data", note, "下载此数据（CSV）")
    with c2:
        st.download_button("下载空白填报模板（Excel）", u.template_bytes(state.DEFAULT_PRESET), file_name="填报模板.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="dl_template",
                           on_click="ignore")
    with c3:
        if st.button("在「方案设计」中使用此数据", key="use_data"):
            st.session_state["data"] = ref
            st.switch_page("views/design.py")

    st.subheader("上传填报数据")
    upload = st.file_uploader("选择 .xlsx 或 .csv 文件（表头可用中文）", type=["xlsx", "csv"], key="upload")
    if upload is not None:
        content = upload.getvalue()
        try:
            checked = u.check_upload(content, upload.name, state.DEFAULT_PRESET)
        except AllocatorError as exc:
            st.error(f"文件未通过校验，未保存（{len(getattr(exc, 'problems', []) or getattr(exc, 'reasons', []))} 处问题）：")
            problems = u.problems_frame(exc)
            st.dataframe(problems, hide_index=True, key="problems_table")
            common.table_download(problems, "校验问题.csv", "dl_problems")
        else:
            st.success(f"校验通过：{len(checked.frame)} 个地区")
            for n in checked.notes:
                st.caption(n)
            name = st.text_input("数据集名称", value="sichuan-county", key="import_name")
            if st.button("存为新版本", key="import_btn"):
                try:
                    report = u.import_upload(content, upload.name, name, state.DEFAULT_PRESET, state.store_path())
                    v = report.version
                    st.success(f"已保存为 {v.name} 第 {v.version} 版" + ("" if v.new else "（与已存版本相同，未重复保存）"))
                except AllocatorError as exc:
                    common.show_error(exc)

    st.subheader("已存的数据版本")
    versions = u.list_datasets(store=state.store_path())
    if versions:
        st.dataframe([{"数据集": v.name, "版本": v.version, "文件": v.file_name, "导入时间(UTC)": v.imported_at,
                       "地区数": v.n_rows, "引用": f"db:{v.name}@{v.version}"} for v in versions], hide_index=True)
    else:
        st.caption("数据库中还没有导入的数据（内置数据见上方选择框）")


render()
