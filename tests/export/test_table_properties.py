"""Invariants of the table model, whatever the regions, their prefectures and the amounts."""
import numpy as np
from docx import Document
from hypothesis import given, settings
from hypothesis import strategies as st

from allocator.export.allocation_table import Column, group_rows, header_grid

codes = st.lists(st.integers(100, 999), min_size=1, max_size=25, unique=True)


@st.composite
def regions(draw):
    numbers = draw(codes)
    region_codes = [f"51{n:04d}" for n in numbers]
    parents = {c: f"5{draw(st.integers(1, 4))}0000" for c in region_codes if draw(st.booleans())}
    n_cols = draw(st.integers(1, 4))
    units = draw(st.lists(st.lists(st.integers(0, 10**7), min_size=len(region_codes), max_size=len(region_codes)),
                          min_size=n_cols, max_size=n_cols))
    direct = tuple(c for c in region_codes if c in parents and draw(st.booleans()))
    return region_codes, parents, [Column((f"c{k}",), np.array(u, dtype=np.int64)) for k, u in enumerate(units)], direct


@given(regions())
@settings(max_examples=60)
def test_every_region_appears_once_and_every_subtotal_adds_up(case):
    region_codes, parents, columns, direct = case
    rows = group_rows(region_codes, region_codes, columns, parents, {}, direct)
    assert rows[0].kind == "total"
    assert rows[0].units == tuple(int(c.units.sum()) for c in columns)
    regions_seen = [r.code for r in rows if r.kind == "region"]
    assert sorted(regions_seen) == sorted(region_codes)
    current, sums = None, {}
    for row in rows[1:]:
        if row.kind == "subtotal":
            current = row
            sums[current] = np.zeros(len(columns), dtype=np.int64)
        elif current is not None and (row.code in direct or parents.get(row.code) == current.code):
            sums[current] += row.units
        else:  # a standalone region closes the open group
            current = None
    for subtotal, total in sums.items():
        assert subtotal.units == tuple(int(v) for v in total)


@given(st.lists(st.lists(st.sampled_from("abc"), min_size=1, max_size=3).map(tuple), min_size=1, max_size=8))
def test_header_cells_and_merges_cover_the_header_exactly_once(paths):
    paths = sorted(set(paths))  # header paths of a real table are distinct and grouped by prefix
    paths = [p for p in paths if not any(q != p and q[:len(p)] == p for q in paths)]  # leaves only
    grid, merges = header_grid(paths)
    covered = np.zeros((len(grid), len(paths)), dtype=int)
    for r0, c0, r1, c1 in merges:
        covered[r0:r1 + 1, c0:c1 + 1] += 1
    for r, row in enumerate(grid):
        for c, label in enumerate(row):
            if label is not None and covered[r, c] == 0:
                covered[r, c] = 1
    assert (covered <= 1).all()
    for c, path in enumerate(paths):  # the cells above a leaf spell its path
        labels = [grid[r][c] for r in range(len(path))]
        assert all(v is None or v == path[r] for r, v in enumerate(labels))


def test_the_title_font_names_its_fallback_in_the_font_table(exported):
    doc = Document(exported[".docx"])
    part = next(p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml")
    xml = part.blob.decode("utf-8")
    assert 'w:name="方正小标宋简体"><w:altName w:val="黑体"/>' in xml
