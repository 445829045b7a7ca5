"""Every message a user can meet is in Indonesian on the Indonesian pages (issue 14): each field message and
each domain message renders differently in id and en; marshmallow's own messages with limits in them are
said again in the page's language; and the report form, sent with every kind of bad input, shows no text of
the English catalogue."""
from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from tests.test_pages import _report_form, csrf_of
from web import messages
from web.catalogs import TRANSLATIONS

PARAMS = {"max": 5, "min": 1, "choices": ["a", "b"], "field": "x", "value": "y", "file": "f.jpg", "allowed": "JPEG",
          "max_mb": 2, "element": "e", "roles": ["r"], "status": "s", "statuses": ["s"], "step": "s", "steps": ["s"],
          "python": "p", "reason": "r", "ref": "r", "type": "t", "other": "o", "values": ["v"], "names": ["n"],
          "was": "w", "above": "3WD", "source": "national", "years": 5, "order": ["a"], "level": 1, "days": 3,
          "today": "2026-12-01", "instansi_id": 1, "count": 2}


def _english_texts() -> set[str]:
    with (TRANSLATIONS / "id" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return {m.id for m in read_po(f) if m.id and isinstance(m.id, str) and len(m.id) > 12}


def _in(app, language: str, render):
    with app.test_request_context(headers={"Accept-Language": language}):
        from flask_babel import refresh
        refresh()
        return render()


@pytest.mark.parametrize("code", sorted(messages.FIELD_MESSAGES))
def test_every_field_message_is_translated(app, code):
    render = messages.FIELD_MESSAGES[code]
    assert _in(app, "id", lambda: str(render(dict(PARAMS)))) != _in(app, "en", lambda: str(render(dict(PARAMS))))


@pytest.mark.parametrize("text", sorted(messages.MESSAGES))
def test_every_domain_message_is_translated(app, text):
    assert _in(app, "id", lambda: messages.message(text)) != text


@pytest.mark.parametrize("text", ["Length must be between 10 and 10000.", "Shorter than minimum length 3.",
                                  "Longer than maximum length 200.", "Must be greater than or equal to 1 and less "
                                  "than or equal to 100.", "Must be one of: id, en."])
def test_marshmallows_messages_with_limits_are_said_again(app, text):
    said = _in(app, "id", lambda: messages.message(text))
    assert said != text and re.search(r"\d|id, en", said)


@pytest.mark.parametrize("bad", [
    {"description": "pendek"}, {"description": "x" * 10_001}, {"title": "ab"}, {"title": ""},
    {"reporter_email": "bukan-email"}, {"latitude": "utara"}, {"latitude": "-6.9"}, {"longitude": "500", "latitude": "1"},
    {"region_id": ""}, {"category": ""}, {"reporter_name": ""}, {"type": "surat"},
])
def test_the_report_form_shows_no_english_on_the_indonesian_page(app, world, bad):
    client = app.test_client()
    data = _report_form(world, csrf_token=csrf_of(client, "/report"), **bad)
    r = client.post("/report", data=data, headers={"Accept-Language": "id"})
    assert r.status_code == 422
    errors = re.findall(r'data-error-for="[^"]+"[^>]*>([^<]+)<', r.get_data(as_text=True))
    assert errors, "no field message shown"
    english = _english_texts()
    for text in errors:
        assert text.strip() not in english, f"English on the Indonesian page: {text!r}"
        assert not re.search(r"\b(Length|Must be|Not a valid|Missing data|Shorter|Longer)\b", text), text


def test_working_time_reads_in_days_and_hours(app):
    from web.pages.common import working_time
    assert _in(app, "id", lambda: working_time(86400)) == "3 hari kerja"
    assert _in(app, "id", lambda: working_time(28800 + 4 * 3600)) == "1 hari kerja 4 jam kerja"
    assert _in(app, "en", lambda: working_time(3600)) == "1 working hour"
