"""Reading an import file into rows: each a dict of the row's fields and the line it starts on.

Two formats (docs/import.md): CSV with a header line, one complaint per line (the steps in fixed
columns), or a JSON list of objects (the same fields, or a ``steps`` list). Nothing is checked here
but the file's shape; :mod:`workflows.history.importer` checks the values.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any

# The CSV columns (docs/import.md); the JSON objects take the same names.
COMPLAINT_COLUMNS = ("external_id", "received_at", "region", "instansi", "category", "type", "title", "description",
                     "location", "reporter_name", "tier", "unit", "channel")
STEP_COLUMNS = ("verify_started", "verify_done", "verify_action", "verify_note", "follow_up_started",
                "follow_up_done", "follow_up_text", "reporter_response_done", "satisfied", "rating", "comment",
                "closed_at")
COLUMNS = COMPLAINT_COLUMNS + STEP_COLUMNS


class FileInvalid(ValueError):
    """The file cannot be read as rows at all (not CSV/JSON, an unknown column): nothing is loaded."""

    def __init__(self, line: int, reason: str):
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class RawRow:
    line: int
    fields: dict[str, Any]


def guess_format(name: str) -> str:
    return "json" if name.lower().endswith(".json") else "csv"


def read(text: str, fmt: str) -> list[RawRow]:
    if fmt == "json":
        return read_json(text)
    if fmt == "csv":
        return read_csv(text)
    raise FileInvalid(1, f"unknown format {fmt!r} (csv or json)")


def _unknown_column(name: str) -> str:
    for suffix in ("_started", "_done"):
        if name.endswith(suffix):
            return f"unknown step {name[:-len(suffix)]!r} (column {name!r})"
    return f"unknown column {name!r}"


def read_csv(text: str) -> list[RawRow]:
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return []
    except csv.Error as exc:
        raise FileInvalid(1, f"not a CSV file: {exc}") from exc
    for name in header:
        if name not in COLUMNS:
            raise FileInvalid(1, _unknown_column(name))
    if len(set(header)) != len(header):
        raise FileInvalid(1, "a column is named twice")
    rows = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                rows.append(RawRow(line, {"_error": f"{len(values)} values for {len(header)} columns"}))
                continue
            rows.append(RawRow(line, {k: v.strip() for k, v in zip(header, values) if v.strip() != ""}))
    except csv.Error as exc:
        raise FileInvalid(reader.line_num, f"not a CSV file: {exc}") from exc
    return rows


def read_json(text: str) -> list[RawRow]:
    """A JSON list of objects; each row's line number is the line its object starts on."""
    text = text.lstrip("\ufeff")
    decoder = json.JSONDecoder()
    pos = _skip(text, 0)
    if pos >= len(text) or text[pos] != "[":
        raise FileInvalid(_line(text, pos), "a JSON import file is a list of objects: [{...}, ...]")
    pos = _skip(text, pos + 1)
    rows: list[RawRow] = []
    if pos < len(text) and text[pos] == "]":
        return rows
    while True:
        line = _line(text, pos)
        try:
            value, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise FileInvalid(exc.lineno, f"not JSON: {exc.msg}") from exc
        rows.append(RawRow(line, value if isinstance(value, dict) else {"_error": "not an object"}))
        pos = _skip(text, pos)
        if pos < len(text) and text[pos] == ",":
            pos = _skip(text, pos + 1)
            continue
        if pos < len(text) and text[pos] == "]":
            return rows
        raise FileInvalid(_line(text, pos), "not JSON: ',' or ']' expected")


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1
