"""The Flask app factory: the one wiring place."""
from __future__ import annotations

import gc
from pathlib import Path
from typing import Any

from flask import Flask

from .config import Config, check_numbers, check_secret_key, engine_options, gc_threshold
from .errors import register_error_handlers
from .extensions import api, db, migrate


def _blueprints() -> list:
    from . import auth, definitions, equipment, evidence, history, instances, me, public, settings, tasks
    from .calendar import blp as calendar_blp
    from .exports import blp as exports_blp
    from .health import blp as health_blp
    from .orgs import blp as orgs_blp
    from .registry import blp as registry_blp
    from .stats import blp as stats_blp
    from .training import blp as training_blp
    from .users import blp as users_blp

    return [auth.blp, me.blp, definitions.blp, instances.blp, tasks.blp, history.blp, public.blp,
            registry_blp, stats_blp,
            evidence.blp, evidence.upload_blp, equipment.blp, settings.blp, calendar_blp, users_blp, orgs_blp,
            health_blp, exports_blp, training_blp]


def _install_step_clock(app: Flask) -> None:
    """Each request is one step in time: the engine clock is fixed for its duration (see engine/clock.py)."""
    from flask import g

    from engine.clock import CLOCK

    from .models.types import utcnow

    @app.before_request
    def _fix_clock() -> None:
        g.clock_token = CLOCK.set(utcnow())

    @app.teardown_request
    def _release_clock(exc: BaseException | None) -> None:  # noqa: ARG001
        token = g.pop("clock_token", None)
        if token is not None:
            CLOCK.reset(token)


def _register_service_hooks(app: Flask) -> None:
    """What the service does after every engine step (disclosures, withdrawals: api/services/hooks.py) and before a
    calendar year is loaded (the deadline rechecks), registered here so that neither the step pipeline
    (api/services/steps.py) nor the settings (api/services/settings.py) import what depends on them."""
    from .services import calendar_rechecks, hooks, parties, settings, steps

    steps.register_hooks(app, hooks.apply)
    steps.register_hooks(app, parties.record_links)  # cases linked to their party (审批与监管信息交换共享)
    settings.before_put(app, "calendar_years", calendar_rechecks.record_rechecks)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app; ``config`` overrides :class:`api.config.Config`."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(Config)
    if config:
        app.config.update(config)
    check_secret_key(app.config, Path(app.instance_path))
    check_numbers(app.config)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    threshold = gc_threshold(app.config.get("GC_THRESHOLD"))
    if threshold is not None:
        gc.set_threshold(*threshold)  # process-wide; see Config.GC_THRESHOLD
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = not (app.config.get("TESTING") or app.config.get("DEMO"))
    app.json.ensure_ascii = False
    from .request_log import install as install_request_log

    install_request_log(app)  # first: every request, even one refused by a guard, gets its id and log line
    from .inputs import register as register_input_checks

    register_input_checks(app)  # before the blueprints: their <int:...> routes bind the bounded converter
    db.init_app(app)
    from .services import commits

    commits.install()  # read-only transactions end without dropping psycopg's prepared statements
    from .schema import MIGRATIONS_DIR, forget_revision_on_drop

    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    forget_revision_on_drop(db.metadata)
    if not (app.config.get("TESTING") or app.config.get("DEMO")):
        from .cli import refuse_demo_users

        refuse_demo_users(app)
    api.init_app(app)
    for blp in _blueprints():
        api.register_blueprint(blp)
    register_error_handlers(app)
    _install_step_clock(app)
    _register_service_hooks(app)
    from .security import install_request_guards

    install_request_guards(app)
    from .web import docs_assets_blp, web_blp

    app.register_blueprint(web_blp)
    app.register_blueprint(docs_assets_blp)
    from .cli import register_cli

    register_cli(app)
    from .worker.wakeup import install as install_wakeup

    install_wakeup()  # a commit that sets a sooner next_due wakes the timer scheduler
    return app
