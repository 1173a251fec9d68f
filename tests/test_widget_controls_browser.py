"""The widget's reader controls, one result per story, the phone layout and "nothing found",
in real headless Chromium at 1280x800 and 390x844, each state checked with axe-core.

The service runs in a thread over the demo index with analytics on (popular searches are
offered when nothing is found); a "publisher" site on another origin embeds the widget.
Screenshots of five states go to test-artifacts/screenshots/; with SEARCH_UPDATE_SCREENSHOTS=1
they replace the ones committed in docs/screenshots/ (linked from the README).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from browser import STATE_JS, host_page, open_page, serious_violations, served, shadow, wait_for

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / ("docs" if os.environ.get("SEARCH_UPDATE_SCREENSHOTS") else "test-artifacts") / "screenshots"
SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
PAGE_STYLE = """<style>body{margin:0;font:16px/1.5 Georgia,serif;color:#222;background:#fafafa}
h1{margin:0;padding:14px 20px;font:700 22px system-ui,sans-serif;color:#fff;background:#7a1f2b}
.slot{max-width:820px;margin:0 auto;padding:16px 20px}body>p{display:none}</style>"""
# What the widget shows, read in one round trip (beside browser.STATE_JS's view).
CONTROLS_JS = """
const root = document.querySelector("[data-nsw-search]").shadowRoot;
const all = (s) => [...root.querySelectorAll(s)];
const box = (e) => { if (!e) return null; const r = e.getBoundingClientRect();
                     return [r.left, r.top, r.right, r.bottom]; };
const input = root.querySelector(".nsw-input");
const cs = getComputedStyle(input);
return {
  tabs: all(".nsw-tab").filter((b) => !b.closest("[hidden]")).map((b) => [b.dataset.nswKind,
        Number(b.querySelector(".nsw-count").textContent), b.getAttribute("aria-pressed")]),
  tabsShown: !root.querySelector(".nsw-tabs").closest("[hidden]"),
  selects: Object.fromEntries(all(".nsw-bar select").map((s) => [s.parentNode.firstChild.textContent,
        s.closest("[hidden]") ? null : s.value])),
  kinds: all(".nsw-result .nsw-badge").map((b) => b.textContent.split(" ")[0]),
  dates: all(".nsw-result .nsw-date").map((t) => t.getAttribute("datetime")),
  langs: all(".nsw-list > .nsw-result").map((li) => li.lang),
  quotesUnder: all(".nsw-result").map((li) => li.querySelectorAll(".nsw-quotes li").length),
  from: all(".nsw-result .nsw-from").map((p) => p.textContent),
  none: all(".nsw-none button").map((b) => b.textContent),
  input: box(input), clear: box(root.querySelector(".nsw-clear")),
  clearShown: !root.querySelector(".nsw-clear").hidden,
  padRight: parseFloat(cs.paddingRight), border: parseFloat(cs.borderRightWidth),
  toggle: box(root.querySelector(".nsw-toggle")),
  toggleShown: getComputedStyle(root.querySelector(".nsw-toggle")).display !== "none",
  facets: box(root.querySelector(".nsw-facets")),
  facetsShown: getComputedStyle(root.querySelector(".nsw-facets")).display !== "none",
  firstResult: box(root.querySelector(".nsw-result")),
  focused: root.activeElement ? root.activeElement.className : null,
  width: document.documentElement.clientWidth,
};
"""
@pytest.fixture(scope="module")
def setup(demo_index, tmp_path_factory):
    """The service (analytics on, three popular queries), a publisher site, Chromium."""
    def seeded(app):
        client = app.test_client()
        for q in ("wind farm",) * 20 + ("library", "tram line"):  # settled, clicked searches
            found = client.get("/search", query_string={"q": q, "via": "widget"}).json
            sid = found["search_id"]
            client.post("/events", data=json.dumps({"search_id": sid, "type": "search"}),
                        content_type="text/plain")
            client.post("/events", data=json.dumps({"search_id": sid, "position": 1,
                                                    "id": found["results"][0]["id"]}),
                        content_type="text/plain")
        app.extensions["analytics"].flush()
        app.extensions["popular"].refresh()  # the list a search that finds nothing offers
        return app
    with served(tmp_path_factory.mktemp("chromium-profile-controls"), {
            "INDEX_DIR": demo_index,
            "ANALYTICS_DB": str(tmp_path_factory.mktemp("an") / "analytics.db"),
            # the seeding posts 88 events at once from one client: past the per-client rate
            "ANALYTICS_EVENTS_RATE": 1000, "ANALYTICS_CLIENT_RATE": 1000},
            front=seeded) as s:
        yield s.driver, s.service, s.site


@pytest.fixture(params=list(SIZES))
def size(request, setup):
    """Each test at a desktop and at a phone's viewport (CSS pixels)."""
    driver = setup[0]
    width, height = SIZES[request.param]
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 1,
        "mobile": request.param == "phone"})
    yield request.param
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def open_widget(setup, path: str, attrs: str = "", query: str = "",
                opening: bool = False) -> None:
    """Open a page embedding the widget (``opening``: results really open, the page does
    not stop them)."""
    driver, service, site = setup
    page = host_page(service.origin + "/widget.js", attrs=attrs, head=VIEWPORT + PAGE_STYLE)
    open_page(driver, site, page.replace("e.preventDefault(); ", "") if opening else page,
              path, query)


def controls(driver) -> dict:
    return driver.execute_script(CONTROLS_JS)


def until(driver, condition, message: str) -> dict:
    """Wait until ``condition`` holds on the widget's state and controls, read at once."""
    both = f"const s = (() => {{{STATE_JS}}})(); const c = (() => {{{CONTROLS_JS}}})();" \
        "return s && Object.assign(s, c);"
    return wait_for(driver, condition, message, read=lambda d: d.execute_script(both))


def url_state(driver) -> dict[str, list[str]]:
    return {k: v for k, v in parse_qs(urlsplit(driver.current_url).query).items()
            if k.startswith("nsw-")}


def choose(driver, label: str, value: str) -> None:
    """Pick ``value`` in the labelled select, with the keyboard's help (as a reader would)."""
    from selenium.webdriver.support.ui import Select

    for sel in shadow(driver, ".nsw-bar").find_elements("css selector", "select"):
        if sel.find_element("xpath", "..").text.startswith(label):
            Select(sel).select_by_value(value)
            return
    raise AssertionError(f"no {label} select")


def axe_clean(driver) -> None:
    assert serious_violations(driver) == []


def shoot(driver, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert driver.save_screenshot(str(SHOTS / f"{name}.png"))


def test_empty_state(setup, size):
    driver = setup[0]
    open_widget(setup, f"/empty-{size}")
    c = until(driver, lambda s: True, "the empty widget")
    assert c["titles"] == [] and not c["clearShown"] and not c["tabsShown"]
    axe_clean(driver)
    if size == "desktop":
        shoot(driver, "1-empty")


def test_type_sort_date_and_language_controls(setup, size):
    from selenium.webdriver.common.keys import Keys

    driver = setup[0]
    open_widget(setup, f"/controls-{size}")
    shadow(driver, ".nsw-input").send_keys("council")
    c = until(driver, lambda s: s["status"] == "8 results", "results for council")
    assert c["tabs"] == [["", 9, "true"], ["article", 7, "false"], ["bio", 1, "false"],
                         ["quote", 1, "false"]]
    assert c["selects"] == {"Sort": "relevance", "Date": "", "Language": ""}

    tab = shadow(driver, '.nsw-tab[data-nsw-kind="quote"]')  # by keyboard: focus, Enter
    driver.execute_script("arguments[0].focus()", tab)
    tab.send_keys(Keys.ENTER)
    c = until(driver, lambda s: s["status"] == "1 result", "the Quotes tab")
    assert c["kinds"] == ["Quote"] and ["quote", 1, "true"] in c["tabs"]
    assert all(f.startswith("from: ") for f in c["from"]) and len(c["from"]) == 1
    assert url_state(driver) == {"nsw-q": ["council"], "nsw-kind": ["quote"]}

    shadow(driver, '.nsw-tab[data-nsw-kind="article"]').click()
    until(driver, lambda s: s["status"] == "7 results", "the Articles tab")
    choose(driver, "Sort", "-date")
    newest = lambda s: [d for d in s["dates"] if d] == sorted(  # noqa: E731
        [d for d in s["dates"] if d], reverse=True) and len(s["dates"]) >= 5
    c = until(driver, newest, "newest first")
    assert url_state(driver)["nsw-sort"] == ["-date"]

    choose(driver, "Date", "custom")
    driver.execute_script(  # both ends, then one change event: one search
        "arguments[0].value = '2023-01-01'; arguments[1].value = '2023-12-31';"
        "arguments[1].dispatchEvent(new Event('change'))",
        shadow(driver, 'input[aria-label="From"]'), shadow(driver, 'input[aria-label="To"]'))
    c = until(driver, lambda s: s["dates"] and all(d.startswith("2023") for d in s["dates"])
              and s["status"] == "3 results", "the 2023 range")
    assert url_state(driver)["nsw-from"] == ["2023-01-01"]
    if size == "desktop":
        shoot(driver, "2-results-with-filters")
    axe_clean(driver)

    driver.back()  # the history keeps each settled change: back to before the range
    c = until(driver, lambda s: s["status"] == "7 results" and s["selects"]["Date"] == "",
              "back to every date")
    assert c["selects"]["Sort"] == "-date" and ["article", 7, "true"] in c["tabs"]

    box = shadow(driver, ".nsw-input")  # a language (the demo index holds several)
    box.send_keys(Keys.BACKSPACE * len("council") + "wind")
    shadow(driver, '.nsw-tab[data-nsw-kind=""]').click()
    choose(driver, "Language", "de")
    c = until(driver, lambda s: s["titles"] and set(s["langs"]) == {"de"}, "German results")
    assert c["selects"]["Language"] == "de" and url_state(driver)["nsw-lang"] == ["de"]


def test_the_url_is_shareable_and_the_page_can_fix_controls(setup, size):
    driver = setup[0]
    # A shared link opens the same search.
    open_widget(setup, f"/shared-{size}", query="?nsw-q=council&nsw-kind=quote&nsw-sort=-date")
    c = until(driver, lambda s: s["status"] == "1 result", "the shared search")
    assert c["value"] == "council" and c["kinds"] == ["Quote"]
    assert c["dates"] == sorted(c["dates"], reverse=True) and c["selects"]["Sort"] == "-date"

    # The page fixes the type and the order (hidden; a URL cannot change them) and where
    # results open.
    attrs = 'data-nsw-kind="article" data-nsw-sort="-date" data-nsw-target="_blank"'
    open_widget(setup, f"/fixed-{size}", attrs, query="?nsw-q=council&nsw-kind=quote",
                opening=True)
    driver.execute_script("window.open = (url, target, features) => {"
                          " window.__window = [url, target, features]; }")
    c = until(driver, lambda s: s["status"] == "7 results", "articles only")
    assert set(c["kinds"]) == {"Article"} and not c["tabsShown"]
    assert c["selects"]["Sort"] is None  # not shown
    assert [d for d in c["dates"] if d] == sorted([d for d in c["dates"] if d], reverse=True)
    shadow(driver, ".nsw-result").click()
    opened = driver.execute_script("return window.__window")
    assert opened[1:] == ["_blank", "noopener"] and opened[0].startswith("https://demo.")
    assert "/fixed-" in driver.current_url  # this page stayed


def test_one_result_per_story(setup, size):
    driver = setup[0]
    open_widget(setup, f"/stories-{size}")
    shadow(driver, ".nsw-input").send_keys("library")
    c = until(driver, lambda s: s["status"] == "4 results", "one result per story")
    assert c["titles"][0] == "Central Library to Stay Open Until Ten on Weeknights"
    assert c["quotesUnder"][0] == 3 and c["kinds"] == ["Article"] * 4
    assert len(set(c["titles"])) == 4  # no headline repeated
    shadow(driver, '.nsw-tab[data-nsw-kind="quote"]').click()  # quotes one by one
    c = until(driver, lambda s: s["kinds"] and set(s["kinds"]) == {"Quote"}, "the quotes")
    assert len(c["titles"]) == 3 and all(t.startswith("\u201c") for t in c["titles"])
    assert c["from"] == ["from: Central Library to Stay Open Until Ten on Weeknights"] * 3
    axe_clean(driver)


def test_typo_suggestion(setup, size):
    driver = setup[0]
    open_widget(setup, f"/typo-{size}")
    shadow(driver, ".nsw-input").send_keys("libary")
    c = until(driver, lambda s: s["suggestion"] and s["titles"], "a suggestion")
    assert c["suggestion"] == "Did you mean library?"
    axe_clean(driver)
    if size == "desktop":
        shoot(driver, "3-typo")


def test_nothing_found_offers_what_to_drop_and_popular_searches(setup, size):
    driver = setup[0]
    open_widget(setup, f"/nothing-{size}")
    shadow(driver, ".nsw-input").send_keys("harbour")
    until(driver, lambda s: s["status"] == "9 results", "results for harbour")
    choose(driver, "Date", "year")  # the demo's articles are from 2021-2024
    c = until(driver, lambda s: s["status"] == "No results for \u201charbour\u201d", "nothing")
    assert c["none"][0] == "the dates (9)"  # then the popular searches, most searched first
    assert c["none"][1] == "wind farm" and {"library", "tram line"} <= set(c["none"])
    axe_clean(driver)
    if size == "desktop":
        shoot(driver, "4-nothing-found")
    shadow(driver, ".nsw-none button").click()  # drop the dates
    c = until(driver, lambda s: s["status"] == "9 results", "the dates dropped")
    assert c["selects"]["Date"] == ""


def test_phone_layout_filters_above_results_and_clear_button(setup, size):
    from selenium.webdriver.common.keys import Keys

    driver = setup[0]
    open_widget(setup, f"/layout-{size}")
    long = "what did the danish prime minister say about the wind farm and the harbour"
    box = shadow(driver, ".nsw-input")
    box.send_keys(long)
    c = until(driver, lambda s: s["titles"] and s["value"] == long, "results for a long query")
    # the text box ends before the x: typed text never runs under it
    text_right = c["input"][2] - c["padRight"] - c["border"]
    assert c["clearShown"] and text_right <= c["clear"][0]
    assert c["clear"][2] <= c["input"][2] and c["clear"][1] >= c["input"][1]
    driver.execute_script("arguments[0].focus()", box)
    box.send_keys(Keys.TAB)  # the x is next in the Tab order
    assert controls(driver)["focused"] == "nsw-clear"
    if size == "phone":
        assert c["width"] == 390 and c["toggleShown"] and not c["facetsShown"]
        shadow(driver, ".nsw-toggle").click()
        c = until(driver, lambda s: s["facetsShown"], "the filters opened")
        assert c["facets"][3] <= c["firstResult"][1]  # above the results
        assert shadow(driver, ".nsw-toggle").get_attribute("aria-expanded") == "true"
        axe_clean(driver)
        shoot(driver, "5-phone")
    else:
        assert not c["toggleShown"] and c["facetsShown"]
        assert c["facets"][0] >= c["firstResult"][2]  # beside the results
    shadow(driver, ".nsw-clear").send_keys(Keys.ENTER)
    c = until(driver, lambda s: not s["titles"], "cleared")
    assert c["value"] == "" and c["focused"] == "nsw-input"
