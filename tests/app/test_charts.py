"""Chart exports: PNG through vl-convert with a CJK font registered."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from allocator import usecases as u  # noqa: E402

pytest.importorskip("vl_convert")
from app.ui import charts  # noqa: E402


def test_the_map_exports_as_png_with_a_cjk_font():
    fonts = charts.register_cjk_fonts()
    if not fonts:
        pytest.skip("no CJK font folder (apt-get install fonts-noto-cjk)")
    view = u.design_view(u.load_inputs("sichuan-2020"))
    topology = u.map_topology()
    spec = charts.with_topology(charts.choropleth(topology, view.regions, "change", title="比上年增减"), topology)
    assert spec["data"]["values"]["objects"]["data"]["geometries"]  # the real boundaries, not the stand-in
    png = charts.to_png(spec)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000


def test_the_waterfall_spec_orders_the_steps():
    frame = u.waterfall_frame(u.county_preview(u.load_inputs("sichuan-2020"), "513222").steps)
    spec = charts.waterfall(frame).to_dict()
    assert spec["layer"][0]["encoding"]["y"]["sort"][:2] == ["困难群众人数部分", "户籍人口数部分"]
