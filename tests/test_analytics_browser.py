"""Search analytics in real headless Chromium: the widget reports clicks, and the editors'
page renders with its chart, needs the admin token and passes axe-core.

The service runs in a thread with analytics on; a "publisher" site on another origin embeds
the widget. A small WSGI wrapper keeps the headers of each request to /events, so the test
can see what the browser really sent (no cookie, no preflight).
"""
from __future__ import annotations

import time

import pytest
from browser import ARTIFACTS, host_page, open_page, page_axe, served, set_auth, shadow, wait_for

from tests.conftest import ADMIN_TOKEN

pytestmark = pytest.mark.browser
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


class Capture:
    """WSGI middleware keeping (method, headers) of the requests to /events."""

    def __init__(self, app) -> None:
        self.app, self.events = app, []

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") == "/events":
            self.events.append((environ["REQUEST_METHOD"],
                                {k: v for k, v in environ.items() if k.startswith(("HTTP_", "CONTENT_"))}))
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def setup(demo_index, tmp_path_factory):
    with served(tmp_path_factory.mktemp("chromium-profile-analytics"), {
            "INDEX_DIR": demo_index, "ADMIN_TOKEN": ADMIN_TOKEN,
            "ANALYTICS_DB": str(tmp_path_factory.mktemp("an") / "analytics.db")},
            front=Capture) as s:
        yield s.driver, s.app, s.service, s.site, s.service.app  # the app behind Capture


def report(app) -> dict:
    res = app.test_client().get("/admin/analytics", headers=AUTH)
    assert res.status_code == 200
    return res.json


def test_widget_reports_clicks_without_credentials(setup):
    driver, app, service, site, capture = setup
    set_auth(driver, None)
    # A cookie of the service's origin: the click report must not carry it.
    driver.get(service.origin + "/health")
    driver.add_cookie({"name": "reader", "value": "r-42", "path": "/"})
    open_page(driver, site, host_page(service.origin + "/widget.js"), "/clicks")
    shadow(driver, ".nsw-input").send_keys("library")
    s = wait_for(driver, lambda s: s["value"] == "library" and s["status"].endswith(" results")
                 and not s["status"].startswith("Showing"), "all results for library")
    third = s["titles"][2]
    shadow(driver, ".nsw-result:nth-child(3)").click()
    assert driver.execute_script("return window.__opened") is not None
    box = shadow(driver, ".nsw-input")
    box.send_keys("\ue015")  # ArrowDown: from the clicked third result to the fourth
    box.send_keys("\ue007")  # Enter opens it
    deadline = time.monotonic() + 10
    while report(app)["clicks"] < 2:
        assert time.monotonic() < deadline, capture.events
        time.sleep(0.1)
    r = report(app)
    assert r["searches"] == 1 and r["clicks"] == 2 and r["searches_with_clicks"] == 1
    assert r["top_queries"][0]["query"] == "library" and r["mean_click_position"] == 3.5
    app.extensions["analytics"].flush()
    import sqlite3
    conn = sqlite3.connect(app.config["ANALYTICS_DB"])
    try:
        clicks = dict(conn.execute("SELECT position, doc_id FROM clicks").fetchall())
    finally:
        conn.close()
    assert sorted(clicks) == [3, 4]
    assert app.test_client().get(f"/documents/{clicks[3]}").json["title"] == third
    assert [m for m, _ in capture.events] == ["POST", "POST"]  # no preflight
    for _, headers in capture.events:
        assert "HTTP_COOKIE" not in headers and headers["CONTENT_TYPE"].startswith("text/plain")
        assert headers["HTTP_ORIGIN"] == site.origin


def _until(app, condition, what: str) -> dict:
    """Poll the report until ``condition(report)`` holds (10 s at most); return it."""
    deadline = time.monotonic() + 10
    while not condition(r := report(app)):
        assert time.monotonic() < deadline, f"{what}: {r}"
        time.sleep(0.1)
    return r


def test_typing_letter_by_letter_counts_one_search_and_one_click(setup):
    """Search-as-you-type asks the service at every pause; only the search the reader
    settles on (1.5 s without typing) counts, and the click on one of its results with it."""
    driver, app, service, site, _ = setup
    set_auth(driver, None)
    open_page(driver, site, host_page(service.origin + "/widget.js"), "/typing")
    before = report(app)
    box = shadow(driver, ".nsw-input")
    for i, letter in enumerate("harbour crane"):
        box.send_keys(letter)
        time.sleep(0.5 if i in (3, 8) else 0.05)  # the reader hesitates: "harb", "harbour c"
    wait_for(driver, lambda s: s["value"] == "harbour crane" and s["titles"], "the results")
    r = _until(app, lambda r: r["searches"] > before["searches"], "the settled search")
    shadow(driver, ".nsw-result").click()
    r = _until(app, lambda r: r["clicks"] > before["clicks"], "the click")
    assert r["searches"] - before["searches"] == 1 and r["clicks"] - before["clicks"] == 1
    typed = {q["query"]: q for q in r["top_queries"]}
    assert typed["harbour crane"]["searches"] == 1 and typed["harbour crane"]["clicks"] == 1
    assert not {"h", "ha", "har", "harb", "harbour c", "harbour cr"} & set(typed)
    assert r["unsettled_searches"] - before["unsettled_searches"] >= 2  # asked, not counted
    assert r["searches_with_clicks"] - before["searches_with_clicks"] == 1


def test_editors_page_renders_its_chart_needs_the_token_and_passes_axe(setup):
    driver, app, service, site, _ = setup
    client = app.test_client()
    for q in ("harbour", "harbour", "tram line", "qzxwvkjh"):  # as the widget, settled
        sid = client.get("/search", query_string={"q": q, "via": "widget"}).json["search_id"]
        client.post("/events", json={"search_id": sid, "type": "search"})
    url = service.origin + "/admin/analytics.html"

    set_auth(driver, None)
    driver.get(url)  # 401 with a Basic challenge: the browser asks, nothing is shown
    assert not driver.find_elements("css selector", "svg") and "analytics" not in driver.title
    set_auth(driver, "Bearer wrong-token-0123456789")
    driver.get(url)
    assert "wrong admin token" in driver.find_element("tag name", "body").text
    assert not driver.find_elements("css selector", "svg")

    set_auth(driver, f"Bearer {ADMIN_TOKEN}")
    driver.get(url)
    assert driver.title.startswith("Search analytics")
    found = driver.execute_script("""
        const svg = document.querySelector("svg.chart");
        const box = svg.getBoundingClientRect();
        const bars = [...svg.querySelectorAll(".bars rect")];
        return {box: [box.width, box.height], bars: bars.length,
                tallest: Math.max(...bars.map((b) => b.getBoundingClientRect().height)),
                points: svg.querySelectorAll(".zero-points circle").length,
                label: svg.getAttribute("aria-labelledby"),
                resources: performance.getEntriesByType("resource").length,
                scripts: document.scripts.length,
                cells: [...document.querySelectorAll("table")[0].querySelectorAll("td")]
                         .map((td) => td.textContent)};
    """)
    assert found["box"][0] > 300 and found["box"][1] > 150
    assert found["bars"] == 30 and found["tallest"] > 50 and found["points"] >= 1
    assert found["label"] and found["resources"] == 0 and found["scripts"] == 0
    assert found["cells"][:2] == ["harbour", "2"]
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "analytics-page.png"))
    bad = page_axe(driver)
    assert not bad, bad
