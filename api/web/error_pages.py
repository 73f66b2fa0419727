"""Error pages for browser routes: a page in the user's language, not the API's JSON body (which /api/... keeps)."""
from __future__ import annotations

from flask import render_template, request

from .i18n import t


def is_browser_request() -> bool:
    """A browser route: not the JSON API, not a static file."""
    path = request.path
    return not (path.startswith("/api/") or path.startswith("/static/"))


def render_error(code: int, message: str | None = None):
    key = f"error_{code}"
    title = t(key) if t(key) != key else t("error_title")
    return render_template("error.html", status=code, title=title, message=message), code
