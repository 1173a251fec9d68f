"""Hostile requests to the service (issue 15): metric labels from fixed sets, errors that
show no paths, exception text or secrets, strict admin bodies, and nothing built from the
request's Host header."""
from __future__ import annotations

import json
import logging

import pytest

from service import SettingsError, admin, create_app
from tests.conftest import ADMIN_TOKEN

AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def metric_lines(client, name: str) -> list[str]:
    text = client.get("/metrics").get_data(as_text=True)
    return [line for line in text.splitlines() if line.startswith(name)]


def test_made_up_methods_and_paths_add_no_metric_series(client):
    for method in ("XAAA", "XBBB", "PROPFIND"):
        assert client.open("/search?q=wind", method=method).status_code == 405
    for path in ("/nope-1", "/nope-2/x", "/wp-login.php"):
        assert client.get(path).status_code == 404
    lines = metric_lines(client, "search_http_requests_total{")
    assert not any(bad in line for line in lines for bad in ("XAAA", "XBBB", "PROPFIND", "nope", "wp-login"))
    assert any('endpoint="other",method="other",status="405"' in line for line in lines)
    assert any('endpoint="other",method="GET",status="404"' in line for line in lines)


def test_unavailable_index_shows_no_path_or_exception_text(tmp_path, caplog):
    missing = tmp_path / "secret-place" / "index"
    app = create_app({"INDEX_DIR": str(missing)})
    client = app.test_client()
    with caplog.at_level(logging.ERROR):
        for path in ("/health", "/search?q=wind", "/documents/x", "/suggest?q=wi"):
            res = client.get(path)
            assert res.status_code == 503
            body = res.get_json()
            assert body["error"]["code"] == "index_unavailable"
            assert "secret-place" not in res.get_data(as_text=True)
            assert "/" not in body["error"]["message"]
    assert "secret-place" in caplog.text  # the operator still gets the reason
    app.extensions["search_index"].close()


def test_a_rejected_admin_token_is_not_echoed():
    with pytest.raises(SettingsError) as err:
        create_app({"ADMIN_TOKEN": "hunter2-short"})
    assert "SEARCH_ADMIN_TOKEN" in str(err.value) and "hunter2" not in str(err.value)
    with pytest.raises(SettingsError) as err:  # other settings still show the bad value
        create_app({"BM25_B": "7"})
    assert "'7'" in str(err.value)


@pytest.fixture
def no_spawn(monkeypatch):
    started = []
    monkeypatch.setattr(admin, "_spawn", lambda *a: started.append(a))
    return started


DEEP = "[" * 5000 + "]" * 5000


@pytest.mark.parametrize("body, content_type", [
    ("{not json", "application/json"),
    ("{not json", "text/plain"),
    ('{"mode": "full"', "application/json"),
    ("\xff\xfe", "application/json"),
    ('["full"]', "application/json"),
    ('"full"', "application/json"),
    ('{"mode": "full", "paths": ["/etc"]}', "application/json"),
    ('{"mdoe": "incremental"}', "application/json"),
    ('{"mode": ' + DEEP + "}", "application/json"),
    (DEEP, "application/json"),
])
def test_malformed_admin_bodies_are_refused_and_start_nothing(client, no_spawn, body, content_type):
    res = client.post("/admin/reindex", data=body.encode("latin-1"), headers=AUTH,
                      content_type=content_type)
    assert res.status_code == 400, res.get_data(as_text=True)
    assert res.get_json()["error"]["code"] == "bad_parameter"
    assert no_spawn == []


def test_well_formed_admin_bodies_still_start_a_reindex(client, no_spawn, monkeypatch):
    monkeypatch.setattr(admin, "reindex_running", lambda _dir: False)

    class Done:
        pid = 1

        def poll(self):
            return 0

    monkeypatch.setattr(admin, "_spawn", lambda *a: no_spawn.append(a) or Done())
    assert client.post("/admin/reindex", headers=AUTH).status_code == 202
    assert client.post("/admin/reindex", json={"mode": "incremental"}, headers=AUTH).status_code == 202
    assert [call[1] for call in no_spawn] == ["full", "incremental"]


def test_nothing_is_built_from_the_host_header(client):
    evil = {"Host": "evil.example"}
    res = client.get("/documents//etc/passwd", headers=evil)
    assert res.status_code == 404 and "Location" not in res.headers
    assert res.get_json()["error"]["code"] == "not_found"
    page = client.get("/demo", headers=evil).get_data(as_text=True)
    assert "evil.example" not in page and 'src="/widget.js"' in page
    page = client.get("/demo", headers={"Host": "127.0.0.1:8000"}).get_data(as_text=True)
    assert 'src="http://127.0.0.1/widget.js"' in page  # an allowed host; its port is not ours
    page = client.get("/demo", headers={"Host": "localhost:31337"}).get_data(as_text=True)
    assert "31337" not in page and 'src="http://localhost/widget.js"' in page
    assert 'src="/widget.js"' in client.get("/demo", headers={"Host": "a:b:c"}).get_data(as_text=True)
    for path in ("/search?q=wind", "/health", "/openapi.json", "/nope"):
        res = client.get(path, headers=evil)
        assert "evil.example" not in res.get_data(as_text=True) + json.dumps(dict(res.headers))


def test_the_bearer_scheme_is_case_insensitive(client):
    from tests.conftest import ADMIN_TOKEN

    for scheme in ("Bearer", "bearer", "BEARER"):
        res = client.get("/admin/status", headers={"Authorization": f"{scheme} {ADMIN_TOKEN}"})
        assert res.status_code == 200, scheme
    assert client.get("/admin/status", headers={"Authorization": "bearer wrong-token-000000"}).status_code == 403
