"""gunicorn's settings for production: ``gunicorn -c python:api.gunicorn_conf 'api:create_app()'``
(``make serve-production``). Every value can be set from the environment:

* ``SANXIANG_BIND`` (default ``127.0.0.1:8000``: behind the HTTPS reverse proxy),
* ``SANXIANG_WEB_WORKERS`` (default: 2 × CPUs + 1 processes; each has its own database pool and sandbox pool),
* ``SANXIANG_WEB_THREADS`` (default 1: sync workers; more makes them gthread workers),
* ``SANXIANG_WEB_TIMEOUT`` (default 120 s: a large evidence upload must fit).

No access log: the app writes one JSON line per request itself (api/request_log.py) to stderr, gunicorn's error log.
The app is created in each worker after the fork (no ``preload_app``): no database connection crosses a fork.
"""
from __future__ import annotations

import multiprocessing
import os

bind = os.environ.get("SANXIANG_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("SANXIANG_WEB_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("SANXIANG_WEB_THREADS", "1"))
timeout = int(os.environ.get("SANXIANG_WEB_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
preload_app = False
accesslog = None
errorlog = "-"
loglevel = os.environ.get("SANXIANG_LOG_LEVEL", "info")
# the reverse proxy on this host sets X-Forwarded-*; make request.remote_addr the client's with werkzeug's ProxyFix
forwarded_allow_ips = os.environ.get("SANXIANG_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "sanxiang-web"
# no control socket (one fixed path per user: two servers on a host would share it)
control_socket_disable = True


def post_worker_init(worker) -> None:  # noqa: ANN001 - gunicorn's hook
    """A worker serves only a database at this release's schema revision (else it does not boot, and gunicorn
    exits with the message: run ``flask --app api db upgrade`` first)."""
    from api.schema import check_revision

    with worker.wsgi.app_context():
        check_revision()
