"""The county map's topology for drawing: the packaged TopoJSON boundaries with every ring oriented the
way Vega/d3 expect (outer rings clockwise), and the rings' signed areas to check it.
"""
from __future__ import annotations

import copy as _copy
from typing import Any

import numpy as _np

from allocator.dataset.reference import load_topology as _load_topology


def _ring_area(ring: list[int], arcs: list[list[list[float]]]) -> float:
    """Signed area (lon × lat, positive = counter-clockwise) of a TopoJSON ring of decoded arcs."""
    points: list[list[float]] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    xy = _np.asarray(points, dtype=float)
    x, y = xy[:, 0], xy[:, 1]
    return float((x * _np.roll(y, -1) - _np.roll(x, -1) * y).sum() / 2)


def _decoded_arcs(topology: dict[str, Any]) -> list[list[list[float]]]:
    """Arcs in longitude/latitude (quantised, delta-encoded arcs undone with the transform)."""
    transform = topology.get("transform")
    out = []
    for arc in topology["arcs"]:
        xy = _np.asarray(arc, dtype=float)
        if transform:
            xy = _np.cumsum(xy, axis=0) * transform["scale"] + transform["translate"]
        out.append(xy.tolist())
    return out


def _oriented(rings: list[list[int]], arcs) -> list[list[int]]:
    """Outer ring clockwise, holes counter-clockwise (d3/Vega's spherical convention): a ring the other
    way round is reversed (arcs in reverse order, each arc index i → ~i)."""
    out = []
    for k, ring in enumerate(rings):
        area = _ring_area(ring, arcs)
        wrong = area > 0 if k == 0 else area < 0
        out.append([~a for a in reversed(ring)] if wrong else list(ring))
    return out


def map_topology() -> dict[str, Any]:
    """The county boundaries (TopoJSON, object `data`, properties.adcode) with every ring oriented for
    Vega/d3 (outer rings clockwise). A fresh copy: GeoJSON-ordered rings would fill the whole canvas."""
    topology = _copy.deepcopy(_load_topology())
    arcs = _decoded_arcs(topology)
    for geometry in topology["objects"]["data"]["geometries"]:
        if geometry["type"] == "Polygon":
            geometry["arcs"] = _oriented(geometry["arcs"], arcs)
        elif geometry["type"] == "MultiPolygon":
            geometry["arcs"] = [_oriented(polygon, arcs) for polygon in geometry["arcs"]]
    return topology


def ring_areas(topology: dict[str, Any]) -> list[float]:
    """Signed area of every outer ring (negative = clockwise), to check a topology's orientation."""
    arcs = _decoded_arcs(topology)
    out: list[float] = []
    for geometry in topology["objects"]["data"]["geometries"]:
        polygons = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry["arcs"]
        out.extend(_ring_area(polygon[0], arcs) for polygon in polygons)
    return out
