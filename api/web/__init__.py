"""Plain server-rendered pages: login, inbox, task form, public list. zh-CN by default, ?lang=en switches."""
from __future__ import annotations

from flask import Blueprint

web_blp = Blueprint("web", __name__, template_folder="../templates")

from . import views  # noqa: E402,F401
