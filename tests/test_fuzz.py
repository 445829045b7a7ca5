"""A property-based fuzzer over the OpenAPI document (schemathesis + hypothesis), over real HTTP,
on both backends: every operation gets generated requests -- as the national admin, so the
requests reach past authentication -- and none may answer 5xx or answer anything the document
does not declare (status, content type, body shape). Seeded and bounded (examples per operation),
so a run is reproducible and takes about a minute per backend."""
from __future__ import annotations

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.helpers import Api

EXAMPLES = 40  # per operation and backend
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def openapi(live_server):
    return schemathesis.openapi.from_url(f"{live_server}/api/openapi.json")


@pytest.fixture
def officer(client, world, live_server):
    """A bearer token of the national admin (and a complaint with a task, so ids exist)."""
    api = Api(client, world)
    api.submit()
    return {"Authorization": api.auth("nasional")["Authorization"]}


def test_no_request_gets_a_500_or_an_undocumented_answer(openapi, officer, live_server):
    failures: list[str] = []
    operations = [result.ok() for result in openapi.get_all_operations()]
    assert len(operations) >= 20  # every route of the API is in the document

    for operation in operations:
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            with requests.Session() as http:
                response = case.call(base_url=live_server, session=http, headers=officer, timeout=30)
            case.validate_response(response, checks=CHECKS)

        try:
            check()
        except Exception as exc:  # one operation's failure must not hide another's
            failures.append(f"{operation.label}: {exc}")
    assert failures == [], "\n\n".join(failures)
