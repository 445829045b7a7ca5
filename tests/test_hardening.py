"""Answers to malformed or hostile requests: always a 4xx that says what is wrong, never a 500."""
from __future__ import annotations


def test_trace_and_other_unknown_methods_answer_405_with_allow(client, world):
    for path in ("/api/tasks", "/api/complaints", "/track", "/"):
        r = client.open(path, method="TRACE")
        assert r.status_code == 405, path
        allowed = {m.strip() for m in r.headers["Allow"].split(",")}
        assert "GET" in allowed or "POST" in allowed, path
        assert "TRACE" not in allowed


def test_every_response_carries_a_content_security_policy(client, world):
    for path in ("/", "/report", "/login", "/api/regions", "/api/openapi.json"):
        csp = client.get(path).headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
