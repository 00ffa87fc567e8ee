"""Rebuild sim/geodata/basemap.geojson (run by hand, never at run time).

The maps draw province outlines, the main rivers and the two great lakes of the region.
They come from the data files of the Generic Mapping Tools, as Debian packages them:

- provinces: DCW-GMT 2.1.1 (Debian ``gmt-dcw``), LGPL-3+, The GMT Team (derived from the
  public-domain Digital Chart of the World, with China's provinces added by the GMT team);
- rivers and lakes: GSHHG 2.3.7, high resolution (Debian ``gmt-gshhg-high``), LGPL-3+,
  Wessel & Smith; its rivers come from the CIA World Data Bank II and carry no names.

Rivers have no names in GSHHG, so each river is traced as the shortest path through the
network of GSHHG river lines (levels 1-4) and lake shores between waypoints on its
course (town riverfronts, recalled coordinates, listed below); the result is checked by
eye on ``/tmp/basemap-check.png``. Everything is simplified (Douglas-Peucker, about
0.5-1 km) and rounded to 4 decimals (about 10 m), which is ample at the maps' scale.

Usage::

    apt-get install gmt gmt-dcw gmt-gshhg-high
    python tools/make_basemap.py
"""

from __future__ import annotations

import itertools
import json
import math
import subprocess
from pathlib import Path

import networkx as nx
from shapely.geometry import LineString, MultiPolygon, Polygon, box, mapping, shape
from shapely.ops import linemerge, unary_union

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "sim" / "geodata" / "basemap.geojson"
REGION = (104.0, 122.0, 22.5, 35.5)  # lon0, lon1, lat0, lat1: the maps' extent with a margin
KEEP = box(106.0, 23.5, 120.0, 34.8)

PROVINCES = {
    "CN.HB": ("湖北", "Hubei", "hubei"),
    "CN.HN": ("湖南", "Hunan", "hunan"),
    "CN.JX": ("江西", "Jiangxi", "jiangxi"),
    "CN.HA": ("河南", "Henan", "henan"),
    "CN.AH": ("安徽", "Anhui", "anhui"),
    "CN.CQ": ("重庆", "Chongqing", "chongqing"),
    "CN.SN": ("陕西", "Shaanxi", "shaanxi"),
    "CN.SC": ("四川", "Sichuan", "sichuan"),
    "CN.GZ": ("贵州", "Guizhou", "guizhou"),
    "CN.GX": ("广西", "Guangxi", "guangxi"),
    "CN.GD": ("广东", "Guangdong", "guangdong"),
    "CN.FJ": ("福建", "Fujian", "fujian"),
    "CN.ZJ": ("浙江", "Zhejiang", "zhejiang"),
    "CN.JS": ("江苏", "Jiangsu", "jiangsu"),
}

# Waypoints in downstream order (lon, lat): riverfronts of towns on each river, recalled,
# approximate; each is snapped to the nearest GSHHG river or shore vertex.
RIVERS = {
    "yangtze": (
        "长江",
        "Yangtze",
        [
            (107.40, 29.70),  # 涪陵
            (108.40, 30.80),  # 万州
            (109.47, 31.02),  # 奉节
            (110.35, 31.04),  # 巴东
            (111.28, 30.70),  # 宜昌
            (112.24, 30.31),  # 荆州 沙市
            (112.88, 29.80),  # 监利
            (113.13, 29.47),  # 城陵矶 (岳阳)
            (113.90, 30.05),  # 嘉鱼
            (114.30, 30.57),  # 武汉
            (114.88, 30.42),  # 鄂州
            (115.08, 30.22),  # 黄石
            (115.57, 29.84),  # 武穴
            (116.00, 29.73),  # 九江
            (116.22, 29.75),  # 湖口
            (117.05, 30.51),  # 安庆
            (117.80, 30.93),  # 铜陵
            (118.36, 31.33),  # 芜湖
            (118.75, 32.08),  # 南京
        ],
    ),
    "han": (
        "汉江",
        "Han",
        [
            (107.03, 33.07),  # 汉中
            (109.03, 32.70),  # 安康
            (110.82, 32.83),  # 郧阳 (十堰)
            (111.50, 32.55),  # 丹江口
            (112.15, 32.04),  # 襄阳
            (112.56, 31.17),  # 钟祥
            (112.90, 30.40),  # 潜江 (泽口)
            (113.45, 30.36),  # 仙桃
            (114.27, 30.57),  # 汉口 (汉江口)
        ],
    ),
    "xiang": (
        "湘江",
        "Xiang",
        [
            (111.61, 26.43),  # 永州
            (112.61, 26.90),  # 衡阳
            (113.14, 27.84),  # 株洲
            (112.92, 27.86),  # 湘潭
            (112.96, 28.20),  # 长沙
            (112.88, 28.71),  # 湘阴 (入洞庭)
        ],
    ),
    "yuan": (
        "沅江",
        "Yuan",
        [
            (108.10, 26.90),  # 黔东南 (沅江上游 清水江)
            (109.95, 27.55),  # 洪江 / 怀化
            (110.40, 28.45),  # 沅陵
            (111.69, 29.03),  # 常德
            (112.10, 28.85),  # 汉寿 (入洞庭)
        ],
    ),
    "gan": (
        "赣江",
        "Gan",
        [
            (114.93, 25.85),  # 赣州
            (114.99, 27.11),  # 吉安
            (115.32, 27.58),  # 峡江
            (115.39, 27.75),  # 新干
            (115.55, 28.06),  # 樟树
            (115.89, 28.68),  # 南昌
            (116.10, 28.90),  # 入鄱阳湖
        ],
    ),
}

# Lakes: the GSHHG lake polygons (over about 10 km2) in these boxes, cut to them.
LAKES = {
    "dongting": ("洞庭湖", "Dongting Lake", (111.8, 28.6, 113.2, 29.55)),
    "poyang": ("鄱阳湖", "Poyang Lake", (115.7, 28.6, 117.0, 29.72)),
}


def gmt(*args: str) -> list[list[tuple[float, float]]]:
    """Run ``gmt coast`` and return its multi-segment output as lists of points."""
    text = subprocess.run(["gmt", "coast", *args], check=True, capture_output=True, text=True).stdout
    segments: list[list[tuple[float, float]]] = []
    for line in text.splitlines():
        if line.startswith(">"):
            segments.append([])
        elif line.strip():
            x, y = line.split()[:2]
            segments[-1].append((round(float(x), 6), round(float(y), 6)))
    return [s for s in segments if len(s) > 1]


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle km between two (lon, lat) points (haversine)."""
    (x1, y1), (x2, y2) = a, b
    p1, p2, dl = math.radians(y1), math.radians(y2), math.radians(x2 - x1)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def region() -> str:
    """Return the -R option of the extent."""
    return "-R{}/{}/{}/{}".format(*REGION)


def provinces() -> list[dict]:
    """One feature per province, simplified."""
    features = []
    for code, (zh, en, slug) in PROVINCES.items():
        rings = gmt(region(), f"-E{code}", "-M")
        polys = [Polygon(r) for r in rings if len(r) >= 4]
        geom = unary_union([p.buffer(0) for p in polys if p.area > 0.005]).intersection(KEEP)
        geom = geom.simplify(0.01, preserve_topology=True)
        features.append(_feature(geom, kind="province", id=slug, name_zh=zh, name_en=en))
    return features


def lakes_and_graph() -> tuple[list[dict], nx.Graph]:
    """Return the named lakes, and the graph of river lines and lake shores for tracing rivers."""
    rivers = [s for level in (1, 2, 3, 4) for s in gmt(region(), "-Dh", f"-I{level}", "-M")]
    shores = gmt(region(), "-Dh", "-A0/2/2", "-W", "-M")
    merged = linemerge([LineString(s) for s in shores])
    rings = [g for g in getattr(merged, "geoms", [merged]) if g.is_closed]
    lake_polys = [Polygon(r) for r in rings]
    features = []
    for slug, (zh, en, cut) in LAKES.items():
        parts = [p for p in lake_polys if p.intersects(box(*cut)) and p.area > 0.001]
        geom = unary_union(parts).intersection(box(*cut)).simplify(0.005, preserve_topology=True)
        features.append(_feature(geom, kind="lake", id=slug, name_zh=zh, name_en=en))
    graph = nx.Graph()
    lines = [*rivers, *[list(r.coords) for r in rings]]
    for line in lines:
        for a, b in itertools.pairwise(line):
            graph.add_edge(a, b, weight=km(a, b))
    # GSHHG river lines stop short of each other and of lake shores: join every line end to
    # the vertices of other lines within 8 km (a gap the tracing may jump, at its length).
    from scipy.spatial import cKDTree

    nodes = list(graph.nodes)
    tree = cKDTree([(x * math.cos(math.radians(y)), y) for x, y in nodes])
    for line in lines:
        for end in (line[0], line[-1]):
            x, y = end
            for k in tree.query_ball_point((x * math.cos(math.radians(y)), y), 8 / 111.0):
                other = nodes[k]
                if other != end and not graph.has_edge(end, other):
                    graph.add_edge(end, other, weight=km(end, other) * 1.5)
    return features, graph


def trace(graph: nx.Graph, waypoints: list[tuple[float, float]]) -> LineString:
    """Return the shortest path through the river graph visiting the waypoints in order."""
    nodes = list(graph.nodes)
    snapped = [min(nodes, key=lambda n, w=w: km(n, w)) for w in waypoints]
    far = [f"{w} ({km(w, s):.0f} km)" for w, s in zip(waypoints, snapped, strict=True) if km(w, s) > 12]
    if far:
        raise SystemExit(f"waypoints far from any river line: {', '.join(far)}")
    path: list[tuple[float, float]] = [snapped[0]]
    for a, b in itertools.pairwise(snapped):
        for node in nx.shortest_path(graph, a, b, weight="weight")[1:]:
            if len(path) >= 2 and path[-2] == node:  # a waypoint snapped onto a side branch: go back
                path.pop()
            else:
                path.append(node)
    return LineString(path)


def _feature(geom, **props: str) -> dict:
    geom = _rounded(geom)
    return {"type": "Feature", "properties": props, "geometry": mapping(geom)}


def _rounded(geom):
    data = json.loads(json.dumps(mapping(geom)), parse_float=lambda s: round(float(s), 4))
    out = shape(data)
    if isinstance(out, Polygon | MultiPolygon):
        out = out.buffer(0)
    return out


def main() -> None:
    """Write the basemap file and a check picture."""
    features = provinces()
    lakes, graph = lakes_and_graph()
    features += lakes
    for slug, (zh, en, points) in RIVERS.items():
        line = trace(graph, points).simplify(0.005)
        features.append(_feature(line, kind="river", id=slug, name_zh=zh, name_en=en))
    data = {
        "type": "FeatureCollection",
        "name": "sim basemap",
        "source": "provinces: DCW-GMT 2.1.1 (LGPL-3+, The GMT Team); rivers and lakes: GSHHG 2.3.7 "
        "high resolution (LGPL-3+, P. Wessel and W. H. F. Smith; rivers from CIA World Data Bank II); "
        "rivers traced and named by tools/make_basemap.py; simplified",
        "features": features,
    }
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({OUT.stat().st_size / 1024:.0f} KiB)")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(12, 11))
    for f in features:
        g = shape(f["geometry"])
        kind = f["properties"]["kind"]
        for part in getattr(g, "geoms", [g]):
            if kind == "river":
                ax.plot(*part.xy, color="#1f77b4", lw=1.2)
            else:
                ax.plot(*part.exterior.xy, color="#999999" if kind == "province" else "#1f77b4", lw=0.8)
    for _, _, pts in RIVERS.values():
        ax.scatter(*zip(*pts, strict=True), s=12, color="red", zorder=5)
    ax.set_aspect(1.15)
    fig.savefig("/tmp/basemap-check.png", dpi=80)


if __name__ == "__main__":
    main()
