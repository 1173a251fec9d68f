"""The analytics routes against their OpenAPI description (schemathesis): generated click
reports and report ranges never cause a 5xx, and every answer matches the schema."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from service import create_app
from tests.conftest import ADMIN_TOKEN

OPERATIONS = [("/events", "POST"), ("/admin/analytics", "GET"), ("/admin/analytics.html", "GET")]


@pytest.fixture(scope="module")
def api_schema(demo_index, tmp_path_factory):
    app = create_app({"INDEX_DIR": demo_index, "CACHE_SIZE": 0, "ADMIN_TOKEN": ADMIN_TOKEN,
                      "ANALYTICS_DB": str(tmp_path_factory.mktemp("an") / "a.db"),
                      "ANALYTICS_EVENTS_RATE": 100000, "ANALYTICS_CLIENT_RATE": 100000})
    yield schemathesis.openapi.from_wsgi("/openapi.json", app)
    app.extensions["analytics"].close()
    app.extensions["search_index"].close()


@pytest.mark.parametrize("path, method", OPERATIONS)
def test_operation_conforms(api_schema, path, method):
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=30, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"} if path.startswith("/admin") else None
        # positive_data_acceptance is left out: a schema-valid range can still be refused
        # (from after to, more than ten years), which JSON Schema cannot express.
        case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

    check()
