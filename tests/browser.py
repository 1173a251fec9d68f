"""Helpers for the widget's real-browser tests: Debian's Chromium, servers in threads, pages.

Chromium and chromedriver come from Debian (``make browser``); Selenium is pointed at them
explicitly so that selenium-manager never downloads anything. Servers are werkzeug's, on free
127.0.0.1 ports, each in a daemon thread: the search service itself, and small "publisher"
sites serving host pages from other origins (one on the CORS allowlist, one not).
``served`` puts together what a module's real-browser tests share (the service, a publisher
site, Chromium); ``open_page``, ``wait_for`` and ``page_axe``/``serious_violations`` are
what their scenarios do with them.
"""
from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROME_ARGS = (
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--window-size=1280,1000",
    "--lang=en-US",
)
WAIT = 10  # seconds for any one condition: generous, the machine may be busy
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"  # screenshots


def need_browser() -> None:
    """Skip the calling test, saying why, when Debian's Chromium or chromedriver is missing."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if missing:
        pytest.skip(f"needs {' and '.join(missing)}: Debian's chromium and chromium-driver "
                    "(`make browser` installs them; CI does)")


def chrome(profile_dir: Path) -> Any:
    """Start headless Debian Chromium with a fresh profile in ``profile_dir``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for arg in (*CHROME_ARGS, f"--user-data-dir={profile_dir}"):
        options.add_argument(arg)
    # An explicit driver path: selenium-manager is skipped, so nothing is downloaded.
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)),
                              options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    return driver


class ServerThread:
    """Serve a WSGI app on a free 127.0.0.1 port from a daemon thread until ``close``."""

    def __init__(self, app: Callable) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stop serving and release the port."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


class Site:
    """A publisher's site: a WSGI app serving the HTML pages put into ``pages`` by path."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        page = self.pages.get(environ.get("PATH_INFO", ""))
        if page is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"no such page"]
        body = page.encode()
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                  ("Content-Length", str(len(body))),
                                  ("Cache-Control", "no-store")])
        return [body]


def closed_port() -> int:
    """Return a 127.0.0.1 port that nothing listens on (for "service down")."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_app(config: dict, wrap: Callable | None = None) -> Iterator[tuple[Any, ServerThread]]:
    """Serve ``create_app`` (result cache off, then ``config``), as ``wrap(app)`` when given,
    from a thread; yield the app and its server; close both, and its analytics, after."""
    from service import create_app

    app = create_app({"CACHE_SIZE": 0, **config})
    server = ServerThread(wrap(app) if wrap else app)
    try:
        yield app, server
    finally:
        server.close()
        if "analytics" in app.extensions:
            app.extensions["analytics"].close()
        app.extensions["search_index"].close()  # its searchers hold index files open


@dataclass
class Served:
    """What a module's real-browser tests share: Chromium, the service, a publisher site."""

    driver: Any
    app: Any
    service: ServerThread
    site: ServerThread | None


@contextmanager
def served(profile_dir: Path, config: dict, site: bool = True,
           front: Callable | None = None) -> Iterator[Served]:
    """Skip when Chromium is missing; else start a publisher site (``site``: the service
    answers it cross-origin), the service (``serve_app``: ``front(app)`` is what it serves)
    and Chromium with a fresh profile in ``profile_dir``; close them all after."""
    need_browser()
    with ExitStack() as stack:
        publisher = ServerThread(Site()) if site else None
        if publisher is not None:
            stack.callback(publisher.close)
            config = {"CORS_ORIGINS": publisher.origin, **config}
        app, server = stack.enter_context(serve_app(config, front))
        driver = chrome(profile_dir)
        stack.callback(driver.quit)
        yield Served(driver, app, server, publisher)


def open_page(driver: Any, site: ServerThread, page: str, path: str, query: str = "") -> dict:
    """Serve ``page`` at ``path`` on ``site``, open it (with ``query``) and wait for the
    widget to start; return its state."""
    site.app.pages[path] = page
    driver.get(site.origin + path + query)
    return wait_for(driver, lambda s: True, "the widget to start")


def set_auth(driver: Any, header: str | None) -> None:
    """Send ``header`` as Authorization with every request from now on (None: none)."""
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setExtraHTTPHeaders",
                           {"headers": {"Authorization": header} if header else {}})


# Records uncaught errors, and takes over result opening so that tests can see it.
PAGE_PROBES = """<script>
window.__errors = [];
addEventListener("error", (e) => __errors.push(String(e.message)));
addEventListener("unhandledrejection", (e) => __errors.push(String(e.reason)));
addEventListener("nsw-open", (e) => { e.preventDefault(); window.__opened = e.detail.url; });
</script>"""


def host_page(script_url: str, attrs: str = "", head: str = "", body: str = "") -> str:
    """Return a publisher's page embedding the widget with the two documented lines."""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A publisher</title>
{PAGE_PROBES}
{head}
</head><body>
<h1>The Averley Gazette</h1>
<p>Some article text above the search box.</p>
<div class="slot">
<script src="{script_url}" defer></script>
<div data-nsw-search {attrs}></div>
</div>
{body}
</body></html>"""


# The widget's state as the page sees it (inside its shadow root), in one round trip.
STATE_JS = """
const host = document.querySelector("[data-nsw-search]");
const root = host && host.shadowRoot;
if (!root) return null;
const all = (s) => [...root.querySelectorAll(s)];
const input = root.querySelector(".nsw-input");
const error = root.querySelector(".nsw-error");
const dym = root.querySelector(".nsw-dym");
const without = root.querySelector(".nsw-without");
return {
  value: input.value,
  expanded: input.getAttribute("aria-expanded"),
  activedescendant: input.getAttribute("aria-activedescendant"),
  titles: all(".nsw-result .nsw-title").map((e) => e.textContent),
  badges: all(".nsw-result .nsw-badge").map((e) => e.textContent),
  authors: all(".nsw-result").map((li) => (li.querySelector(".nsw-author") || {}).textContent),
  ids: all(".nsw-result").map((li) => li.id),
  selected: all(".nsw-result").map((li) => li.getAttribute("aria-selected")),
  marks: all(".nsw-result .nsw-snippet mark").map((m) => m.textContent),
  status: root.querySelector(".nsw-status").textContent,
  error: error.hidden ? null : error.textContent,
  suggestion: dym.hidden ? null : dym.textContent,
  without: without.hidden ? null : without.textContent,
  facets: Object.fromEntries(all(".nsw-facet").map((b) => [
    (b.dataset.nswAuthor !== undefined ? "author:" + b.dataset.nswAuthor
     : b.dataset.nswSpeaker !== undefined ? "speaker:" + b.dataset.nswSpeaker : "date:" + b.dataset.nswDate),
    [Number(b.querySelector(".nsw-count").textContent), b.getAttribute("aria-pressed") === "true"]])),
};
"""


def state(driver: Any) -> dict | None:
    """Return the widget's visible state (None before the widget has started)."""
    return driver.execute_script(STATE_JS)


def wait_for(driver: Any, condition: Callable[[Any], Any], message: str = "",
             read: Callable[[Any], Any] = state) -> Any:
    """Wait until ``condition(read(driver))`` holds (``read``: the widget's state by
    default, never None); return what was read."""
    from selenium.webdriver.support.ui import WebDriverWait

    seen: list[Any] = [None]

    def check(d: Any) -> Any:
        seen[0] = s = read(d)
        return s if s is not None and condition(s) else False

    try:
        return WebDriverWait(driver, WAIT, poll_frequency=0.05).until(check)
    except Exception as exc:
        raise AssertionError(f"{message or 'condition'} not met; widget state: {seen[0]}") from exc


def shadow(driver: Any, selector: str) -> Any:
    """Return the element matching ``selector`` inside the widget's shadow root."""
    from selenium.webdriver.common.by import By

    host = driver.find_element(By.CSS_SELECTOR, "[data-nsw-search]")
    return host.shadow_root.find_element(By.CSS_SELECTOR, selector)


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# axe-core on the element arguments[0] selects (its violations only), else the whole page.
AXE_RUN = """
const done = arguments[arguments.length - 1];
const only = arguments[0];
axe.run(only ? {include: [[only]]} : document, only ? {resultTypes: ["violations"]} : {})
  .then((r) => done({passes: r.passes.length, violations: r.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" "))}))}))
  .catch((e) => done(String(e)));
"""


def axe(driver: Any, only: str | None = None) -> tuple[list[dict], int]:
    """Run axe-core (node_modules, installed by make test) on the element ``only`` selects,
    else on the whole page; return its violations and how many rules passed."""
    if not AXE.exists():
        raise AssertionError(f"{AXE} is missing: make test installs it (npm ci)")
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    driver.set_script_timeout(30)
    found = driver.execute_async_script(AXE_RUN, only)
    assert isinstance(found, dict), found
    return found["violations"], found["passes"]


def _serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def serious_violations(driver: Any) -> list[dict]:
    """Return axe-core's serious and critical violations on the widget as it is now."""
    return _serious(axe(driver, "[data-nsw-search]")[0])


def page_axe(driver: Any) -> list[dict]:
    """Run axe-core on the whole page (skip the test when axe-core is not installed); check
    that it really ran its rules and return its serious and critical violations."""
    if not AXE.exists():
        pytest.skip(f"needs {AXE} (`make axe` installs axe-core from npm)")
    violations, passes = axe(driver)
    assert passes >= 10  # axe really ran its rules on the page
    return _serious(violations)
