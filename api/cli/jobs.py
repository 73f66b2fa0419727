"""Running the app and its background jobs: ``serve``, ``worker`` and ``scheduler``."""
from __future__ import annotations

import click
from flask import Flask, current_app


def register_serve_cli(app: Flask) -> None:
    """``serve``: the app with the worker in-process."""

    @app.cli.command("serve")
    @click.option("--host", default="127.0.0.1")
    @click.option("--port", default=5000, type=int)
    def serve_command(host: str, port: int) -> None:
        """Serve the app with the worker in-process (the embedded demo default)."""
        from werkzeug.serving import run_simple

        from ..schema import check_revision
        from ..worker import start_in_process

        real = current_app._get_current_object()
        check_revision()
        if real.config.get("REDIS_URL"):
            click.echo("SANXIANG_REDIS_URL is set: the jobs run on the Celery workers and the scheduler "
                       "(flask --app api worker / scheduler), not in this process")
        else:
            start_in_process(real)
        click.echo(f"serving on http://{host}:{port}" + ("" if real.config.get("REDIS_URL") else " (worker in-process)"))
        run_simple(host, port, real, use_reloader=False, threaded=True)


def register_worker_cli(app: Flask) -> None:
    """``worker`` (Celery on the Redis broker, or ``--embedded``) and ``scheduler``: the background jobs."""

    @app.cli.command("worker")
    @click.option("--embedded", is_flag=True, help="run the jobs in this process without a broker (no Celery)")
    @click.option("--concurrency", "-c", type=int, default=None,
                  help="tasks at once in this worker process (threads; default: CPUs)")
    # no prefork: its pool processes are daemonic and may not start the script sandbox's processes (engine/sandbox.py);
    # for more CPUs, run more worker processes
    @click.option("--pool", default="threads", type=click.Choice(["threads", "solo"]))
    @click.option("--loglevel", default="INFO")
    def worker_command(embedded: bool, concurrency: int | None, pool: str, loglevel: str) -> None:
        """Run the background jobs: a Celery worker on SANXIANG_REDIS_URL (production), or --embedded."""
        real = current_app._get_current_object()
        if embedded:
            from ..worker.embedded import run_forever

            click.echo("worker (embedded: no broker) running")
            run_forever(real)
            return
        if not real.config.get("REDIS_URL"):
            raise click.UsageError("set SANXIANG_REDIS_URL (e.g. redis://127.0.0.1:6379/0) for the Celery worker, "
                                   "or run `flask --app api worker --embedded` (no broker)")
        from ..worker.celery_app import make_celery, worker_argv

        celery = make_celery(real)
        celery.worker_main(worker_argv(concurrency, pool, loglevel, celery.conf.task_default_queue))

    @app.cli.command("scheduler")
    def scheduler_command() -> None:
        """Send the jobs to the Celery workers: timers at the earliest next_due, checkpoints, the annual report."""
        real = current_app._get_current_object()
        if not real.config.get("REDIS_URL"):
            raise click.UsageError("set SANXIANG_REDIS_URL: the scheduler sends the jobs over the Redis broker")
        from ..worker.scheduler import run_scheduler

        click.echo("scheduler running")
        run_scheduler(real)
