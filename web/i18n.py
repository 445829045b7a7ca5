"""Language: Bahasa Indonesia by default, English on request (?lang=en, the session, or Accept-Language).

Catalogs are gettext .po files under web/translations; they are compiled to .mo on start when the
.mo is missing or older, so there is no separate build step.
"""
from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, request, session
from flask_babel import Babel

LANGUAGES = ("id", "en")
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def compile_catalogs() -> None:
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as src:
                catalog = read_po(src)
            tmp = mo.with_suffix(".mo.tmp")
            with tmp.open("wb") as dst:
                write_mo(dst, catalog)
            tmp.replace(mo)


def select_locale() -> str:
    wanted = request.args.get("lang")
    if wanted in LANGUAGES:
        session["lang"] = wanted
        return wanted
    if session.get("lang") in LANGUAGES:
        return session["lang"]
    return request.accept_languages.best_match(LANGUAGES, default="id") or "id"


def init_app(app: Flask) -> None:
    compile_catalogs()
    Babel(app, locale_selector=select_locale, default_translation_directories=str(TRANSLATIONS))
