"""Keeping the translation catalogs complete: ``python -m web.catalogs`` adds every new text to both.

Two kinds of text reach the pages:
* texts of the code and templates, written in English (msgids) and translated to Indonesian in
  ``id/LC_MESSAGES/messages.po``;
* texts of the diagrams (task names, form labels, options), written in Indonesian by the process
  designers; they are translated to English in ``en/LC_MESSAGES/messages.po`` (marked ``#. bpmn``).

The command only adds entries (with an empty translation to fill in); it never drops one. A test
checks that nothing is missing or untranslated.
"""
from __future__ import annotations

import sys
from pathlib import Path
from xml.etree import ElementTree

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "web" / "translations"
KEYWORDS = {"_": None, "gettext": None, "_l": None, "lazy_gettext": None, "ngettext": (1, 2)}
METHODS = [("web/**.py", "python"), ("web/templates/**.html", "jinja2")]
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "camunda": "http://camunda.org/schema/1.0/bpmn"}


def code_messages() -> set[str]:
    """English texts of the code and templates, including those registered in loops in web.messages."""
    found: set[str] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=METHODS, keywords=KEYWORDS, options_map={"web/templates/**.html": {}}):
        found.add(message if isinstance(message, str) else message[0])
    from web import messages
    found.update(messages.MESSAGES)
    return {m for m in found if m}


def diagram_messages(bpmn_dir: Path = ROOT / "bpmn") -> set[str]:
    """Indonesian texts of the bundled diagrams that pages show: task titles, form labels, options."""
    found: set[str] = set()
    for path in sorted(bpmn_dir.glob("*.bpmn")):
        tree = ElementTree.parse(path)
        for tag in ("userTask", "task", "scriptTask", "businessRuleTask", "endEvent", "boundaryEvent", "startEvent"):
            for element in tree.iter(f"{{{NS['bpmn']}}}{tag}"):
                if element.get("name"):
                    found.add(element.get("name").strip())
        for field in tree.iter(f"{{{NS['camunda']}}}formField"):
            if field.get("label"):
                found.add(field.get("label").strip())
            for value in field.iter(f"{{{NS['camunda']}}}value"):
                if value.get("name"):
                    found.add(value.get("name").strip())
    found.update({"Pelapor", "Sistem", "Petugas"})  # actor names of the public timeline
    from workflows.sla.escalations import ESCALATION_FORM
    found.update(f["label"] for f in ESCALATION_FORM["fields"])  # the escalation form lives in code
    return found


def load(lang: str) -> Catalog:
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=lang)


def save(catalog: Catalog, lang: str) -> None:
    with (TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po").open("wb") as f:
        write_po(f, catalog, width=0, omit_header=False, sort_output=False)


def sync() -> dict[str, int]:
    added = {}
    code, diagram = code_messages(), diagram_messages() - code_messages()
    for lang in ("id", "en"):
        catalog = load(lang)
        count = 0
        for text in sorted(code):
            if text not in catalog:
                catalog.add(text, "")
                count += 1
        for text in sorted(diagram):
            if text not in catalog:
                catalog.add(text, "", auto_comments=["bpmn"])
                count += 1
        save(catalog, lang)
        added[lang] = count
    return added


def missing() -> dict[str, list[str]]:
    """What a complete catalog still lacks: absent entries, and translations left empty."""
    code, diagram = code_messages(), diagram_messages() - code_messages()
    problems: dict[str, list[str]] = {}
    id_catalog, en_catalog = load("id"), load("en")
    problems["id"] = sorted(t for t in code if t not in id_catalog or not id_catalog[t].string)
    problems["id"] += sorted(t for t in diagram if t not in id_catalog)
    problems["en"] = sorted(t for t in diagram if t not in en_catalog or not en_catalog[t].string)
    problems["en"] += sorted(t for t in code if t not in en_catalog)
    return problems


if __name__ == "__main__":
    print(sync())
    gaps = missing()
    for lang, texts in gaps.items():
        for text in texts:
            print(f"{lang}: untranslated: {text!r}")
    sys.exit(1 if any(gaps.values()) else 0)
