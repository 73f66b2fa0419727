"""The Flask app factory: the one wiring place."""
from __future__ import annotations

from typing import Any

from flask import Flask

from .config import Config
from .errors import register_error_handlers
from .extensions import api, db


def _blueprints() -> list:
    from . import auth, definitions, equipment, evidence, history, instances, me, public, tasks

    return [auth.blp, me.blp, definitions.blp, instances.blp, tasks.blp, history.blp, public.blp,
            evidence.blp, equipment.blp]


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; ``config`` overrides :class:`api.config.Config`."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Config)
    if config:
        app.config.update(config)
    app.json.ensure_ascii = False
    db.init_app(app)
    api.init_app(app)
    for blp in _blueprints():
        api.register_blueprint(blp)
    register_error_handlers(app)
    from .web import docs_assets_blp, web_blp

    app.register_blueprint(web_blp)
    app.register_blueprint(docs_assets_blp)
    from .cli import register_cli

    register_cli(app)
    return app
