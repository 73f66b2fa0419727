"""Plain server-rendered pages: login, inbox, task form, public list. zh-CN by default, ?lang=en switches."""
from __future__ import annotations

import swagger_ui_bundle
from flask import Blueprint

web_blp = Blueprint("web", __name__, template_folder="../templates")
#: Swagger UI's JS/CSS from the pip package swagger-ui-bundle, for /api/docs without a CDN
docs_assets_blp = Blueprint("docs_assets", __name__, static_folder=swagger_ui_bundle.swagger_ui_path,
                            static_url_path="/api/docs/assets")

from . import views  # noqa: E402,F401
