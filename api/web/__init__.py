"""Server-rendered pages with bpmn.io widgets (built from frontend/ by Vite). zh-CN by default, ?lang=en switches.

``views`` holds login, inbox and the task page; every module of ``pages`` adds an area (see its docstring)."""
from __future__ import annotations

import swagger_ui_bundle
from flask import Blueprint

web_blp = Blueprint("web", __name__, template_folder="../templates")
#: Swagger UI's JS/CSS from the pip package swagger-ui-bundle, for /api/docs without a CDN
docs_assets_blp = Blueprint("docs_assets", __name__, static_folder=swagger_ui_bundle.swagger_ui_path,
                            static_url_path="/api/docs/assets")

from . import views  # noqa: E402,F401
from .pages import load as _load_pages  # noqa: E402

_load_pages()
