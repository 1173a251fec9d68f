"""The widget's popular searches in real headless Chromium, on a publisher's page: offered
when the box is focused empty (GET /popular), a click searches it, typing hides them;
axe-clean. (The nothing-found state offers the search response's ``popular``: see
test_widget_controls_browser.)"""
from __future__ import annotations

import json

import pytest
from browser import host_page, open_page, page_axe, served, shadow, wait_for

from tests.test_popular import SETTLED, replay

pytestmark = pytest.mark.browser

POPULAR_JS = """
const root = document.querySelector("[data-nsw-search]").shadowRoot;
const box = root.querySelector(".nsw-popular");
return {hidden: box.hidden || getComputedStyle(box).display === "none",
        heading: box.querySelector(".nsw-heading").textContent,
        queries: [...box.querySelectorAll("button")].map((b) => b.textContent)};
"""


@pytest.fixture(scope="module")
def setup(demo_index, tmp_path_factory):
    folder = tmp_path_factory.mktemp("popular-browser")

    def seeded(app):
        client = app.test_client()

        def click(search_id, doc_id, position):
            assert client.post("/events", data=json.dumps({
                "search_id": search_id, "id": doc_id, "position": position}),
                content_type="text/plain").status_code == 204
        replay(lambda q: client.get("/search", query_string={"q": q, "via": "widget"}).json,
               click)
        app.extensions["analytics"].flush()
        app.extensions["popular"].refresh()
        return app
    with served(tmp_path_factory.mktemp("chromium-profile-popular"), {
            "INDEX_DIR": demo_index, "ANALYTICS_DB": str(folder / "analytics.db"),
            "RULES_FILE": str(folder / "editor.json")}, front=seeded) as s:
        yield s.driver, s.service, s.site


def popular(driver) -> dict:
    return driver.execute_script(POPULAR_JS)


def wait_popular(driver, condition, message):
    return wait_for(driver, condition, message, read=popular)


def axe_clean(driver) -> None:
    bad = page_axe(driver)
    assert not bad, bad


def test_popular_searches_in_the_empty_state(setup):
    driver, service, site = setup
    open_page(driver, site, host_page(service.origin + "/widget.js"), "/popular")
    assert popular(driver)["hidden"]  # nothing is fetched or shown before the reader comes
    box = shadow(driver, ".nsw-input")
    box.click()
    shown = wait_popular(driver, lambda p: not p["hidden"], "popular searches on focus")
    assert shown == {"hidden": False, "heading": "Popular searches", "queries": SETTLED}
    axe_clean(driver)
    shadow(driver, ".nsw-popular li:nth-child(2) button").click()  # "library"
    s = wait_for(driver, lambda s: s["value"] == "library" and s["titles"], "library searched")
    assert popular(driver)["hidden"] and "Library" in " ".join(s["titles"])
    box.send_keys("\ue003" * len("library"))  # Backspace until empty: offered again
    wait_popular(driver, lambda p: not p["hidden"], "popular searches when emptied")
    box.send_keys("zep")  # typing: the list gives way
    wait_popular(driver, lambda p: p["hidden"], "the list hidden while typing")
    assert not driver.execute_script("return window.__errors")
