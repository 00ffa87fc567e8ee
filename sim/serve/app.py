"""The web application: one page and a small JSON API over :class:`~sim.serve.workbench.Workbench`.

Routes
    ``/`` the page; ``/static/...`` its script, style and font (shipped in the package);
    ``/api/meta`` the map's facts; ``/api/state`` a state's verdicts, links and changes;
    ``/api/city`` minutes from one city; ``/api/isochrones`` its 1-, 2- and 3-hour
    isochrones; ``/api/od.csv`` the OD table of a state; ``/api/layers.gpkg`` its layers
    as a GeoPackage (``geo`` extra); ``/api/save`` (POST) a state as a scenario file under
    the results folder.

Every parameter is checked by the workbench: bad input is a 400 with a one-line message,
never a traceback. Nothing on the page is fetched from outside the machine.
"""

from __future__ import annotations

import io
import json
import logging
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from sim.errors import InputError
from sim.modes import PROFILES
from sim.serve.memory import QuietCollector
from sim.serve.payload import (
    city_payload,
    geopackage_available,
    isochrone_payload,
    meta_payload,
    state_payload,
)
from sim.serve.save import save_scenario
from sim.serve.workbench import State, Workbench
from sim.typography import CJK_FONT

__all__ = ["STATIC", "create_app"]

STATIC = Path(__file__).resolve().parent / "static"
MAX_QUERY = 8192
_STATE_KEYS = {"scenario", "year", "add", "drop", "cut"}
_log = logging.getLogger("sim.serve")

# no request leaves the machine: the page may load only what this server serves
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; font-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


class _Headers(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next):  # type: ignore[no-untyped-def]
        if len(request.url.query) > MAX_QUERY:
            return JSONResponse({"error": f"query longer than {MAX_QUERY} characters"}, status_code=414)
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = _CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        return response


def create_app(workbench: Workbench, results: Path = Path("results")) -> Starlette:
    """Return the ASGI application serving ``workbench``.

    Parameters
    ----------
    workbench
        The loaded workbench (network, scenarios, caches).
    results
        The results folder; "save as scenario" writes only under ``results/scenarios/``.

    Notes
    -----
    The application starts a :class:`~sim.serve.memory.QuietCollector` (``app.state.collector``):
    call its ``close()`` when done serving.
    """
    wb = workbench
    meta = json.dumps(meta_payload(wb), ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )  # one for all
    collector = QuietCollector(wb.computing)  # full collections only when idle (sim.serve.memory)
    collector.settle()
    collector.start()

    def params(request: Request, allowed: set[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, value in request.query_params.multi_items():
            if key not in allowed:
                raise InputError(
                    f"unknown parameter '{key[:40]}' (valid: {', '.join(sorted(allowed))})", field=key[:40]
                )
            out[key] = value
        return out

    def states(p: dict[str, str]) -> tuple[State, State | None]:
        state = wb.parse_state(p)
        base = None
        if p.get("base"):
            name = p["base"]
            if name not in wb.catalogue.scenarios:
                raise InputError(f"unknown base scenario '{name[:60]}'", field="base")
            base = wb.default_state(name)  # a scenario chosen as base: as it stands at its own year
        return state, base

    def guarded(handler):  # type: ignore[no-untyped-def]
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request)
            except InputError as error:
                return JSONResponse({"error": str(error)}, status_code=400)
            except Exception:  # a bug: say so plainly, log it, never show a traceback
                _log.exception("internal error on %s", request.url.path)
                return JSONResponse({"error": "internal error (logged by the server)"}, status_code=500)
            finally:
                collector.answered()

        return endpoint

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    async def font(request: Request) -> Response:
        return FileResponse(CJK_FONT, media_type="font/otf", headers={"Cache-Control": "max-age=86400"})

    async def api_meta(request: Request) -> Response:
        params(request, set())
        return Response(meta, media_type="application/json")

    async def api_state(request: Request) -> Response:
        p = params(request, _STATE_KEYS | {"base"})
        state, base = states(p)
        return JSONResponse(await run_in_threadpool(state_payload, wb, state, base))

    async def api_city(request: Request) -> Response:
        p = params(request, _STATE_KEYS | {"base", "city", "profile"})
        state, base = states(p)
        city = wb.city(p.get("city"))
        profile = wb.profile(p.get("profile"))
        return JSONResponse(await run_in_threadpool(city_payload, wb, state, city, profile, base))

    async def api_isochrones(request: Request) -> Response:
        p = params(request, _STATE_KEYS | {"city", "profile"})
        state, _ = states(p)
        city = wb.city(p.get("city"))
        profile = wb.profile(p.get("profile"))
        return JSONResponse(await run_in_threadpool(isochrone_payload, wb, state, city, profile))

    async def api_gpkg(request: Request) -> Response:
        p = params(request, _STATE_KEYS | {"city", "profile"})
        state, _ = states(p)
        city = wb.city(p["city"]) if p.get("city") else None
        profile = wb.profile(p.get("profile"))
        if not geopackage_available():
            raise InputError('GeoPackage layers need the geo extra: pip install -e ".[geo]"', field="gpkg")
        data = await run_in_threadpool(_geopackage, wb, state, city, profile)
        name = f"sim-{state.scenario}-{state.year}.gpkg"
        return Response(
            data,
            media_type="application/geopackage+sqlite3",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    async def api_od(request: Request) -> Response:
        p = params(request, _STATE_KEYS | {"profile"})
        state, _ = states(p)
        profile = wb.profile(p.get("profile"))
        times = await run_in_threadpool(wb.all_times, state, profile)
        buffer = io.StringIO()
        buffer.write("origin,destination,profile,door_to_door_min,timetable_min\n")
        ids = wb.city_ids
        for i, a in enumerate(ids):
            for j, b in enumerate(ids):
                if i == j:
                    continue
                d, t = times.door_to_door[i, j], times.timetable[i, j]
                ds = f"{d:.1f}" if np.isfinite(d) else ""
                ts = f"{t:.1f}" if np.isfinite(t) else ""
                buffer.write(f"{a},{b},{profile},{ds},{ts}\n")
        name = "-".join([state.scenario, str(state.year), profile]) + ".csv"
        return Response(
            buffer.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="od-{name}"'},
        )

    async def api_save(request: Request) -> Response:
        p = params(request, _STATE_KEYS | {"name"})
        state, _ = states(p)
        path = await run_in_threadpool(save_scenario, wb, state, p.get("name", ""), results)
        return JSONResponse({"path": str(path), "run": f"sim run {path}"})

    routes = [
        Route("/", index),
        Route("/static/font.otf", font),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        Route("/api/meta", guarded(api_meta)),
        Route("/api/state", guarded(api_state)),
        Route("/api/city", guarded(api_city)),
        Route("/api/isochrones", guarded(api_isochrones)),
        Route("/api/od.csv", guarded(api_od)),
        Route("/api/layers.gpkg", guarded(api_gpkg)),
        Route("/api/save", guarded(api_save), methods=["POST"]),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(_Headers)])
    app.state.collector = collector  # closed by whoever runs the app (sim serve, BackgroundServer)
    return app


def _geopackage(wb: Workbench, state: State, city: int | None, profile: str) -> bytes:
    """Return the layers ``sim export`` writes for ``state`` (and the city's isochrones) as a GeoPackage.

    The state's scenario is evaluated in full (a download, not a click): cities with
    their indicators, terminals, links of every mode (those not in the state's network
    flagged), and, with a city, its isochrones on ``profile``. Written to a temporary
    folder, returned, and removed: nothing is kept on the server.
    """
    from sim.evaluate import evaluate
    from sim.export.gpkg import write_gpkg
    from sim.geo import layers_with_isochrones

    scenario = wb.scenario_of(state)
    if city is not None and profile not in [p.name for p in scenario.profiles]:
        scenario = replace(scenario, profiles=(*scenario.profiles, PROFILES[profile]))
    result = evaluate(scenario, wb.full)
    origin = wb.city_ids[city] if city is not None else None
    found = layers_with_isochrones(result, wb.full, origin, profile)
    with tempfile.TemporaryDirectory(prefix="sim-serve-") as tmp:
        return write_gpkg(found, Path(tmp) / "layers.gpkg").read_bytes()
