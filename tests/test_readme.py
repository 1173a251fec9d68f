"""The README's examples are what the service answers on the demo corpus.

Each ``$ curl -s 'http://127.0.0.1:8000/…'`` example in the README's console blocks is sent
to the app (built on the demo index, as ``make run`` serves it), and every ``"key":value``
the README shows with a plain value (a number, a string, null, or a list of strings) must be
in the answer: the top-level keys at the top, the others in the first result, the first
facet values or the error. Values elided with "…", timings and scores (which change
whenever ranking is tuned, and say nothing a reader relies on) are not compared.
"""
from __future__ import annotations

import json
import re

import pytest

from tests.conftest import DEMO, ROOT

EXAMPLE = re.compile(r"^\$ curl -s '(http://127\.0\.0\.1:8000)?(/[^']*)'\n(.*?)(?=^\$ |^```)",
                     re.S | re.M)
PAIR = re.compile(r'"(\w+)":(null|true|false|-?\d+(?:\.\d+)?|"(?:[^"\\]|\\.)*"|\[(?:"[^"]*",?)*\])')
SKIPPED = {"took_ms", "score"}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """The app over an index of the demo corpus alone, as ``make run`` serves it."""
    import index
    from service import create_app

    index_dir = str(tmp_path_factory.mktemp("readme-demo"))
    index.rebuild(index_dir, [str(DEMO)])
    app = create_app({"INDEX_DIR": index_dir, "CORPUS_PATHS": str(DEMO)})
    yield app.test_client()
    app.extensions["search_index"].close()


def _examples() -> list[tuple[str, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = []
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        found += [(m.group(2), m.group(3)) for m in EXAMPLE.finditer(block + "```")]
    return found


def _places(answer: dict) -> list[dict]:
    """Return the objects a README pair may come from: the answer, its first result, the
    first value of each facet, the typos and the error."""
    places = [answer, *(answer.get("results") or [])[:1]]
    places += [values[0] for values in (answer.get("facets") or {}).values() if values]
    places += [answer[key] for key in ("error", "typos") if isinstance(answer.get(key), dict)]
    return places


def test_the_readme_has_examples():
    assert len(_examples()) >= 5


@pytest.mark.parametrize("path, shown", _examples(),
                         ids=lambda v: v[:60] if v.startswith("/") else "")
def test_a_readme_example_is_what_the_service_answers(client, path, shown):
    answer = client.get(path).get_json()
    places = _places(answer)
    checked = 0
    for key, raw in PAIR.findall(shown):
        if key in SKIPPED or "…" in raw:
            continue
        value = json.loads(raw)
        assert any(key in place and place[key] == value for place in places), \
            f"{path}: the README shows \"{key}\":{raw}, the service answers " \
            f"{[place.get(key) for place in places if key in place]}"
        checked += 1
    assert checked >= 2, path
