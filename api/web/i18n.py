"""UI strings: zh-CN by default, English on ?lang=en (kept in the session)."""
from __future__ import annotations

from flask import request, session

from .strings import collect

STRINGS: dict[str, dict[str, str]] = collect()


def lang() -> str:
    wanted = request.args.get("lang")
    if wanted in ("zh", "en"):
        session["lang"] = wanted
    return session.get("lang", "zh")


def t(key: str, **values: object) -> str:
    """The string ``key`` in the page's language (the key itself when missing), ``{name}`` filled from ``values``."""
    text = STRINGS.get(key, {}).get(lang(), key)
    return text.format(**values) if values else text
