"""The embeddable widget in real headless Chromium, against the service running for real.

One browser for the module; the service and two "publisher" sites run in threads on free
127.0.0.1 ports. The allowed site is in CORS_ORIGINS, the refused one is not, so most tests
exercise the widget the way publishers use it: cross-origin.
"""
from __future__ import annotations

import gzip
import html

import pytest
from browser import (ARTIFACTS, ServerThread, Site, chrome, closed_port, host_page, need_browser,
                     open_page, serious_violations, serve_app, shadow, state, wait_for)

MAX_GZIPPED = 15 * 1024
HOSTILE_TITLE = ('Lighthouse <img src=x onerror="window.__pwned=1"> renovation '
                 '<script>window.__pwned=2</script>')
HOSTILE_CSS = """<style>
* { color: red !important; font: italic 40px/3 serif !important; display: inline !important;
    margin: 11px !important; padding: 13px !important; border: 3px solid lime !important;
    letter-spacing: 4px !important; text-transform: uppercase !important;
    box-sizing: content-box !important; background: yellow !important; }
div, ul, li, p, a, mark, input, button, span, time {
    all: unset !important; position: relative !important; left: 30px !important; }
html { font-size: 40px !important; }
[data-nsw-search] { padding: 50px !important; width: 200px !important; float: right !important; }
mark { background: black !important; color: white !important; }
</style>"""
# Holds the reply to "library" until the widget has shown the results for "wind farm" (typed
# next), then flags once the widget has read it: no timing guesses either way.
HOLD_FIRST_REPLY = """<script>
window.__sent = [];
let release;
const gate = new Promise((resolve) => { release = resolve; });
const realFetch = window.fetch;
window.fetch = (url, options) => {
  const q = new URL(url).searchParams.get("q");
  window.__sent.push(q);
  const reply = realFetch(url, options);
  if (q !== "library") return reply;
  return reply.then((r) => gate.then(() => {
    const json = r.json.bind(r);
    r.json = () => json().then((body) => {
      setTimeout(() => { window.__staleRead = true; });  // runs after the widget's handling
      return body;
    });
    return r;
  }));
};
addEventListener("nsw-results", () => { if (window.__sent.includes("wind farm")) release(); });
</script>"""
# The style and box of the first result, of its parts and of the widget, as the page sees them.
LAYOUT_JS = """
const root = document.querySelector("[data-nsw-search]").shadowRoot;
const box = (e) => { const r = e.getBoundingClientRect(); return [r.width, r.height]; };
const style = (e) => { const s = getComputedStyle(e);
  return [s.color, s.fontSize, s.fontFamily, s.fontStyle, s.display, s.lineHeight,
          s.letterSpacing, s.textTransform, s.backgroundColor, s.padding, s.margin]; };
const first = root.querySelector(".nsw-result");
const parts = [".nsw-root", ".nsw-input", ".nsw-title", ".nsw-badge", ".nsw-snippet",
               ".nsw-snippet mark", ".nsw-facet"].map((s) => root.querySelector(s));
return {result: box(first), resultStyle: style(first),
        parts: parts.map((e) => [box(e), style(e)])};
"""


@pytest.fixture(scope="module")
def sites():
    """Two publisher sites: (allowed by CORS_ORIGINS, not allowed)."""
    allowed, refused = ServerThread(Site()), ServerThread(Site())
    yield allowed, refused
    allowed.close()
    refused.close()


@pytest.fixture(scope="module")
def service(demo_index, sites):
    """The search service over the demo index, answering the allowed site cross-origin."""
    with serve_app({"INDEX_DIR": demo_index, "CORS_ORIGINS": sites[0].origin}) as (_, server):
        yield server


@pytest.fixture(scope="module")
def driver(request, tmp_path_factory):
    """Headless Chromium, started once for the module (after the servers, closed before)."""
    need_browser()
    request.getfixturevalue("service")
    browser = chrome(tmp_path_factory.mktemp("chromium-profile"))
    yield browser
    browser.quit()


def embed(driver, service, sites, path: str, **kw) -> dict:
    """Open a page of the allowed site that embeds the widget from the service."""
    return open_page(driver, sites[0], host_page(service.origin + "/widget.js", **kw), path)


def type_query(driver, text: str):
    box = shadow(driver, ".nsw-input")
    box.send_keys(text)
    return box


def click(driver, selector: str) -> None:
    shadow(driver, selector).click()


def page_value(driver, expression: str):
    return driver.execute_script(f"return {expression};")


def wait_page(driver, expression: str, message: str) -> None:
    wait_for(driver, bool, message, read=lambda d: page_value(d, expression))


def test_widget_script_is_small_and_cacheable(client):
    """Everything the widget loads is widget.js (CSS inside): at most 15 kB gzipped."""
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert "max-age=" in response.headers["Cache-Control"]
    assert "public" in response.headers["Cache-Control"]
    size = len(gzip.compress(response.data, 9))
    assert size <= MAX_GZIPPED, f"widget.js is {size} bytes gzipped"
    again = client.get("/widget.js", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_demo_page_shows_the_snippet_under_its_own_csp(client):
    response = client.get("/demo")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    lines = ('<script src="http://localhost/widget.js" defer></script>\n'
             '<div data-nsw-search data-nsw-per-page="5"></div>')
    assert html.escape(lines, quote=False).replace('"', "&#34;") in page  # shown, escaped
    assert lines in page  # and live
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp


@pytest.mark.browser
def test_accessible_markup(driver, service, sites):
    embed(driver, service, sites, "/a11y", attrs='data-nsw-placeholder="Search the Gazette"')
    found = driver.execute_script("""
        const root = document.querySelector("[data-nsw-search]").shadowRoot;
        const input = root.querySelector("input");
        const label = root.querySelector("label");
        const list = root.getElementById(input.getAttribute("aria-controls"));
        const live = root.querySelector("[aria-live][role=status]");
        const r = label.getBoundingClientRect();
        return {search: !!root.querySelector("[role=search]"), role: input.getAttribute("role"),
                labelFor: label.htmlFor === input.id, labelText: label.textContent,
                labelBox: [r.width, r.height], list: list && list.getAttribute("role"),
                placeholder: input.placeholder, live: !!live,
                classes: [...root.querySelectorAll("[class]")].flatMap((e) => [...e.classList])};
    """)
    assert found["search"] and found["role"] == "combobox" and found["list"] == "listbox"
    assert found["labelFor"] and found["labelText"] and found["labelBox"] == [1, 1]
    assert found["live"] and found["placeholder"] == "Search the Gazette"
    assert all(c.startswith("nsw-") for c in found["classes"]), found["classes"]


@pytest.mark.browser
def test_results_facets_keyboard_and_escape(driver, service, sites):
    embed(driver, service, sites, "/search")
    type_query(driver, "library")
    # 4: the library article (its three matching quotes under it), three articles that
    # mention libraries
    s = wait_for(driver, lambda s: s["status"] == "4 results", "4 results for library")
    assert len(s["titles"]) == 4 and s["expanded"] == "true"
    assert s["marks"] and all(m.lower().startswith("librar") for m in s["marks"])
    assert s["facets"]["author:Margaret Ellison"] == [4, False]  # documents, quotes included
    assert s["facets"]["author:Daniel Okafor"] == [3, False]
    before = s["facets"]

    click(driver, '.nsw-facet[data-nsw-author="Margaret Ellison"]')
    s = wait_for(driver, lambda s: s["status"] == "1 result", "the author filter")
    assert set(s["authors"]) == {"Margaret Ellison"}
    assert s["facets"]["author:Margaret Ellison"] == [4, True]
    assert s["facets"]["author:Daniel Okafor"] == [3, False]  # multi-select counts
    assert s["facets"]["date:2022"] == [4, False] and before["date:2022"] == [5, False]
    assert "date:2023" not in s["facets"]

    click(driver, '.nsw-facet[data-nsw-author="Daniel Okafor"]')  # a second author: both
    s = wait_for(driver, lambda s: s["status"] == "4 results", "two authors at once")
    assert set(s["authors"]) == {"Margaret Ellison", "Daniel Okafor"}
    assert s["facets"]["date:2022"] == [5, False]

    click(driver, '.nsw-facet[data-nsw-date="2023"]')
    s = wait_for(driver, lambda s: s["status"] == "1 result", "the year filter")
    assert s["facets"]["date:2023"] == [1, True] and s["authors"] == ["Daniel Okafor"]

    from selenium.webdriver.common.keys import Keys

    box = shadow(driver, ".nsw-input")
    click(driver, '.nsw-facet[data-nsw-date="2023"]')
    s = wait_for(driver, lambda s: s["status"] == "4 results", "the year filter removed")
    box.send_keys(Keys.ARROW_DOWN)
    s = wait_for(driver, lambda s: s["activedescendant"] == s["ids"][0], "first option active")
    assert s["selected"][:2] == ["true", "false"]
    box.send_keys(Keys.ARROW_DOWN)
    s = wait_for(driver, lambda s: s["activedescendant"] == s["ids"][1], "second option active")
    assert s["selected"][:2] == ["false", "true"]
    box.send_keys(Keys.ARROW_UP)
    wait_for(driver, lambda s: s["activedescendant"] == s["ids"][0], "back to the first")
    box.send_keys(Keys.ENTER)  # the page's nsw-open listener keeps the browser here
    wait_page(driver, "window.__opened", "Enter to open the active result")
    assert page_value(driver, "window.__opened").startswith("https://demo.example.org/")

    box.send_keys(Keys.ESCAPE)
    s = wait_for(driver, lambda s: not s["titles"], "Escape to clear")
    assert s["value"] == "" and s["expanded"] == "false" and s["activedescendant"] is None
    assert s["facets"] == {} and s["status"] == ""
    assert page_value(driver, "window.__errors") == []


@pytest.mark.browser
def test_data_attributes_configure_it_and_more_results_appends(driver, service, sites):
    embed(driver, service, sites, "/config",
          attrs='data-nsw-per-page="2" data-nsw-kinds="quote" data-nsw-placeholder="Quotes"')
    assert shadow(driver, ".nsw-input").get_attribute("placeholder") == "Quotes"
    type_query(driver, "Helen Marsh")
    s = wait_for(driver, lambda s: s["status"] == "Showing 2 of 6 results", "the first page")
    assert s["badges"] == ["Quote \u00b7 Helen Marsh, Mayor"] * 2
    click(driver, ".nsw-more")
    s = wait_for(driver, lambda s: len(s["titles"]) == 4, "the second page appended")
    assert s["status"] == "Showing 4 of 6 results" and len(set(s["ids"])) == 4
    assert all(b.startswith("Quote \u00b7 ") for b in s["badges"])


@pytest.mark.browser
def test_speaker_facet_filters_quotes_by_speaker(driver, service, sites):
    embed(driver, service, sites, "/speakers")
    type_query(driver, "wind farm")
    s = wait_for(driver, lambda s: "speaker:Helen Marsh" in s["facets"], "the speaker facet")
    marsh, _ = s["facets"]["speaker:Helen Marsh"]
    assert s["facets"]["speaker:Ingrid Solberg"] == [1, False]
    click(driver, '.nsw-facet[data-nsw-speaker="Helen Marsh"]')
    s = wait_for(driver, lambda s: s["facets"].get("speaker:Helen Marsh") == [marsh, True],
                 "the speaker filter")
    assert s["status"] == f"{marsh} result{'s' if marsh > 1 else ''}"
    assert s["badges"] and set(s["badges"]) == {"Quote \u00b7 Helen Marsh, Mayor"}
    assert s["facets"]["speaker:Ingrid Solberg"] == [1, False]  # still offered: multi-select
    assert page_value(driver, "window.__errors") == []


@pytest.mark.browser
def test_no_speaker_facet_when_quotes_are_not_searched(driver, service, sites):
    embed(driver, service, sites, "/articles", attrs='data-nsw-kinds="article"')
    type_query(driver, "wind farm")
    s = wait_for(driver, lambda s: s["titles"], "article results")
    assert s["facets"] and not any(k.startswith("speaker:") for k in s["facets"])


@pytest.mark.browser
def test_hostile_document_renders_as_text(driver, service, sites):
    embed(driver, service, sites, "/hostile")
    # Control: this page does run inline handlers, so the widget's safety is what is tested.
    driver.execute_script("""document.body.insertAdjacentHTML("beforeend",
        '<img src="x" onerror="window.__canary = 1" alt="">');""")
    wait_page(driver, "window.__canary === 1", "the page to run an inline handler")
    type_query(driver, "lighthouse renovation")
    s = wait_for(driver, lambda s: s["titles"], "the hostile document")
    assert s["titles"][0] == HOSTILE_TITLE  # the one document with both words, first
    assert s["marks"][:2] == ["lighthouse", "renovation"]
    found = driver.execute_script("""
        const root = document.querySelector("[data-nsw-search]").shadowRoot;
        const list = root.querySelector(".nsw-list");
        const attrs = [...root.querySelectorAll("*")].flatMap((e) => e.getAttributeNames());
        return {list: list.querySelectorAll("img, script, iframe, object, embed, svg").length,
                all: root.querySelectorAll("img, script, iframe, object, embed, svg").length,
                handlers: attrs.filter((a) => a.startsWith("on")),
                snippet: root.querySelector(".nsw-snippet").textContent};
    """)
    assert found == {"list": 0, "all": 0, "handlers": [], "snippet": found["snippet"]}
    assert "<script>alert(1)</script>" in found["snippet"]
    # Another failing image after the results: once its handler ran, any would have.
    driver.execute_script("""document.body.insertAdjacentHTML("beforeend",
        '<img src="x" onerror="window.__barrier = 1" alt="">');""")
    wait_page(driver, "window.__barrier === 1", "the barrier image")
    assert page_value(driver, "typeof window.__pwned") == "undefined"


@pytest.mark.browser
def test_hostile_page_css_does_not_change_the_layout(driver, service, sites):
    layouts = {}
    for name, head in (("plain", ""), ("hostile", HOSTILE_CSS)):
        embed(driver, service, sites, f"/css-{name}", head=head)
        type_query(driver, "wind farm")
        wait_for(driver, lambda s: s["titles"] and s["status"].endswith("results"),
                 f"results on the {name} page")
        layouts[name] = driver.execute_script(LAYOUT_JS)
        h1 = driver.execute_script(
            "return getComputedStyle(document.querySelector('h1')).color")
        assert (h1 == "rgb(255, 0, 0)") == (name == "hostile")  # control: the CSS applies
    assert layouts["hostile"] == layouts["plain"]
    assert layouts["plain"]["result"][0] > 300  # a real layout, not a collapsed one


@pytest.mark.browser
def test_cross_origin_allowed_and_refused(driver, service, sites):
    allowed, refused = sites
    embed(driver, service, sites, "/cors")
    type_query(driver, "wind farm")
    s = wait_for(driver, lambda s: s["titles"], "results through CORS")
    assert s["error"] is None and s["status"].endswith(" results")

    open_page(driver, refused, host_page(service.origin + "/widget.js"), "/cors")
    type_query(driver, "wind farm")
    s = wait_for(driver, lambda s: s["error"], "the refusal message")
    assert "unavailable" in s["error"] and s["titles"] == [] and s["status"] == ""
    assert page_value(driver, "window.__errors") == []


@pytest.mark.browser
def test_did_you_mean_is_clickable(driver, service, sites):
    embed(driver, service, sites, "/dym")
    type_query(driver, "libary")
    s = wait_for(driver, lambda s: s["suggestion"] and s["titles"] and s["value"] == "libary",
                 "a suggestion with the typo's results")
    assert s["suggestion"] == "Did you mean library?"
    assert s["titles"] and s["marks"] and all(m.lower().startswith("librar") for m in s["marks"])
    click(driver, ".nsw-suggestion")
    s = wait_for(driver, lambda s: s["titles"] and s["suggestion"] is None, "the suggested search")
    assert s["value"] == "library" and s["status"].endswith(" results")


@pytest.mark.browser
def test_a_question_shows_the_words_it_did_without(driver, service, sites):
    embed(driver, service, sites, "/question")
    type_query(driver, "what did the danish prime minister say about iran")
    s = wait_for(driver, lambda s: s["titles"] and s["without"], "results without a word")
    assert s["titles"][0] == "More Sanctions for Iranian Intelligence Service"
    assert s["without"] == "Showing results without: say" and s["suggestion"] is None
    box = shadow(driver, ".nsw-input")
    box.send_keys("\b" * len(" say about iran"))  # still typing: the box keeps answering
    wait_for(driver, lambda s: s["value"].endswith("minister") and s["titles"]
             and s["without"] is None, "results while the words change")


@pytest.mark.browser
def test_axe_finds_no_serious_or_critical_violation(driver, service, sites):
    """axe-core (the npm package, installed by make test) on the widget with results,
    facets, an active option, a did-you-mean and the words it did without."""
    embed(driver, service, sites, "/axe")
    type_query(driver, "what did the danish prime minister say about iranain")
    wait_for(driver, lambda s: s["titles"] and s["facets"] and s["suggestion"], "a full page")
    shadow(driver, ".nsw-input").send_keys("\ue015")  # ArrowDown: an active option
    wait_for(driver, lambda s: s["activedescendant"], "an active option")
    assert serious_violations(driver) == []


@pytest.mark.browser
def test_service_down_or_failing_shows_a_message(driver, service, sites):
    down = f'data-nsw-endpoint="http://127.0.0.1:{closed_port()}/"'
    embed(driver, service, sites, "/down", attrs=down)
    type_query(driver, "wind farm")
    s = wait_for(driver, lambda s: s["error"], "the service-down message")
    assert s["error"] == "Search is unavailable right now. Please try again later."
    assert s["titles"] == [] and page_value(driver, "window.__errors") == []

    wrong = f'data-nsw-endpoint="{service.origin}/no-such-api/"'  # a JSON 404 from the service
    embed(driver, service, sites, "/failing", attrs=wrong)
    type_query(driver, "wind farm")
    s = wait_for(driver, lambda s: s["error"], "the error message")
    assert s["error"].startswith("Search failed: ") and s["titles"] == []
    assert page_value(driver, "window.__errors") == []


@pytest.mark.browser
def test_late_reply_to_an_older_query_is_dropped(driver, service, sites):
    from selenium.webdriver.common.keys import Keys

    embed(driver, service, sites, "/late", head=HOLD_FIRST_REPLY)
    box = type_query(driver, "library")
    wait_page(driver, "window.__sent.includes('library')", "the first request")
    box.send_keys(Keys.BACKSPACE * len("library") + "wind farm")
    wait_for(driver, lambda s: s["value"] == "wind farm" and s["titles"]
             and "Wind Farm" in s["titles"][0], "the second query's results")
    wait_page(driver, "window.__staleRead === true", "the late reply to be read")
    s = state(driver)
    assert all("library" not in t.lower() for t in s["titles"])
    assert page_value(driver, "window.__sent").pop() == "wind farm"


@pytest.mark.browser
def test_demo_page_with_results_screenshot(driver, service):
    from selenium.webdriver.common.by import By

    driver.get(service.origin + "/demo")
    shown = driver.find_element(By.CSS_SELECTOR, "pre").text
    assert shown == (f'<script src="{service.origin}/widget.js" defer></script>\n'
                     '<div data-nsw-search data-nsw-per-page="5"></div>')
    wait_for(driver, lambda s: True, "the widget to start")
    type_query(driver, "council")
    wait_for(driver, lambda s: s["status"] == "Showing 5 of 8 results", "results on the demo page")
    loaded = driver.execute_script(
        "return performance.getEntriesByType('resource').map((e) => e.name)")
    assert {u.split("?")[0] for u in loaded} == {f"{service.origin}/widget.js",
                                                 f"{service.origin}/search",
                                                 f"{service.origin}/popular"}  # on focus
    ARTIFACTS.mkdir(exist_ok=True)
    driver.set_window_size(1280, 1500)
    try:
        assert driver.save_screenshot(str(ARTIFACTS / "widget-demo.png"))
    finally:
        driver.set_window_size(1280, 1000)


@pytest.mark.browser
def test_folded_copies_are_counted_on_their_result(driver, sites, tmp_path):
    """Wire copies of one story fold under one result, which says how many it stands for."""
    import json

    import index

    body = ("The harbour board approved the new ferry timetable on Tuesday after a long "
            "debate about winter crossings, fares for students and the night service.")
    docs = [{"id": f"copy{i}", "title": f"Ferry timetable approved ({site})", "body": body,
             "lang": "en", "url": f"https://{site}.example.org/ferry"}
            for i, site in enumerate(("gazette", "herald", "courier"))]
    docs.append({"id": "other", "title": "Ferry museum opens", "lang": "en",
                 "body": "A small museum about the old ferries opened by the quay."})
    corpus = tmp_path / "copies.jsonl"
    corpus.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    index.rebuild(str(tmp_path / "index"), [str(corpus)])
    with serve_app({"INDEX_DIR": str(tmp_path / "index"),
                    "CORS_ORIGINS": sites[0].origin}) as (_, server):
        open_page(driver, sites[0], host_page(server.origin + "/widget.js"), "/copies")
        type_query(driver, "ferry")
        s = wait_for(driver, lambda s: len(s["titles"]) == 2, "one result per story")
        assert s["status"] == "2 results"
        rows = driver.execute_script("""
            return [...document.querySelector("[data-nsw-search]").shadowRoot
                    .querySelectorAll(".nsw-list > li")].map((li) => li.classList[0] + ":" +
                    (li.className === "nsw-versions" ? li.textContent : ""));""")
        assert sorted(rows) == ["nsw-result:", "nsw-result:", "nsw-versions:2 more versions"]
        click(driver, ".nsw-versions")  # opens the folded copies (group=)
        s = wait_for(driver, lambda s: s["status"] == "3 versions of this story",
                     "every version listed")
        assert sorted(s["titles"]) == sorted(d["title"] for d in docs[:3])
        assert "nsw-group=" in driver.current_url
        click(driver, ".nsw-back")
        s = wait_for(driver, lambda s: s["status"] == "2 results", "back to the results")
