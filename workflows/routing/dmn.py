"""The routing rows that apply to a region, written as a DMN decision table.

SpiffWorkflow evaluates it when the SOP's ``route`` business rule task runs (engine/decisions.py). The
rows come in the order :func:`.table.applicable` gives (the region's own, its province's, the
national table; specific rows first); hit policy FIRST: the first matching row wins. Expressions are
Python (SpiffWorkflow's DMN dialect, not FEEL): ``"jalan" in ?`` tests whether the text contains the
word. The document can be downloaded and opened in any DMN editor.

Inputs: ``category``; ``text`` (the report's title and description in lower case, given for the
evaluation only); ``region_id``. Outputs: ``suggested_instansi_id``, ``suggested_unit_id``,
``routing_rule_id``.
"""
from __future__ import annotations

import json
from xml.sax.saxutils import escape

from .models import RoutingRule
from .table import split_keywords

DECISION_ID = "routing"
SOURCE_NAMES = {"here": "wilayah ini", "province": "provinsi", "national": "nasional"}


def _entry(text: str | None) -> str:
    return escape(text) if text else "-"


def _keywords(row: RoutingRule) -> str | None:
    words = split_keywords(row.keywords)
    return " or ".join(f"{json.dumps(w)} in ?" for w in words) if words else None


def document(rows: list[tuple[RoutingRule, str]], title: str) -> str:
    rules = []
    for n, (row, source) in enumerate(rows, 1):
        cells = [_entry(json.dumps(row.category)), _entry(_keywords(row)),
                 _entry(str(row.sub_region_id) if row.sub_region_id else None)]
        outputs = [str(row.instansi_id), str(row.unit_id) if row.unit_id else "None", str(row.id)]
        rules.append(
            f'      <rule id="rule_{row.id}">\n'
            f'        <description>{SOURCE_NAMES.get(source, source)} #{row.id}</description>\n'
            + "".join(f'        <inputEntry id="rule_{row.id}_in{i}"><text>{c}</text></inputEntry>\n'
                      for i, c in enumerate(cells))
            + "".join(f'        <outputEntry id="rule_{row.id}_out{i}"><text>{o}</text></outputEntry>\n'
                      for i, o in enumerate(outputs))
            + "      </rule>\n")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="routing_definitions" '
        f'name="{escape(title, {chr(34): "&quot;"})}" namespace="http://aduan.id/dmn" '
        'expressionLanguage="https://docs.python.org/3/reference/expressions.html">\n'
        f'  <decision id="{DECISION_ID}" name="Tabel rute">\n'
        '    <decisionTable id="routing_table" hitPolicy="FIRST">\n'
        '      <input id="in_category" label="Kategori"><inputExpression id="in_category_expr" typeRef="string">'
        '<text>category</text></inputExpression></input>\n'
        '      <input id="in_text" label="Kata kunci"><inputExpression id="in_text_expr" typeRef="string">'
        '<text>text</text></inputExpression></input>\n'
        '      <input id="in_region" label="Kabupaten/kota"><inputExpression id="in_region_expr" typeRef="integer">'
        '<text>region_id</text></inputExpression></input>\n'
        '      <output id="out_instansi" label="Instansi" name="suggested_instansi_id" typeRef="integer" />\n'
        '      <output id="out_unit" label="Unit" name="suggested_unit_id" typeRef="integer" />\n'
        '      <output id="out_rule" label="Baris" name="routing_rule_id" typeRef="integer" />\n'
        + "".join(rules) +
        '    </decisionTable>\n'
        '  </decision>\n'
        '</definitions>\n')
