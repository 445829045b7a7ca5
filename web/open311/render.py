"""Open311 bodies in the format the path names: JSON (a list or an object) or XML (the standard's
element names: ``<services><service>``, ``<service_requests><request>``, ``<errors><error>``)."""
from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from xml.etree import ElementTree

from flask import Response

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# The element of each item in a list, by the list's element (the standard's names).
ITEMS = {"services": "service", "service_requests": "request", "errors": "error", "attributes": "attribute",
         "values": "value", "endpoints": "endpoint", "formats": "format"}


# What XML 1.0 cannot hold (control characters but tab and line breaks, lone surrogates, U+FFFE/FFFF): a
# report may carry them (JSON has escapes for them, XML has none), so they are left out of XML answers.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return w3c(value)
    return NOT_XML.sub("", str(value))


def w3c(moment: datetime) -> str:
    """ISO 8601 with the zone, as the standard asks (``2026-12-01T09:30:00+07:00``)."""
    return moment.isoformat(timespec="seconds")


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return w3c(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def _element(parent: ElementTree.Element, name: str, value: Any) -> None:
    node = ElementTree.SubElement(parent, name)
    _fill(node, name, value)


def _fill(node: ElementTree.Element, name: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _element(node, key, inner)
    elif isinstance(value, list):
        item = ITEMS.get(name, "item")
        for inner in value:
            _element(node, item, inner)
    else:
        node.text = text(value)


def body(fmt: str, root: str, value: Any) -> str:
    """``root`` names the XML document's element (``services``, ``service_definition`` ...); JSON has
    no root: the list or object itself."""
    if fmt == "json":
        return json.dumps(value, ensure_ascii=False, default=_json_default)
    node = ElementTree.Element(root)
    _fill(node, root, value)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(node, encoding="unicode")


def respond(fmt: str, root: str, value: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(body(fmt, root, value), status=status, content_type=FORMATS[fmt], headers=headers or {})


def errors(fmt: str, status: int, descriptions: list[str], headers: dict[str, str] | None = None) -> Response:
    """The standard's error list: every problem as ``{code, description}`` with the HTTP status as code."""
    return respond(fmt, "errors", [{"code": status, "description": d} for d in descriptions], status, headers)
