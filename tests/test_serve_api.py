"""The workbench over HTTP: pages, answers, validation of every parameter, malformed
requests by the thousand, several clients at once, and the `sim serve` command."""

import asyncio
import json
import random
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

from test_validate import bad_network

from sim.generator import written_by_sim
from sim.scenario import BUNDLED_NETWORK
from sim.serve.server import BackgroundServer, bind
from sim.serve.workbench import Workbench


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    results = tmp_path_factory.mktemp("results")
    with BackgroundServer(Workbench(), results) as srv:
        srv.results = results
        yield srv


def get(server, path: str, method: str = "GET") -> tuple[int, dict | str, dict]:
    request = urllib.request.Request(server.url.rstrip("/") + path, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            body, status, headers = r.read(), r.status, dict(r.headers)
    except urllib.error.HTTPError as error:
        body, status, headers = error.read(), error.code, dict(error.headers)
    text = body.decode("utf-8", "replace")
    if headers.get("content-type", "").startswith("application/json"):
        return status, json.loads(text), headers
    return status, text, headers


def q(**params) -> str:
    return "?" + urllib.parse.urlencode(params)


def test_page_and_assets_are_served_from_the_package(server):
    status, html, headers = get(server, "/")
    assert status == 200 and "/static/app.js" in html
    assert "default-src 'self'" in headers["content-security-policy"]
    for asset in ("/static/app.js", "/static/style.css", "/static/font.otf"):
        assert get(server, asset)[0] == 200
    assert "http" not in html.replace(server.url, "").split("<body>")[0].lower().replace("http-equiv", "")


def test_state_answers_with_both_readings(server):
    status, body, _ = get(server, "/api/state" + q(scenario="today", year=2025))
    assert status == 200
    capitals = next(v for v in body["verdicts"] if v["id"] == "capitals-2h")
    assert [r["key"] for r in capitals["readings"]] == ["timetable", "door_to_door"]  # the headline first
    assert capitals["headline"] == "timetable" and capitals["checked"] == 3
    assert {p["a"] + "-" + p["b"] for p in capitals["pairs"]} == {
        "wuhan-changsha",
        "wuhan-nanchang",
        "changsha-nanchang",
    }
    assert body["changes"]["links_added"] == [] and body["changes"]["faster"] == []


def test_toggle_and_cut_change_the_verdicts(server):
    _, before, _ = get(server, "/api/state" + q(scenario="today"))
    _, after, _ = get(server, "/api/state" + q(scenario="today", drop="wuguang_hsr"))
    cap = lambda body: next(v for v in body["verdicts"] if v["id"] == "capitals-2h")["passed"]["timetable"]  # noqa: E731
    assert cap(after) < cap(before)
    assert after["changes"]["newly_missed"] and after["changes"]["links_removed"]
    cut = "京广高铁:st_chibibei-st_yueyangdong"
    _, cutting, _ = get(server, "/api/state" + q(scenario="today", cut=cut))
    assert cutting["links"]["cut"] and cutting["changes"]["n_slower"] > 0


def test_a_chosen_base_is_that_scenario_at_its_own_year(server):
    _, body, _ = get(server, "/api/state" + q(scenario="today", year=2031, base="today"))
    assert body["base"] == {"scenario": "today", "year": "2025"}
    assert body["changes"]["links_added"]  # what opens by 2031, against 2025
    _, same, _ = get(server, "/api/state" + q(scenario="today", year=2031))
    assert same["base"] == {"scenario": "today", "year": "2031"} and not same["changes"]["links_added"]


def test_city_and_od_download(server):
    status, body, _ = get(server, "/api/city" + q(scenario="today", city="wuhan", profile="passenger"))
    assert status == 200 and len(body["door_to_door"]) == 54 and body["door_to_door"][0] == 0
    status, text, headers = get(server, "/api/od.csv" + q(scenario="today", profile="rail"))
    assert status == 200 and "attachment" in headers["content-disposition"]
    lines = text.splitlines()
    assert (
        lines[0] == "origin,destination,profile,door_to_door_min,timetable_min" and len(lines) == 1 + 54 * 53
    )


def test_meta_carries_the_map_background(server):
    _, meta, _ = get(server, "/api/meta")
    kinds = {(f["kind"], f["id"]) for f in meta["background"]}
    assert {("province", "hubei"), ("province", "hunan"), ("province", "jiangxi")} <= kinds
    assert {("river", "yangtze"), ("lake", "poyang")} <= kinds
    hubei = next(f for f in meta["background"] if f["id"] == "hubei")
    lon, lat = hubei["label"]
    assert 108 < lon < 116.5 and 29 < lat < 33.5  # inside Hubei's extent


def test_isochrones_of_a_city(server):
    status, body, _ = get(server, "/api/isochrones" + q(scenario="today", city="wuhan", profile="rail"))
    assert status == 200 and body["reading"] == "door_to_door"
    assert [i["minutes"] for i in body["isochrones"]] == [60, 120, 180]
    assert [i["points"] for i in body["isochrones"]] == sorted(i["points"] for i in body["isochrones"])
    rings = [part[0] for part in body["isochrones"][2]["parts"]]
    assert all(r[0] == r[-1] for r in rings) and max(len(r) for r in rings) > 50
    assert get(server, "/api/isochrones" + q(city="atlantis"))[0] == 400


def test_geopackage_download_holds_the_views_layers(server, tmp_path):
    pyogrio = pytest.importorskip("pyogrio")
    cut = "京广高铁:st_wuhan-st_xianningbei"
    query = q(scenario="today", add="changjiu_hsr", cut=cut, city="wuhan", profile="rail")
    request = urllib.request.Request(server.url.rstrip("/") + "/api/layers.gpkg" + query)
    with urllib.request.urlopen(request, timeout=120) as r:
        assert (
            "attachment" in r.headers["content-disposition"] and ".gpkg" in r.headers["content-disposition"]
        )
        path = tmp_path / "view.gpkg"
        path.write_bytes(r.read())
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert {"cities", "terminals", "links_hsr", "isochrones"} <= layers
    assert written_by_sim(path)
    hsr = pyogrio.read_dataframe(path, layer="links_hsr")
    cut_rows = hsr[
        (hsr["line"] == "京广高铁")
        & (hsr["from"].isin(["st_wuhan", "st_xianningbei"]))
        & (hsr["to"].isin(["st_wuhan", "st_xianningbei"]))
    ]
    assert len(cut_rows) and not cut_rows["in_scenario"].astype(bool).any()
    added = hsr[hsr["project"] == "changjiu_hsr"]
    assert len(added) and added["in_scenario"].astype(bool).all()
    assert list(server.results.iterdir()) in ([], [server.results / "scenarios"])  # nothing kept


def test_geopackage_without_the_geo_extra_says_so(server, monkeypatch):
    import sim.serve.app

    monkeypatch.setattr(sim.serve.app, "geopackage_available", lambda: False)
    status, body, _ = get(server, "/api/layers.gpkg" + q(scenario="today"))
    assert status == 400 and "geo extra" in body["error"]


def test_save_writes_only_under_the_results_folder(server):
    status, body, _ = get(
        server, "/api/save" + q(scenario="today", add="changjiu_hsr", name="with-changjiu"), "POST"
    )
    assert status == 200
    assert Path(body["path"]) == server.results / "scenarios" / "with-changjiu.toml"
    status, body, _ = get(server, "/api/save" + q(scenario="today", name="../../evil"), "POST")
    assert status == 400 and "name must be" in body["error"]
    assert get(server, "/api/save" + q(scenario="today", name="x"))[0] == 405


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/state" + q(scenario="nope"), "scenario"),
        ("/api/state" + q(year="3000"), "year"),
        ("/api/state" + q(add="atlantis_hsr"), "add"),
        ("/api/state" + q(cut="nowhere:a-b"), "cut"),
        ("/api/state" + q(colour="red"), "colour"),
        ("/api/city" + q(city="atlantis"), "city"),
        ("/api/city" + q(city="wuhan", profile="rocket"), "profile"),
        ("/api/state" + q(base="nope"), "base"),
    ],
)
def test_unknown_input_is_a_400_naming_the_field(server, path, field):
    status, body, _ = get(server, path)
    assert status == 400
    assert field in body["error"] and "Traceback" not in body["error"]


def _garbage(rng: random.Random) -> str:
    keys = ["scenario", "year", "add", "drop", "cut", "city", "profile", "base", "name", "x", "", "%00", "年"]
    values = [
        "",
        "-1",
        "2025.5",
        "1e9",
        "99999999999999999999",
        "today",
        "../..",
        "%",
        "%%",
        "\x00",
        "年份",
        "a,b,,c",
        ",",
        ":",
        "京广高铁:",
        ":-",
        "a" * 5000,
        "NaN",
        "None",
        "[]",
        "{}",
        "'\"<>",
        "changjiu_hsr,changjiu_hsr",
    ]
    parts = []
    for _ in range(rng.randint(0, 5)):
        parts.append(
            urllib.parse.quote(rng.choice(keys), safe="%")
            + "="
            + urllib.parse.quote(rng.choice(values), safe="%,")
        )
    path = rng.choice(
        [
            "/api/state",
            "/api/city",
            "/api/od.csv",
            "/api/meta",
            "/api/nothing",
            "/static/../app.py",
            "/static/%2e%2e/app.py",
            "/static/",
            "/api/state/",
        ]
    )
    return path + ("?" + "&".join(parts) if parts else "")


def test_a_thousand_malformed_requests_then_a_correct_answer(server):
    _, reference, _ = get(server, "/api/state" + q(scenario="today", add="changjiu_hsr"))
    rng = random.Random(12)
    statuses = {}
    for _ in range(1000):
        status, body, _ = get(server, _garbage(rng))
        statuses[status] = statuses.get(status, 0) + 1
        assert status in (200, 400, 404, 405, 414), status
        if status == 400:
            assert isinstance(body, dict) and body["error"] and "Traceback" not in body["error"]
    assert statuses.get(400, 0) > 300
    _, again, _ = get(server, "/api/state" + q(scenario="today", add="changjiu_hsr"))
    assert again["verdicts"] == reference["verdicts"]


def test_several_tabs_at_once(server):
    queries = [q(scenario="today", year=y, add=a) for y in (2015, 2020, 2025) for a in ("", "changjiu_hsr")]
    expected = {query: get(server, "/api/state" + query)[1]["verdicts"] for query in queries}
    answers: dict[str, list] = {query: [] for query in queries}
    errors: list[Exception] = []

    def tab(i: int) -> None:
        try:
            for k in range(12):
                query = queries[(i + k) % len(queries)]
                answers[query].append(get(server, "/api/state" + query)[1]["verdicts"])
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=tab, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for query, got in answers.items():
        assert got and all(g == expected[query] for g in got)


def test_sim_serve_prints_its_address_and_binds_to_this_machine(tmp_path):
    command = [sys.executable, "-m", "sim.cli", "serve", "--port", "0", "--results", str(tmp_path)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as proc:
        try:
            line = proc.stdout.readline()
            assert line.startswith("sim serve: http://127.0.0.1:")
            url = line.split()[2]
            with urllib.request.urlopen(url + "api/meta", timeout=60) as r:
                assert json.loads(r.read())["default"]["scenario"] == "today"
        finally:
            proc.terminate()
            proc.wait(timeout=30)


def test_sim_serve_refuses_a_bad_port():
    out = subprocess.run(
        [sys.executable, "-m", "sim.cli", "serve", "--port", "70000"], capture_output=True, text=True
    )
    assert out.returncode == 2 and "outside 0..65535" in out.stderr


def test_sim_serve_loads_the_network_through_the_gate(tmp_path):
    net = bad_network(tmp_path)  # what sim validate rejects, sim serve rejects with the same line
    out = subprocess.run(
        [sys.executable, "-m", "sim.cli", "serve", "--network", str(net), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "links_rail.csv:2: field 'speed_kmh'" in out.stderr, out.stderr


def test_sim_serve_refuses_a_results_folder_in_the_data(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "sim.cli", "serve", "--port", "0", "--results", str(BUNDLED_NETWORK)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2 and "inside the data folder" in out.stderr, out.stderr


def test_accepted_connections_send_without_waiting_for_acknowledgements():
    """Nagle off on every accepted connection: asyncio sets TCP_NODELAY only on sockets
    whose protocol is named, and without it an answer of two segments on a kept-alive
    connection waited 40 ms for the browser's delayed acknowledgement (measured in
    Chromium: 40 ms of every click's download)."""
    listening = bind("127.0.0.1", 0)
    seen: list[int] = []

    class Probe(asyncio.Protocol):
        def connection_made(self, transport):  # type: ignore[no-untyped-def]
            conn = transport.get_extra_info("socket")
            seen.append(conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    async def accept_one() -> None:
        server = await asyncio.get_running_loop().create_server(Probe, sock=listening)
        async with server:
            _, writer = await asyncio.open_connection(*listening.getsockname()[:2])
            for _ in range(200):
                if seen:
                    break
                await asyncio.sleep(0.01)
            writer.close()

    asyncio.run(accept_one())
    assert seen == [1]
