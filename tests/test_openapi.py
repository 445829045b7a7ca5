"""The OpenAPI document (/api/openapi.json) covers the API and tells the truth about it: every route under
/api and /open311 is in it; every /api operation says who may call it (``security``) and declares the
errors it can return (401 when it needs a login, 400/413/422 for a body, 422 for parsed arguments, 404 for
a record id in the path), each with the ``ErrorOut`` schema and an example; the examples are what the API
really answers; the whole document is valid OpenAPI 3. A route added without any of that fails here
(the last tests show the checks catching it)."""
from __future__ import annotations

import copy
import re

import pytest
from openapi_spec_validator import validate
from werkzeug.routing import IntegerConverter

from tests.conftest import PASSWORD
from tests.helpers import Api
from web import create_app
from web.openapi import arguments, view_method
from workflows.processes.registry import NATIONAL_SOP

DOC_ENDPOINTS = {"api-docs.openapi_json", "pages_apidocs.page"}  # the document and its page
PUBLIC = {  # no login: a citizen reports, tracks and replies; pickers' reference data; logging in and out
    ("POST", "/api/auth/login"), ("POST", "/api/auth/logout"), ("POST", "/api/complaints"),
    ("GET", "/api/complaints/{tracking_id}"), ("POST", "/api/complaints/{tracking_id}/reply"),
    ("POST", "/api/complaints/{tracking_id}/code"), ("GET", "/api/regions"), ("GET", "/api/instansi"),
    ("GET", "/api/instansi/{instansi_id}/units")}
ERROR_OUT = {"$ref": "#/components/schemas/ErrorOut"}


# -- the checks (functions, so that the last tests can show them failing) -------------------------------
def doc_path(rule) -> str:
    """Flask's ``/api/tasks/<int:task_id>`` as the document writes it: ``/api/tasks/{task_id}``."""
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule.rule)


def routes(app):
    """(method, document path, rule) of every route other programs call: under /api and /open311."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint in DOC_ENDPOINTS or not rule.rule.startswith(("/api/", "/open311/")):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, doc_path(rule), rule


def missing_from(app, spec: dict) -> list[str]:
    return [f"{method} {path}" for method, path, _rule in routes(app)
            if method.lower() not in spec["paths"].get(path, {})]


def _error_response_problems(where: str, status: str, response: dict) -> list[str]:
    content = response.get("content", {}).get("application/json", {})
    problems = []
    if content.get("schema") != ERROR_OUT:
        problems.append(f"{where}: {status} is not ErrorOut")
    examples = [e.get("value") for e in content.get("examples", {}).values()]
    if "example" in content:
        examples.append(content["example"])
    if not examples:
        problems.append(f"{where}: {status} has no example")
    for body in examples:
        if not (isinstance(body, dict) and isinstance(body.get("error"), str) and isinstance(body.get("message"), str)):
            problems.append(f"{where}: {status} example {body!r} is not an ErrorOut body")
    if status == "429" and "Retry-After" not in response.get("headers", {}):
        problems.append(f"{where}: 429 without its Retry-After header")
    return problems


def undeclared(app, spec: dict) -> list[str]:
    """What each /api operation fails to declare; Open311's errors are its standard's list, so there only
    that each error has a schema and an example."""
    schemes = spec.get("components", {}).get("securitySchemes", {})
    problems: list[str] = []
    for method, path, rule in routes(app):
        op = spec["paths"].get(path, {}).get(method.lower())
        if op is None:
            continue  # missing_from says so
        where, responses = f"{method} {path}", op.get("responses", {})
        used = {name for requirement in op.get("security", []) for name in requirement}
        if used - set(schemes):
            problems.append(f"{where}: security names undeclared schemes {sorted(used - set(schemes))}")
        if path.startswith("/open311/"):
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400:
                    content = response.get("content", {})
                    if not any("schema" in c and ("example" in c or "examples" in c) for c in content.values()):
                        problems.append(f"{where}: {status} without a schema and an example")
            if used and not {"401", "403"} & set(responses):
                problems.append(f"{where}: needs a key but declares neither 401 nor 403")
            continue
        public = (method, path) in PUBLIC
        need = set()
        if public and used:
            problems.append(f"{where}: public, yet declares security")
        if not public:
            if "bearerAuth" not in used:
                problems.append(f"{where}: needs a login, yet its security does not name bearerAuth")
            need |= {"401"} | ({"400"} if method != "GET" else set())  # (a cookie change without its CSRF header)
        args = arguments(view_method(app, rule.endpoint, method.lower()))
        if args:
            need.add("422")
        if any(a["in"] == "json" for a in args):
            need |= {"400", "413"}
        if "requestBody" in op:
            need.add("413")
        if any(isinstance(rule._converters[name], IntegerConverter) for name in rule.arguments):
            need.add("404")
        problems += [f"{where}: does not declare {status}" for status in sorted(need - set(responses))]
        for status, response in responses.items():
            if status == "default" or int(status) >= 400:
                problems += _error_response_problems(where, status, response)
    return problems


# -- the document as it is ------------------------------------------------------------------------------
@pytest.fixture
def spec(client):
    return client.get("/api/openapi.json").json


def test_every_route_is_in_the_document(app, spec):
    assert len(list(routes(app))) > 60
    assert missing_from(app, spec) == []


def test_every_operation_declares_who_may_call_it_and_its_errors(app, spec):
    assert undeclared(app, spec) == []


def test_the_security_schemes(spec):
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["type"] == "http" and schemes["bearerAuth"]["scheme"] == "bearer"
    assert "/api/auth/login" in schemes["bearerAuth"]["description"]
    assert schemes["sessionCookie"] == {**schemes["sessionCookie"], "type": "apiKey", "in": "cookie", "name": "session"}
    assert schemes["open311ApiKey"]["in"] == "query" and schemes["open311ApiKey"]["name"] == "api_key"
    assert "security" not in spec  # no default: each operation says it, the public ones nothing
    assert spec["paths"]["/open311/v2/requests.{fmt}"]["post"]["security"] == [{"open311ApiKey": []}]


def test_the_document_is_valid_openapi(spec):
    validate(spec)


def test_errors_that_only_some_operations_can_return_are_declared_only_there(spec):
    def declared(status):
        return {(m.upper(), p) for p, ops in spec["paths"].items() if p.startswith("/api/")
                for m, op in ops.items() if m != "parameters" and status in op["responses"]}

    # If-Match guards the designer's drafts, nothing else
    assert declared("412") == {("PUT", "/api/processes/drafts/{draft_id}"),
                               ("DELETE", "/api/processes/drafts/{draft_id}"),
                               ("POST", "/api/processes/drafts/{draft_id}/deploy")}
    # throttled: logging in, and the reporter's code (tracking with it, replying, asking for a new one)
    assert declared("429") == {("POST", "/api/auth/login"), ("GET", "/api/complaints/{tracking_id}"),
                               ("POST", "/api/complaints/{tracking_id}/reply"),
                               ("POST", "/api/complaints/{tracking_id}/code")}
    assert ("GET", "/api/regions") not in declared("401") | declared("404") | declared("422")
    assert ("GET", "/api/auth/me") not in declared("403")


# -- what the API really does --------------------------------------------------------------------------
def _fill(path: str) -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: "x" if m.group(1) in ("key", "code", "tracking_id") else "1", path)


def test_operations_that_declare_a_login_refuse_a_caller_without_one_and_public_ones_do_not(app, spec, client):
    """Without credentials, every operation whose input is not parsed before the view runs answers 401
    exactly when the document says it needs a login."""
    wrong = []
    for method, path, rule in routes(app):
        if path.startswith("/open311/") or arguments(view_method(app, rule.endpoint, method.lower())):
            continue
        op = spec["paths"][path][method.lower()]
        required = any(p.get("required") and p["in"] == "query" for p in op.get("parameters", []))
        answer = client.open(_fill(path), method=method)
        if (method, path) in PUBLIC:
            if answer.status_code == 401:
                wrong.append(f"{method} {path}: public, answered 401")
        elif answer.status_code != 401 and not (required and answer.status_code == 422):
            wrong.append(f"{method} {path}: needs a login, answered {answer.status_code}")
    assert wrong == []


def _answered_as_documented(spec: dict, method: str, path: str, response) -> None:
    """The answer is one of the operation's examples for its status (a 422's fields: some of them)."""
    assert response.status_code >= 400, response.status_code
    declared = spec["paths"][path][method.lower()]["responses"][str(response.status_code)]
    examples = [e["value"] for e in declared["content"]["application/json"]["examples"].values()]
    body = response.json
    assert any(e["error"] == body["error"] and e["message"] == body["message"]
               and all(body.get("fields", {}).get(k) == v for k, v in e.get("fields", {}).items())
               for e in examples), (body, examples)


def test_the_examples_are_what_the_api_answers(spec, client, world):
    api = Api(client, world)
    submitted = api.submit()
    tid = submitted["tracking_id"]
    verify = api.task_for("admin_a", tid)
    anonymous = app_client(client)  # (client holds the session cookie of Api's logins)

    _answered_as_documented(spec, "GET", "/api/tasks", anonymous.get("/api/tasks"))
    _answered_as_documented(spec, "GET", "/api/tasks/{task_id}",
                            client.get("/api/tasks/2147483647", headers=api.auth("admin_a")))
    _answered_as_documented(spec, "GET", "/api/tasks/{task_id}", client.get(f"/api/tasks/{verify['id']}",
                                                                            headers=api.auth("pp_b1")))
    _answered_as_documented(spec, "POST", "/api/complaints", anonymous.post("/api/complaints", json={}))
    _answered_as_documented(spec, "POST", "/api/complaints",
                            anonymous.post("/api/complaints", data="{", content_type="application/json"))
    _answered_as_documented(spec, "POST", "/api/complaints", anonymous.post(
        "/api/complaints", data=b"x" * (client.application.config["MAX_CONTENT_LENGTH"] + 1),
        content_type="application/json"))
    _answered_as_documented(spec, "GET", "/api/complaints/{tracking_id}", anonymous.get("/api/complaints/LAP-NOPE"))
    _answered_as_documented(spec, "GET", "/api/complaints/{tracking_id}",
                            anonymous.get(f"/api/complaints/{tid}?token=WRONG-CODE"))

    assert api.claim("admin_a", verify["id"]).status_code == 200
    _answered_as_documented(spec, "POST", "/api/tasks/{task_id}/claim", api.claim("admin_a2", verify["id"]))

    # the session cookie without the CSRF header
    cookie = app_client(client)
    assert cookie.post("/api/auth/login", json={"username": "admin_a", "password": PASSWORD}).status_code == 200
    _answered_as_documented(spec, "POST", "/api/tasks/{task_id}/unclaim",
                            cookie.post(f"/api/tasks/{verify['id']}/unclaim"))

    ids = {u["username"]: u["id"] for u in client.get("/api/users", headers=api.auth("nasional")).json}
    assert client.put(f"/api/users/{ids['nasional']}/designer", json={"designer": "national"},
                      headers=api.auth("nasional")).status_code == 200
    draft = client.post(f"/api/processes/{NATIONAL_SOP}/drafts", headers=api.auth("nasional")).json
    _answered_as_documented(spec, "PUT", "/api/processes/drafts/{draft_id}",
                            client.put(f"/api/processes/drafts/{draft['id']}", data=draft["bpmn_xml"],
                                       content_type="application/xml", headers=api.auth("nasional")))

    for _attempt in range(20):
        answer = anonymous.post("/api/auth/login", json={"username": "koord", "password": "wrong-password"})
        if answer.status_code == 429:
            break
        _answered_as_documented(spec, "POST", "/api/auth/login", answer)
    assert answer.status_code == 429 and int(answer.headers["Retry-After"]) == answer.json["retry_after"]
    _answered_as_documented(spec, "POST", "/api/auth/login", answer)


def app_client(client):
    """A second client of the same app: its own cookies."""
    return client.application.test_client()


# -- the checks catch a route added without docs --------------------------------------------------------
def test_a_route_added_without_documentation_fails_the_checks(services, world):
    app = create_app({"TESTING": True, "SECRET_KEY": "test"}, services=services)
    app.add_url_rule("/api/undocumented/<int:thing_id>", "undocumented", lambda thing_id: "", methods=["POST"])
    spec = app.test_client().get("/api/openapi.json").json
    assert missing_from(app, spec) == ["POST /api/undocumented/{thing_id}"]


def test_an_operation_without_its_errors_fails_the_checks(app, spec):
    broken = copy.deepcopy(spec)
    claim = broken["paths"]["/api/tasks/{task_id}/claim"]["post"]
    del claim["responses"]["401"], claim["responses"]["404"]
    del claim["security"]
    complaint = broken["paths"]["/api/complaints"]["post"]
    complaint["responses"]["422"]["content"]["application/json"].pop("examples")
    complaint["responses"]["400"]["content"]["application/json"]["schema"] = {"type": "object"}
    broken["paths"]["/api/regions"]["get"]["security"] = [{"bearerAuth": []}]
    assert sorted(undeclared(app, broken)) == [
        "GET /api/regions: public, yet declares security",
        "POST /api/complaints: 400 is not ErrorOut",
        "POST /api/complaints: 422 has no example",
        "POST /api/tasks/{task_id}/claim: does not declare 401",
        "POST /api/tasks/{task_id}/claim: does not declare 404",
        "POST /api/tasks/{task_id}/claim: needs a login, yet its security does not name bearerAuth",
    ]
