"""How fast the workbench answers a click: random toggles, cuts and year changes.

Starts the server on this machine, compiles the years of the default scenario (as `sim
serve` does in the background), then makes N random changes of state, one at a time, as a
planner clicking would: switch a project on or off (honouring requires/excludes), cut or
restore a link, move the year. Each is timed three ways:

- server: the state's answer computed (verdicts, map, changes against the base), as the
  server reports it (``total_ms``), and the CPU time of the thread that computed it
  (``cpu_ms``: what the click costs, whatever else the machine is doing);
- http: the request answered over HTTP on localhost (what the page waits for);
- browser (``--browser N``): in headless Chromium, from the click to the page redrawn (the
  same mix of toggles, cuts on the map and year changes); and three first page loads.

``--json`` prints ``{"p50_ms": ..., "p95_ms": ..., "n": ...}`` (the HTTP figures) with
the others beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import numpy as np

from sim.serve.server import BackgroundServer
from sim.serve.workbench import YEAR_MAX, Workbench

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def random_walk(wb: Workbench, n: int, seed: int) -> list[tuple[str, dict[str, str]]]:
    """N states, each one click away from the previous, with the kind of click (toggle, cut, year)."""
    rng = random.Random(seed)
    state = wb.default_state()
    projects = sorted(wb.catalogue.projects)
    cuts = sorted(wb.cuts)
    out = []
    while len(out) < n:
        roll = rng.random()
        q = dict(state.query())
        add, drop = set(state.add), set(state.drop)
        cut = set(state.cuts)
        kind = "toggle" if roll < 0.7 else "cut" if roll < 0.85 else "year"
        if roll < 0.7:
            p = rng.choice(projects)
            on = p in wb.projects_on(state)
            default = p in wb.projects_on(type(state)(state.scenario, state.year))
            add.discard(p)
            drop.discard(p)
            if on and default:
                drop.add(p)
            elif not on and not default:
                add.add(p)
        elif roll < 0.85:
            c = rng.choice(cuts)
            cut.symmetric_difference_update({c})
        else:
            q["year"] = str(rng.randint(wb.year_min, YEAR_MAX))
        q["add"] = ",".join(sorted(add))
        q["drop"] = ",".join(sorted(drop))
        q["cut"] = ",".join(f"{c[0]}:{c[1]}-{c[2]}" for c in sorted(cut))
        q = {k: v for k, v in q.items() if v}
        try:
            state = wb.parse_state(q)
        except Exception:  # a rule refused the click (the page greys it out): pick another
            continue
        out.append((kind, state.query()))
    return out


def percentiles(values: list[float]) -> dict[str, float]:
    """Return p50 and p95 in ms, rounded."""
    return {
        "p50_ms": round(float(np.percentile(values, 50)), 1),
        "p95_ms": round(float(np.percentile(values, 95)), 1),
    }


def browser_clicks(url: str, n: int, seed: int) -> tuple[list[float], dict[str, list[float]], list[float]]:
    """Time N clicks in Chromium, from the click to the page redrawn; and three first page loads.

    The clicks are drawn as in :func:`random_walk`: 70 % project toggles (an enabled
    box), 15 % a cut or a restore (a random link on the map, then its popup's button),
    15 % a year change (the slider). Each first load is a new browser context (nothing
    cached), from navigation to the page drawn with its verdicts.
    """
    from playwright.sync_api import sync_playwright

    rng = random.Random(seed)
    kinds: dict[str, list[float]] = {"toggle": [], "cut": [], "year": []}
    loads = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=FLAGS
        )
        for _ in range(3):
            context = browser.new_context(viewport={"width": 1500, "height": 950})
            page = context.new_page()
            t0 = time.perf_counter()
            page.goto(url)
            page.wait_for_selector("body[data-ready='1']", timeout=60_000)
            loads.append(time.perf_counter() - t0)
            if len(loads) < 3:
                context.close()
        links = page.evaluate("window.__sim.meta.links.filter(l => l.a && l.b).map(l => l.id)")
        years = page.evaluate("window.__sim.meta.years")
        times = []
        while len(times) < n:
            count = page.evaluate("window.__sim.timings.length")
            roll = rng.random()
            if roll < 0.7:
                boxes = page.locator("#projects input[type=checkbox]:not([disabled])")
                boxes.nth(rng.randrange(boxes.count())).click()
                kind = "toggle"
            elif roll < 0.85:
                hit = page.locator(f"#map path.hit[data-link='{rng.choice(links)}']")
                if not hit.count() or not hit.is_visible():
                    continue
                hit.dispatch_event("click")
                page.locator("#popup button[data-act='link']").click()
                kind = "cut"
            else:
                year = str(rng.randint(years[0], years[1]))
                if year == page.locator("#year").input_value():
                    continue
                page.locator("#year").fill(year)  # as a planner letting go of the slider: one change event
                kind = "year"
            while page.evaluate("window.__sim.timings.length") <= count:
                page.wait_for_timeout(2)
            times.append(page.evaluate("window.__sim.timings[window.__sim.timings.length - 1].ms"))
            kinds[kind].append(times[-1])
        browser.close()
    return times, kinds, loads


def main() -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-n", type=int, default=500, help="random clicks (default 500)")
    parser.add_argument(
        "--browser", type=int, default=0, metavar="N", help="also N toggles in headless Chromium"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    args = parser.parse_args()

    t0 = time.perf_counter()
    warnings: list = []
    wb = Workbench(warn=warnings.append)  # the data's warnings counted, not printed
    start_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    wb.warm()
    warm_s = time.perf_counter() - t0
    walk = random_walk(wb, args.n, args.seed)
    http, server, cpu = [], [], []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp, BackgroundServer(wb, Path(tmp)) as srv:
        by_kind: dict[str, list[float]] = {}
        for kind, q in walk:
            t = time.perf_counter()
            with urllib.request.urlopen(srv.url + "api/state?" + urllib.parse.urlencode(q), timeout=60) as r:
                body = json.loads(r.read())
            http.append((time.perf_counter() - t) * 1e3)
            by_kind.setdefault(kind, []).append(http[-1])
            server.append(body["total_ms"])
            cpu.append(body["cpu_ms"])
        browser, kinds, loads = (
            browser_clicks(srv.url, args.browser, args.seed) if args.browser else ([], {}, [])
        )
    out = {**percentiles(http), "n": len(http)}
    out["by_click"] = {k: {**percentiles(v), "n": len(v)} for k, v in sorted(by_kind.items())}
    out["server"] = {**percentiles(server), "n": len(server)}
    out["server_cpu"] = {**percentiles(cpu), "n": len(cpu)}
    out["load_average"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]
    out["cores"] = os.cpu_count()
    if browser:
        out["browser"] = {**percentiles(browser), "n": len(browser)}
        out["browser"]["by_click"] = {k: {**percentiles(v), "n": len(v)} for k, v in kinds.items() if v}
        out["first_load_s"] = [round(x, 2) for x in loads]
    out["startup_s"] = round(start_s, 2)
    out["compile_all_years_s"] = round(warm_s, 2)
    if args.json:
        print(json.dumps(out))
    else:
        print(f"workbench start {start_s:.2f} s ({len(warnings)} warnings about the data: sim validate)")
        print(f"every year of the default scenario compiled and solved in {warm_s:.2f} s")
        print(f"{len(http)} random clicks over HTTP: p50 {out['p50_ms']} ms, p95 {out['p95_ms']} ms")
        for kind, k in out["by_click"].items():
            print(f"  {kind}: {k['n']} clicks, p50 {k['p50_ms']} ms, p95 {k['p95_ms']} ms")
        print(f"server side: p50 {out['server']['p50_ms']} ms, p95 {out['server']['p95_ms']} ms")
        c = out["server_cpu"]
        print(f"server CPU time per click: p50 {c['p50_ms']} ms, p95 {c['p95_ms']} ms")
        print(f"load average before and after: {out['load_average']} on {out['cores']} cores")
        if browser:
            b = out["browser"]
            print(f"{b['n']} clicks in Chromium: p50 {b['p50_ms']} ms, p95 {b['p95_ms']} ms")
            for kind, k in b["by_click"].items():
                print(f"  {kind}: {k['n']} clicks, p50 {k['p50_ms']} ms, p95 {k['p95_ms']} ms")
            print(f"first page loads in Chromium: {out['first_load_s']} s")


if __name__ == "__main__":
    main()
