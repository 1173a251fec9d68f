"""The editors' rules page in real headless Chromium: an editor adds a rule with the form (an
article URL to pin), sees it listed and in force, deletes it; the page passes axe-core."""
from __future__ import annotations

import pytest
from browser import ARTIFACTS, AXE, WAIT, page_axe, served, set_auth
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import ADMIN_TOKEN

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def setup(demo_index, tmp_path_factory):
    with served(tmp_path_factory.mktemp("chromium-profile-rules"), {
            "INDEX_DIR": demo_index, "ADMIN_TOKEN": ADMIN_TOKEN,
            "RULES_FILE": str(tmp_path_factory.mktemp("ed") / "editor.json")}, site=False) as s:
        yield s.driver, s.app, s.service


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
        bad = page_axe(driver)
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
