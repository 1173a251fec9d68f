"""The editors' rules page in real headless Chromium: an editor adds a rule with the form (an
article URL to pin), sees it listed and in force, deletes it; the page passes axe-core."""
from __future__ import annotations

import pytest
from browser import WAIT, ServerThread, chrome, missing_browser
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import ADMIN_TOKEN, ROOT
from tests.test_analytics_browser import AXE, _axe, set_auth

pytestmark = pytest.mark.browser
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def setup(demo_index, tmp_path_factory):
    reason = missing_browser()
    if reason:
        pytest.skip(reason)
    from service import create_app

    app = create_app({"INDEX_DIR": demo_index, "CACHE_SIZE": 0, "ADMIN_TOKEN": ADMIN_TOKEN,
                      "RULES_FILE": str(tmp_path_factory.mktemp("ed") / "editor.json")})
    service = ServerThread(app)
    driver = chrome(tmp_path_factory.mktemp("chromium-profile-rules"))
    try:
        yield driver, app, service
    finally:
        driver.quit()
        service.close()
        app.extensions["search_index"].close()


def status(driver, starts: str) -> str:
    """Wait for the page the form posted to (its status starts with ``starts``); return the
    status."""
    def found(d):
        texts = [e.text for e in d.find_elements(By.CSS_SELECTOR, "[role=status]")]
        return next((t for t in texts if t.startswith(starts)), False)
    from selenium.common.exceptions import StaleElementReferenceException

    return WebDriverWait(driver, WAIT, ignored_exceptions=(StaleElementReferenceException,)
                         ).until(found)


def test_an_editor_pins_an_article_with_the_form_and_deletes_the_rule(setup):
    driver, app, service = setup
    client = app.test_client()
    library = client.get("/search?q=library").json["results"][0]
    assert library["id"] not in [r["id"] for r in client.get("/search?q=tram").json["results"]]
    set_auth(driver, f"Bearer {ADMIN_TOKEN}")
    driver.get(service.origin + "/admin/rules.html")
    assert driver.title == "Pinned and hidden results"
    assert "No rules yet." in driver.find_element(By.TAG_NAME, "main").text
    driver.find_element(By.ID, "query").send_keys("Tram")
    driver.find_element(By.CSS_SELECTOR, "input[name=match][value=word]").click()
    driver.find_element(By.ID, "pin").send_keys(library["url"] + "\nno-such-document")
    driver.find_element(By.ID, "note").send_keys("the library story, for a week")
    driver.find_element(By.CSS_SELECTOR, "form.add button[type=submit]").click()
    said = status(driver, "Rule for \u201ctram\u201d added.")
    assert "no-such-document" in said
    row = driver.find_element(By.CSS_SELECTOR, "tbody tr").text
    assert library["id"] in row and "not in the index" in row and "active" in row
    top = client.get("/search?q=tram+line").json["results"][0]
    assert top["id"] == library["id"] and top["pinned"] is True
    ARTIFACTS.mkdir(exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / "rules-page.png"))
    found = driver.execute_script("return {scripts: document.scripts.length, "
                                  "resources: performance.getEntriesByType('resource').length}")
    assert found == {"scripts": 0, "resources": 0}
    if AXE.exists():
        violations, passes = _axe(driver)
        assert passes >= 10
        bad = [v for v in violations if v["impact"] in ("serious", "critical")]
        assert not bad, bad
    driver.find_element(By.CSS_SELECTOR, "button.delete").click()
    assert status(driver, "Rule deleted") == "Rule deleted."
    assert "No rules yet." in driver.find_element(By.TAG_NAME, "main").text
    assert "pinned" not in client.get("/search?q=tram+line").json["results"][0]
    if not AXE.exists():
        pytest.skip(f"needs {AXE} (`make axe` installs axe-core from npm)")


def test_the_page_asks_for_the_token(setup):
    driver, _, service = setup
    set_auth(driver, "Bearer wrong-token-0123456789")
    driver.get(service.origin + "/admin/rules.html")
    assert "wrong admin token" in driver.find_element(By.TAG_NAME, "body").text
    assert not driver.find_elements(By.CSS_SELECTOR, "form")
