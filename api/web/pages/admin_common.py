"""Shared helpers of the admin pages (users, devices, settings, dashboard): login redirect, Beijing times, and a
form post that runs one service call, commits, and reports success or the refusal in the page's language."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from flask import flash, redirect, url_for
from marshmallow import Schema, ValidationError
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from engine.clock import BEIJING
from engine.errors import FormDataInvalid, NotFound, RuleViolation, SanxiangError, StateConflict

from ...extensions import db
from ...models import User
from ...security import current_user
from ..i18n import lang, t
from ..messages import translate
from ..strings.rules import refusal


def page_user() -> User | None:
    """The logged-in user of a page (None: send them to the login page)."""
    return current_user(required=False)


def to_login():
    return redirect(url_for("web.login"))


def local_time(value: Any) -> str:
    """A stored UTC time (datetime or ISO text) as Beijing local time ``YYYY-MM-DD HH:MM``; '' for none."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _field_problems(errors: Any) -> list[str]:
    """A marshmallow / service ``errors`` mapping as lines ``field label: message`` (both in the page's language)."""
    out: list[str] = []
    if isinstance(errors, dict):
        for field, messages in errors.items():
            label = t(f"admin_field_{field}")
            label = field if label == f"admin_field_{field}" else label
            if isinstance(messages, dict):
                out += [f"{label} — {line}" for line in _field_problems(messages)]
            else:
                listed = messages if isinstance(messages, list) else [messages]
                text = "; ".join(translate(str(m), lang()) for m in listed)
                out.append(f"{label}: {text}")
    elif errors:
        out.append(translate(str(errors), lang()))
    return out


def refusal_text(exc: Exception, conflict_key: str | None = None) -> str:
    """The page-language message for a refused change (the service's detail follows for 422, translated by the
    message catalogue where it knows the message)."""
    if isinstance(exc, ValidationError):
        return f"{t('admin_invalid')} {'; '.join(_field_problems(exc.messages))}"
    if isinstance(exc, FormDataInvalid):
        return f"{t('admin_invalid')} {'; '.join(_field_problems(getattr(exc, 'errors', None) or exc.message))}"
    if isinstance(exc, StateConflict):
        return t(conflict_key) if conflict_key else t("error_409")
    if isinstance(exc, RuleViolation):
        key = f"admin_rule_{exc.rule}"
        return t(key) if t(key) != key else refusal(exc.rule, lang())["text"]
    if isinstance(exc, NotFound):
        return t("error_404")
    return t("error_title")


def load(schema: Schema, form: MultiDict | dict) -> dict[str, Any]:
    """Validate a form with the API's own schema (the same checks as the JSON API)."""
    return schema.load(form)


def run_change(action: Callable[[], Any], done_key: str, back: str, conflict_key: str | None = None, **values: Any):
    """Run ``action`` (one service call), commit and flash ``done_key``; on a refusal roll back and flash why;
    then back to the page ``back`` (post/redirect/get)."""
    try:
        action()
        db.session.commit()
    except (SanxiangError, ValidationError) as exc:
        db.session.rollback()
        flash(refusal_text(exc, conflict_key), "bad")
    except IntegrityError:  # kept local: a web form answers with its page and a flashed message, not the API's 409
        db.session.rollback()
        flash(t(conflict_key or "error_409"), "bad")
    else:
        flash(t(done_key, **values), "ok")
    return redirect(back)
