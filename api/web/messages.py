"""The message catalogue: English engine and service messages in the page's language.

The JSON API speaks English by contract (docs/API.md); the pages show the same messages translated. ``translate``
tries an ordered table of patterns (the first full match wins) over the texts the engine and the services really
produce (definition problems of engine/definitions.py, engine/lint.py, engine/scripting.py, engine/xml.py, the
DMN checks; the verify problems of api/services/audit.py and engine/replay.py; the 404/409 messages of
api/services/*; the marshmallow field messages via api/web/forms.py). Named groups fill the template; a group
named ``what``, ``state``, ``kind`` or ``source`` is itself a word of a small vocabulary, ``detail`` is translated
again (messages nest: ``condition: syntax error: ...``), ``at`` is a stored UTC time shown in Beijing time. An
unknown message comes back as it is. English pages keep the English text (the field messages get their friendlier
wording from api/web/forms.py)."""
from __future__ import annotations

import re
from datetime import datetime

from engine.clock import BEIJING

from ..errors import unechoed
from . import forms
from .message_table import ROWS, WORDS

TABLE: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.DOTALL), zh) for p, zh in ROWS)


def _local(value: str) -> str:
    try:
        return datetime.fromisoformat(value).astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return value


def _word(name: str, value: str | None, lang: str) -> str:
    if value is None:
        return ""
    if name in ("detail", "diff"):
        return translate(value, lang)
    if name == "at":
        return _local(value)
    base = name.rstrip("0123456789")
    return WORDS.get(base, {}).get(value, WORDS.get(base, {}).get(value.strip("'"), value))


def match(message: str) -> tuple[re.Pattern[str], str] | None:
    """The table row that translates ``message`` (None: unknown, shown as it is)."""
    text = message.strip()
    for pattern, zh in TABLE:
        if pattern.fullmatch(text):
            return pattern, zh
    return None


def translate(message: str, lang: str) -> str:
    """``message`` (an engine or service message, English) in ``lang``: zh by the table, English as it is (field
    messages in the wording of api/web/forms.py); an unknown message is returned unchanged. An ID number the
    message quotes from the request is masked, as in the API's error bodies (api/errors.py ``unechoed``)."""
    return unechoed(_translate(message, lang))


def _translate(message: str, lang: str) -> str:
    text = str(message).strip()
    field = forms.translate(text, lang)
    if field != text:
        return field
    if lang != "zh":
        return message
    for pattern, zh in TABLE:
        found = pattern.fullmatch(text)
        if found:
            return zh.format(**{k: _word(k, v, lang) for k, v in found.groupdict().items()})
    return message


def known(message: str, lang: str = "zh") -> bool:
    """Whether ``message`` has a translation (a field message or a row of the table)."""
    text = str(message).strip()
    return forms.translate(text, lang) != text or match(text) is not None


def translate_all(messages: list[str], lang: str) -> list[str]:
    return [translate(m, lang) for m in messages]


#: the form-js viewer's own English texts (it has no locale option) → string keys (api/web/strings/messages.py)
WIDGET_TEXTS: dict[str, str] = {
    "Select": "messages_widget_select", "Search": "messages_widget_search", "No results": "messages_widget_no_results",
    "All values selected": "messages_widget_all_selected", "Remove tag": "messages_widget_remove_tag",
}

