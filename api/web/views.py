"""Login, logout, the start page, the shared page context and the built assets; the areas are in pages/."""
from __future__ import annotations

import re

from flask import has_request_context, redirect, render_template, request, send_from_directory, url_for

from engine.clock import BEIJING
from engine.roles import ROLES

from ..errors import TooManyRequests, Unauthorized
from ..extensions import db
from ..security import authenticate, client_addr, current_user, end_web_session, start_web_session
from ..services.deadlines import calendar_warning_of, warning_for
from . import nav, web_blp
from .assets import DIST, asset_tags
from .i18n import lang, t


@web_blp.app_context_processor
def _inject():
    return {"t": t, "lang": lang, "roles": ROLES, "warning_for": warning_for, "beijing": BEIJING,
            "calendar_warning": lambda task: calendar_warning_of(task, "state", "ready", lang()),
            "asset_tags": asset_tags, "nav_entries": nav.visible,
            "user": current_user(required=False) if has_request_context() else None}


nav.add("web.inbox", "inbox", None, 10)
nav.add("web.public_list", "public", ("public",), 90)


@web_blp.route("/static/dist/<path:filename>")
def built_asset(filename: str):
    """The built front end (api/web/assets.py DIST); file names carry a content hash, so they are cached long."""
    return send_from_directory(DIST, filename, max_age=31_536_000)


@web_blp.route("/favicon.ico")
def favicon():
    return redirect(url_for("static", filename="favicon.svg"), 301)


_TEMPLATE_KEY = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


@web_blp.app_template_filter("fill")
def _fill(text: str, values: dict) -> str:
    """form-js text components may show case data as {{key}}."""
    return _TEMPLATE_KEY.sub(lambda m: "" if values.get(m.group(1)) is None else str(values[m.group(1)]), text or "")


@web_blp.route("/")
def index():
    return redirect(url_for("web.inbox"))


@web_blp.route("/login", methods=["GET", "POST"])
def login():
    error, status = None, 200
    if request.method == "POST":
        try:
            user = authenticate(request.form.get("username", ""), request.form.get("password", ""), client_addr())
        except Unauthorized:
            error, status = t("bad_login"), 401
        except TooManyRequests:
            error, status = t("login_locked"), 429
        else:
            start_web_session(user)
            db.session.commit()
            return redirect(url_for("web.inbox"))
    return render_template("login.html", error=error), status


@web_blp.route("/logout", methods=["POST"])
def logout():
    """End the session: its token is revoked on the server, so a copy of the cookie no longer logs in."""
    end_web_session()
    db.session.commit()
    return redirect(url_for("web.login"))


@web_blp.route("/public")
def public_list():
    """Published decisions; the template searches through ``public_search`` (api/public/pages.py)."""
    return render_template("public.html")
