"""The workbench in a real browser: Debian's Chromium, headless, driven by Playwright.

The tests load the page, toggle a project and see a verdict change, cut a link, follow a
shared URL, and check that the page asks nothing of any other machine and logs no error.
"""

import os
import shutil
from pathlib import Path

import pytest

pytest.importorskip("starlette")
playwright = pytest.importorskip("playwright.sync_api")

from sim.serve.server import BackgroundServer  # noqa: E402
from sim.serve.workbench import Workbench  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TARGETS = 12  # in scenarios/targets.toml
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not Path(CHROMIUM).exists():  # .ci/run installs it; a developer without it is told why
    if os.environ.get("CI"):
        pytest.fail("Chromium is missing (.ci/run installs Debian's chromium)", pytrace=False)
    pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with BackgroundServer(Workbench(), tmp_path_factory.mktemp("results")) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1500, "height": 950})
    page = context.new_page()
    page.problems = []
    page.requests = []
    page.on(
        "console", lambda m: m.type in ("error", "warning") and page.problems.append(f"{m.type}: {m.text}")
    )
    page.on("pageerror", lambda e: page.problems.append(f"pageerror: {e}"))
    # a request the page itself aborts (a newer click supersedes it) is not a failure
    page.on(
        "requestfailed",
        lambda r: "ERR_ABORTED" not in (r.failure or "") and page.problems.append(f"failed: {r.url}"),
    )
    page.on("request", lambda r: page.requests.append(r.url))
    yield page
    context.close()


def open_page(page, server, query: str = "") -> None:
    page.goto(server.url + query)
    page.wait_for_selector("body[data-ready='1']", timeout=60_000)


def passed(page, target: str, reading: str) -> int:
    return page.evaluate(f"window.__sim.data.verdicts.find(v => v.id === '{target}').passed['{reading}']")


def wait_update(page, count: int) -> None:
    """Wait until the page has drawn an answer after the ``count``-th (the page's CSP forbids eval)."""
    for _ in range(3000):
        if page.evaluate("window.__sim.timings.length") > count:
            return
        page.wait_for_timeout(20)
    raise AssertionError("the page did not update")


def test_page_shows_map_toggles_and_verdicts_offline(page, server, tmp_path):
    open_page(page, server)
    # one screenshot holds the map, the project toggles and the verdict panel, side by side
    page.screenshot(path=str(tmp_path / "workbench.png"))
    assert (tmp_path / "workbench.png").read_bytes().startswith(b"\x89PNG")
    boxes = {name: page.locator(name).bounding_box() for name in ("#map", "#projects", "#targets")}
    for name, box in boxes.items():
        assert box and box["width"] > 250 and box["height"] > 250 and box["y"] < 950 - 250, (name, box)
    assert boxes["#projects"]["x"] < boxes["#map"]["x"] < boxes["#targets"]["x"]
    assert page.locator("#map circle.city").count() == 54
    assert page.locator("#map path.link").count() > 200
    assert page.locator("#projects input[type=checkbox]").count() > 40
    assert page.locator("#targets .target").count() == TARGETS
    page.wait_for_timeout(300)
    assert page.evaluate("document.fonts.check('12px \"Sim CJK Subset\"', '武汉')")
    outside = [u for u in page.requests if not u.startswith(server.url) and not u.startswith("data:")]
    assert outside == [], outside
    assert page.problems == []


def test_toggle_a_project_changes_a_verdict(page, server):
    open_page(page, server, "?scenario=today&lang=en")
    before = passed(page, "capitals-2h", "timetable")
    page.locator("#targets [data-target='main-cities-2h'] details summary").click()  # the planner looks in
    n = page.evaluate("window.__sim.timings.length")
    page.locator("#projects input[data-project='wuguang_hsr']").uncheck()
    wait_update(page, n)
    after = passed(page, "capitals-2h", "timetable")
    assert after < before
    assert page.locator("#targets [data-target='main-cities-2h'] details").get_attribute("open") is not None
    assert "drop=wuguang_hsr" in page.url
    assert page.locator("#changes").inner_text().count("newly missed") == 1
    assert page.problems == []


def test_excluded_alternative_is_greyed_with_its_reason(page, server):
    open_page(page, server, "?scenario=today&add=wuxianchang_hsr&lang=en")
    box = page.locator("#projects input[data-project='wuxianyi_hsr']")
    assert box.is_disabled()
    assert (
        "excludes wuxianchang_hsr" in page.locator("label.project[data-project='wuxianyi_hsr']").inner_text()
    )


def test_cut_a_link_on_the_map(page, server):
    open_page(page, server, "?scenario=today&lang=en")
    cut = "京广高铁:st_chibibei-st_yueyangdong"
    link = page.evaluate(f"window.__sim.meta.links.find(l => l.cut === '{cut}').id")
    n = page.evaluate("window.__sim.timings.length")
    page.locator(f"#map path.hit[data-link='{link}']").dispatch_event("click")
    page.locator("#popup button[data-act='link']").click()
    wait_update(page, n)
    assert "cut=" in page.url
    assert page.locator("#map path.link.cut").count() >= 1
    assert page.locator("#cuts .cut-item").count() == 1
    assert "slower" in page.locator("#changes").inner_text()
    n = page.evaluate("window.__sim.timings.length")
    page.locator("#cuts button[data-restore]").click()
    wait_update(page, n)
    assert page.locator("#cuts .cut-item").count() == 0
    assert page.problems == []


def test_a_shared_url_reproduces_the_view(page, server, browser):
    cut = "京广高铁:st_chibibei-st_yueyangdong"
    query = f"?scenario=today&year=2020&add=changjiu_hsr&cut={cut}&city=wuhan&lang=en"
    open_page(page, server, query)
    page.wait_for_selector("#city:not([hidden]) table")
    shared = page.url
    verdicts = page.evaluate("JSON.stringify(window.__sim.data.verdicts)")
    other = browser.new_context().new_page()
    other.goto(shared)
    other.wait_for_selector("body[data-ready='1']", timeout=60_000)
    other.wait_for_selector("#city:not([hidden]) table")
    assert other.evaluate("JSON.stringify(window.__sim.data.verdicts)") == verdicts
    assert other.locator("#year").input_value() == "2020"
    assert other.locator("#projects input[data-project='changjiu_hsr']").is_checked()
    assert other.locator("#cuts .cut-item").count() == 1
    assert "From Wuhan" in other.locator("#city").inner_text()
    other.context.close()
    assert page.problems == []


def test_a_link_without_a_year_opens_the_scenario_at_its_own(page, server):
    open_page(page, server, "?scenario=vision-2035&lang=en")
    assert page.locator("#year").input_value() == "2035"
    assert "year=2035" in page.url
    assert page.problems == []


def test_year_slider_and_language_switch(page, server):
    open_page(page, server)
    assert "目标判定" in page.locator("#verdicts").inner_text()
    n = page.evaluate("window.__sim.timings.length")
    page.locator("#year").fill("2012")  # fires input and change, as letting go of the slider does
    wait_update(page, n)
    assert "year=2012" in page.url
    page.locator("#lang").click()
    assert "VERDICTS" in page.locator("#verdicts").inner_text().upper()
    assert page.problems == []


def test_a_refused_shared_url_says_why_and_shows_the_default(page, server):
    page.goto(server.url + "?scenario=today&add=no_such_project")
    page.wait_for_selector("body[data-ready='1']", timeout=60_000)
    assert "unknown project" in page.locator("#error").inner_text()
    assert page.locator("#targets .target").count() == TARGETS
    # the refused request is the one expected error the browser logs
    assert all("400" in p for p in page.problems)


def test_map_background_city_isochrones_and_geopackage(page, server, tmp_path):
    open_page(page, server, "?scenario=today&lang=en")
    assert page.locator("#basemap path.province.region").count() == 3
    assert page.locator("#basemap path.river").count() >= 5
    assert page.locator("#basemap path.lake").count() >= 2
    page.locator("#map circle.city[data-city='wuhan']").dispatch_event("click")
    page.wait_for_selector("#map path.iso", timeout=60_000)
    assert page.locator("#map path.iso").count() == 3
    assert "isochrones (door to door)" in page.locator("#legend").inner_text()
    assert "city=wuhan" in page.url
    # the timetable reading has no catchments: the isochrones go, the bands stay
    page.locator("#reading").select_option("timetable")
    assert page.locator("#map path.iso").count() == 0
    if page.evaluate("window.__sim.meta.geopackage"):
        with page.expect_download(timeout=120_000) as info:
            page.locator("#gpkg").click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        assert path.suffix == ".gpkg" and path.read_bytes().startswith(b"SQLite format 3\x00")
    assert page.problems == []
