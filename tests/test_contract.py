"""The OpenAPI document and the parameter parser agree: every documented value is accepted,
every value just outside a documented bound is refused with a JSON 400."""
from __future__ import annotations

import re

import pytest

from index import FACETS, KINDS, SORTS


@pytest.fixture(scope="module")
def search_params(app) -> dict[str, dict]:
    spec = app.test_client().get("/openapi.json").get_json()
    params = spec["paths"]["/search"]["get"]["parameters"]
    return {p["name"]: p["schema"].get("items", p["schema"]) for p in params}


def _status(client, query: str) -> int:
    return client.get(f"/search?{query}").status_code


def test_enums_are_accepted_and_nothing_else(client, search_params):
    enums = {name: schema["enum"] for name, schema in search_params.items() if "enum" in schema}
    assert set(enums) == {"kind", "sort", "date_facet", "op", "typos", "collapse", "via"}
    assert enums["kind"] == list(KINDS) and enums["sort"] == list(SORTS)
    for name, values in enums.items():
        for value in values:
            assert _status(client, f"q=wind&{name}={value}") == 200, (name, value)
        assert _status(client, f"q=wind&{name}=nonsense") == 400, name


def test_recency_bounds_are_the_parser_bounds(client, search_params):
    high = search_params["recency"]["maximum"]
    assert _status(client, f"q=wind&recency={high}") == 200
    assert _status(client, f"q=wind&recency={high + 1}") == 400
    assert _status(client, "q=wind&recency=-1") == 400
    assert _status(client, "q=wind&recency=nan") == 400


def test_integer_bounds_are_the_parser_bounds(client, search_params):
    for name in ("page", "per_page"):
        schema = search_params[name]
        per_page = "per_page=1&" if name == "page" else ""
        assert _status(client, f"{per_page}{name}={schema['maximum']}") == 200, name
        assert _status(client, f"{per_page}{name}={schema['maximum'] + 1}") == 400, name
        assert _status(client, f"{per_page}{name}={schema['minimum'] - 1}") == 400, name


@pytest.mark.parametrize("name, value, ok", [
    ("lang", "en", True), ("lang", "pt-br", True), ("lang", "zh-hant", True),
    ("lang", "e", False), ("lang", "english", False), ("lang", "en_GB", False),
    ("from", "2023", True), ("from", "2023-05", True), ("from", "2023-05-31", True),
    ("from", "23", False), ("from", "2023/05", False), ("from", "2023-5", False)])
def test_patterns_are_the_parser_patterns(client, search_params, name, value, ok):
    documented = re.fullmatch(search_params[name]["pattern"].strip("^$"), value) is not None
    assert documented == ok
    assert (_status(client, f"{name}={value}") == 200) == ok


def test_response_facets_are_the_documented_facets(client):
    spec = client.get("/openapi.json").get_json()
    documented = spec["paths"]["/search"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]["properties"]["facets"]["required"]
    assert documented == list(FACETS)
    assert sorted(client.get("/search?q=wind").get_json()["facets"]) == sorted(FACETS)


def _schema(spec: dict, path: str, status: str = "200") -> dict:
    schema = spec["paths"][path]["get"]["responses"][status]["content"]["application/json"][
        "schema"]
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _undocumented(value, schema: dict, spec: dict, where: str) -> list[str]:
    """Return the keys of ``value`` (at any depth) that ``schema`` does not document."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    missing = []
    if isinstance(value, dict):
        props = schema.get("properties")
        if props is None:  # a map (facets' values, typos): its values follow additionalProperties
            extra = schema.get("additionalProperties")
            for key, item in value.items():
                if isinstance(extra, dict):
                    missing += _undocumented(item, extra, spec, f"{where}.{key}")
            return missing
        for key, item in value.items():
            if key not in props:
                missing.append(f"{where}.{key}")
            else:
                missing += _undocumented(item, props[key], spec, f"{where}.{key}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value[:5]:
            missing += _undocumented(item, schema["items"], spec, f"{where}[]")
    return missing


@pytest.mark.parametrize("query", ["q=wind+farm", "q=libary", "q=Helen+Marsh&kind=quote",
                                   "q=Hosseini&kind=bio", "q=what+did+the+mayor+say%3F"])
def test_every_key_the_presenter_emits_is_documented(client, query):
    spec = client.get("/openapi.json").get_json()
    answer = client.get(f"/search?{query}").get_json()
    assert answer["results"], query
    assert _undocumented(answer, _schema(spec, "/search"), spec, "search") == []


def test_every_key_of_a_document_is_documented(client):
    spec = client.get("/openapi.json").get_json()
    for hit in client.get("/search?q=said&per_page=30").get_json()["results"]:
        doc = client.get(f"/documents/{hit['id']}").get_json()
        assert _undocumented(doc, _schema(spec, "/documents/{id}"), spec, "document") == []


def test_widget_options_are_the_servers(client):
    """The kinds, sorts and page sizes the widget offers are written into it from the one
    place they are defined, and every one of them is accepted by /search."""
    import json

    from index import KINDS, MAX_PER_PAGE, PER_PAGE, SORTS

    script = client.get("/widget.js").get_data(as_text=True)
    found = re.search(r"const CONFIG = (\{.*?\}) \|\|", script)
    assert found, "the served widget carries its configuration"
    config = json.loads(found.group(1))
    assert config["kinds"] == list(KINDS) and config["sorts"] == list(SORTS)
    assert (config["per_page"], config["max_per_page"]) == (PER_PAGE, MAX_PER_PAGE)
    assert set(config["dates"]) == {"week", "month", "year"}
    assert {"en", "de"} <= set(config["langs"])  # the demo corpus holds both
    for kind in config["kinds"]:
        assert _status(client, f"q=wind&kind={kind}&via=widget") == 200
    for sort in config["sorts"]:
        assert _status(client, f"q=wind&sort={sort}&via=widget") == 200
    assert _status(client, f"per_page={config['max_per_page']}") == 200
    assert _status(client, f"per_page={config['max_per_page'] + 1}") == 400
    # the names the widget shows cover every kind and sort it is given
    for value in (*config["kinds"], *config["sorts"]):
        assert re.search(rf'["{{ ]{re.escape(value)}"?: "', script), value
