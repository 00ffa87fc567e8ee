"""Time and peak memory of a whole ``sim run`` on synthetic networks of 10k, 100k and 1M links.

Usage::

    python bench/run_scale.py [--links 10000 100000 1000000] [--cities 100] [--json]

Each network has ``--cities`` cities placed at random over the region (25-33 N,
108-118 E), 20 rail stations in each (within about 8 km of its centre), and as many
rail lines as it takes to reach the number of links: a line runs through 20 cities
picked by a random walk between neighbouring cities, stopping at one station of each,
alternately high-speed (300 km/h) and conventional (120 km/h), its km 10-40 % over
the straight line. Expressways join each city to its five nearest. Every network
passes ``sim validate`` (no errors).

Each size runs ``python -m sim.cli run`` in a child process (all three profiles, every
itinerary, the tables and the figures) and reports its wall time, its peak resident
memory (``ru_maxrss`` of the child) and the time of each phase, from the child's own
progress lines.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

STATIONS_PER_CITY = 20
STOPS_PER_LINE = 20


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b[1] - a[1]) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def synthetic(folder: Path, n_links: int, n_cities: int, seed: int = 0) -> dict[str, int]:
    """Write a network folder of about ``n_links`` links; return its counts."""
    rng = np.random.default_rng(seed)
    lat = 25 + rng.random(n_cities) * 8
    lon = 108 + rng.random(n_cities) * 10
    centre = list(zip(lat.tolist(), lon.tolist(), strict=True))
    cities = [
        "id,name_zh,name_en,province,lat,lon,population,population_source,metro_area,plan_status,source"
    ]
    for i, (y, x) in enumerate(centre):
        pop = int(rng.integers(2, 90)) * 100_000
        cities.append(f"c{i},城{i},C{i},x,{y:.4f},{x:.4f},{pop},synthetic,,in-plan,synthetic")
    stations = ["id,city,name_zh,name_en,lat,lon,access_min,access_note,status,open_year,source"]
    where: dict[str, tuple[float, float]] = {}
    for i, (y, x) in enumerate(centre):
        for k in range(STATIONS_PER_CITY):
            sy, sx = y + rng.uniform(-0.07, 0.07), x + rng.uniform(-0.07, 0.07)
            where[f"s{i}_{k}"] = (round(sy, 4), round(sx, 4))
            stations.append(f"s{i}_{k},c{i},站{i}_{k},S{i}_{k},{sy:.4f},{sx:.4f},,,open,2000,synthetic")
    # neighbouring cities: the 8 nearest
    dist = np.array([[_km(a, b) for b in centre] for a in centre])
    near = np.argsort(dist, axis=1)[:, 1:9]
    links = ["mode,line,from,to,km,speed_kmh,minutes,headway_min,status,open_year,project,plan,source"]
    line = 0
    while len(links) - 1 < n_links:
        walk = [int(rng.integers(n_cities))]
        while len(walk) < STOPS_PER_LINE:
            options = [c for c in near[walk[-1]].tolist() if c not in walk]
            if not options:
                break
            walk.append(int(rng.choice(options)))
        if len(walk) < 2:
            continue
        mode, speed = ("hsr", 300) if line % 2 == 0 else ("conventional", 120)
        headway = int(rng.choice([30, 60, 120]))
        stops = [f"s{c}_{int(rng.integers(STATIONS_PER_CITY))}" for c in walk]
        for a, b in itertools.pairwise(stops):
            km = _km(where[a], where[b]) * rng.uniform(1.1, 1.4) + 0.5
            links.append(f"{mode},R{line},{a},{b},{km:.1f},{speed},,{headway},open,2010,,,synthetic")
            if len(links) - 1 >= n_links:
                break
        line += 1
    roads = ["mode,line,from,to,km,speed_kmh,minutes,headway_min,status,open_year,project,plan,source"]
    pairs = {tuple(sorted((i, int(j)))) for i in range(n_cities) for j in near[i][:5]}
    for a, b in sorted(pairs):
        roads.append(f"expressway,G{a}_{b},c{a},c{b},{dist[a, b] * 1.25:.1f},,,,open,2000,,,synthetic")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cities.csv").write_text("\n".join(cities) + "\n", encoding="utf-8")
    (folder / "terminals_rail.csv").write_text("\n".join(stations) + "\n", encoding="utf-8")
    (folder / "links_rail.csv").write_text("\n".join(links) + "\n", encoding="utf-8")
    (folder / "links_road.csv").write_text("\n".join(roads) + "\n", encoding="utf-8")
    (folder / "through_services.csv").write_text("station,line_a,line_b,source\n", encoding="utf-8")
    (folder / "transfers.csv").write_text("from,to,minutes,source\n", encoding="utf-8")
    return {
        "cities": n_cities,
        "stations": len(stations) - 1,
        "links": len(links) - 1 + len(roads) - 1,
        "rail_lines": line,
    }


def run_once(folder: Path, work: Path) -> dict[str, object]:
    """Run ``sim run`` on ``folder`` in a child process; return time, memory and phases."""
    scenario = work / "scale.toml"
    scenario.write_text(
        f'name = "scale"\nyear = 2025\ntargets = ""\nnetwork = "{folder.as_posix()}"\n', encoding="utf-8"
    )
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "run", str(scenario), "--out", str(work / "out")],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = []
    assert child.stderr is not None
    for text in child.stderr:
        lines.append((round(time.perf_counter() - started, 1), text.rstrip("\n")))
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    return {
        "exit": child.returncode,
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "progress": lines,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--cities", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--show-progress", action="store_true", help="print each run's progress lines")
    args = parser.parse_args()
    rows = []
    for n in args.links:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            t0 = time.perf_counter()
            counts = synthetic(work / "net", n, args.cities)
            generated = time.perf_counter() - t0
            result = run_once(work / "net", work)
            rows.append({**counts, "generate_s": round(generated, 1), **result})
            if args.show_progress:
                for at, text in result["progress"]:  # type: ignore[union-attr]
                    print(f"  {at:>8.1f} s  {text}")
    if args.json:
        print(json.dumps([{k: v for k, v in r.items() if k != "progress"} for r in rows]))
        return
    header = ("links", "cities", "stations", "lines", "exit", "sim run s", "peak MB")
    widths = (9, 6, 8, 6, 4, 10, 8)
    print(" ".join(f"{h:>{w}}" for h, w in zip(header, widths, strict=True)))
    for r in rows:
        print(
            f"{r['links']:>9,} {r['cities']:>6} {r['stations']:>8,} {r['rail_lines']:>6,} {r['exit']:>4} "
            f"{r['seconds']:>10.1f} {r['peak_rss_mb']:>8,}"
        )


if __name__ == "__main__":
    main()
