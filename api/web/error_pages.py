"""Error pages for browser routes: a page in the user's language, not the API's JSON body (which /api/... keeps).

A rule refusal is told by the rule table (api/web/strings/rules.py: what the rule is and what to do); any other
message by the message catalogue (api/web/messages.py). On a Chinese page an English message the catalogue does
not know is left out: the page then says what the status means."""
from __future__ import annotations

import sys

from flask import render_template, request

from engine.errors import RuleViolation

from ..errors import unechoed
from .i18n import lang, t
from .messages import known, translate
from .strings.rules import refusal


def is_browser_request() -> bool:
    """A browser route: not the JSON API, not a static file."""
    path = request.path
    return not (path.startswith("/api/") or path.startswith("/static/"))


def _handled() -> BaseException | None:
    """The exception being handled (error handlers and ``except`` blocks run while it is set), if any."""
    return sys.exc_info()[1]


def page_message(message: str | None, exc: BaseException | None = None) -> str | None:
    """What the error page says below its title, in the page's language (None: nothing more than the title)."""
    page_lang = lang()
    if isinstance(exc, RuleViolation):
        said = refusal(exc.rule, page_lang)
        return f"{said['text']} {said['advice']}"
    if not message:
        return None
    if page_lang == "zh" and not known(message):
        return None
    return translate(message, page_lang)


def render_error(code: int, message: str | None = None, exc: BaseException | None = None):
    key = f"error_{code}"
    title = t(key) if t(key) != key else t("error_title")
    if exc is None:
        handled = _handled()
        exc = handled if isinstance(handled, RuleViolation) else None
    shown = page_message(message, exc)  # an ID number typed into the address is never shown whole
    return render_template("error.html", status=code, title=title,
                           message=unechoed(shown) if shown else shown), code
