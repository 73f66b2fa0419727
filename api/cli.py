"""Flask CLI: ``flask --app api init-db | deploy-dir | seed-demo | setup-demo``."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from .extensions import db
from .models import Certificate, User
from .security import hash_password
from .services import definitions as definition_service

DEMO_USERS: list[dict] = [
    {"username": "officer1", "display_name": "执法人员一", "roles": ["officer"], "cert": "HB-NJ-2024-0001"},
    {"username": "officer2", "display_name": "执法人员二", "roles": ["officer"], "cert": "HB-NJ-2024-0002"},
    {"username": "officer3", "display_name": "执法人员三", "roles": ["officer"], "cert": "HB-NJ-2024-0003"},
    {"username": "reviewer1", "display_name": "法制审核员一", "roles": ["legal_reviewer"], "legal": True},
    {"username": "head1", "display_name": "局长", "roles": ["head", "chief"]},
    {"username": "head2", "display_name": "副局长", "roles": ["head"]},
    {"username": "counsel1", "display_name": "公职律师", "roles": ["legal_counsel"]},
    {"username": "publicity1", "display_name": "公示管理员", "roles": ["publicity_officer"]},
    {"username": "owner1", "display_name": "流程管理员", "roles": ["process_owner"]},
    {"username": "auditor1", "display_name": "监督审计员", "roles": ["auditor"]},
    {"username": "admin", "display_name": "系统管理员", "roles": ["admin"]},
]


def init_db() -> None:
    db.create_all()


def project_files(*dirs: str) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for folder in dirs:
        for path in sorted(Path(folder).iterdir()):
            if path.suffix in (".bpmn", ".dmn", ".form"):
                files[path.name] = path.read_bytes()
    return files


def deploy_dirs(actor: str = "system") -> list[dict]:
    cfg = current_app.config
    created = definition_service.deploy(project_files(cfg["PROCESSES_DIR"], cfg["FORMS_DIR"]), actor)
    db.session.commit()
    return created


def seed_demo(password: str = "demo") -> int:
    """Create the demo users and the bureau's lists (powers, inspection items and targets; idempotent);
    returns how many users were added."""
    from .registry.seed import seed_powers

    seed_powers()
    added = 0
    for spec in DEMO_USERS:
        if db.session.scalar(select(User).where(User.username == spec["username"])) is not None:
            continue
        user = User(username=spec["username"], display_name=spec["display_name"], roles=spec["roles"],
                    password_hash=hash_password(password), legal_qualified=spec.get("legal", False))
        db.session.add(user)
        db.session.flush()
        if spec.get("cert"):
            db.session.add(Certificate(user_id=user.id, number=spec["cert"], category="宗教事务行政执法",
                                       area="宁晋县", valid_from=date(2024, 1, 1), valid_to=date(2029, 12, 31)))
        added += 1
    db.session.commit()
    return added


audit_cli = AppGroup("audit", help="Verify histories and record checkpoints.")


@audit_cli.command("verify")
@click.argument("instance_id", required=False, type=int)
@click.option("--all", "all_", is_flag=True, help="verify every instance")
def audit_verify(instance_id: int | None, all_: bool) -> None:
    """Verify one instance (or --all): chain, checkpoints, files, snapshots, evidence, replay."""
    from .models import Instance
    from .services.audit import verify_checkpoints, verify_instance

    if not all_ and instance_id is None:
        raise click.UsageError("give an INSTANCE_ID or --all")
    ids = list(db.session.scalars(select(Instance.id).order_by(Instance.id))) if all_ else [instance_id]
    failed = 0
    checkpoint_problems = verify_checkpoints()
    for iid in ids:
        result = verify_instance(iid, checkpoint_problems)
        status = "OK" if result["ok"] else "FAILED"
        click.echo(f"instance {iid}: {status} (events {result['events']}, replayed {result['replayed']}, "
                   f"chain {'ok' if result['chain_ok'] else 'BROKEN'}, replay {'ok' if result['replay_ok'] else 'DIVERGED'})")
        for problem in result["problems"]:
            click.echo(f"  - {problem}")
        failed += not result["ok"]
    raise SystemExit(1 if failed else 0)


@audit_cli.command("checkpoint")
def audit_checkpoint() -> None:
    """Record the head of every history stream (chained checkpoint)."""
    from .services.audit import create_checkpoint

    cp = create_checkpoint()
    db.session.commit()
    click.echo(f"checkpoint {cp.id}: {len(cp.heads)} stream(s), hash {cp.hash}")


def register_cli(app: Flask) -> None:
    app.cli.add_command(audit_cli)

    @app.cli.command("worker")
    def worker_command() -> None:
        """Run the background worker (checkpoints) until interrupted."""
        from .worker import run_forever

        run_forever(current_app._get_current_object())

    @app.cli.command("serve")
    @click.option("--host", default="127.0.0.1")
    @click.option("--port", default=5000, type=int)
    def serve_command(host: str, port: int) -> None:
        """Serve the app with the worker in-process (the embedded demo default)."""
        from werkzeug.serving import run_simple

        from .worker import start_in_process

        real = current_app._get_current_object()
        start_in_process(real)
        click.echo(f"serving on http://{host}:{port} (worker in-process)")
        run_simple(host, port, real, use_reloader=False, threaded=True)

    @app.cli.command("init-db")
    def init_db_command() -> None:
        """Create the tables."""
        init_db()
        click.echo("database ready")

    @app.cli.command("deploy-dir")
    def deploy_command() -> None:
        """Deploy everything in processes/ and forms/ (unchanged files make no new version)."""
        created = deploy_dirs()
        click.echo(f"deployed {len(created)} new version(s)")

    @app.cli.command("seed-demo")
    def seed_command() -> None:
        """Create the demo users (password 'demo', demo only)."""
        click.echo(f"added {seed_demo()} demo user(s)")

    @app.cli.command("setup-demo")
    def setup_demo_command() -> None:
        """init-db + deploy-dir + seed-demo; safe to run twice."""
        from .registry.seed import seed_powers

        init_db()
        created = deploy_dirs()
        powers = seed_powers()
        added = seed_demo()
        click.echo(f"database ready; deployed {len(created)} new version(s); added {added} demo user(s), "
                   f"{powers} power item(s)")
