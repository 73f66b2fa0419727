"""Flask CLI: ``flask --app api init-db | deploy-dir | seed-demo | setup-demo | definitions export|import``."""
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
    {"username": "officer1", "display_name": "执法人员一", "roles": ["officer"], "cert": "HB-NJ-2024-0001",
     "org": "nj-mzj-1"},
    {"username": "officer2", "display_name": "执法人员二", "roles": ["officer"], "cert": "HB-NJ-2024-0002",
     "org": "nj-mzj-1"},
    {"username": "officer3", "display_name": "执法人员三", "roles": ["officer"], "cert": "HB-NJ-2024-0003",
     "org": "nj-mzj-2"},
    {"username": "reviewer1", "display_name": "法制审核员一", "roles": ["legal_reviewer"], "legal": True, "org": "nj-mzj"},
    {"username": "head1", "display_name": "局长", "roles": ["head", "chief"], "org": "nj-mzj"},
    {"username": "head2", "display_name": "副局长", "roles": ["head"], "org": "nj-mzj"},
    {"username": "counsel1", "display_name": "公职律师", "roles": ["legal_counsel"], "org": "nj-mzj"},
    {"username": "publicity1", "display_name": "公示管理员", "roles": ["publicity_officer"], "org": "nj-mzj"},
    {"username": "owner1", "display_name": "流程管理员", "roles": ["process_owner"], "org": "hebei"},
    {"username": "auditor1", "display_name": "监督审计员", "roles": ["auditor"], "org": "nj-mzj"},
    {"username": "admin", "display_name": "系统管理员", "roles": ["admin"], "org": "nj-mzj"},
    # the other bureau of the demo county, and the county justice bureau that supervises both (行政执法监督)
    {"username": "officer4", "display_name": "市场监管执法人员", "roles": ["officer"], "cert": "HB-NJ-2024-0104",
     "org": "nj-scj"},
    {"username": "head3", "display_name": "市场监管局局长", "roles": ["head", "chief"], "org": "nj-scj"},
    {"username": "supervisor1", "display_name": "司法局执法监督员", "roles": ["supervisor"], "org": "nj-sfj"},
]


def init_db() -> None:
    """Bring the database to the latest revision (``flask db upgrade``: never ``create_all``) and seed the
    organisation tree."""
    from .schema import upgrade
    from .services import orgs

    db.session.remove()  # the revisions run on their own connection: no session transaction holds the database
    upgrade()
    orgs.seed_orgs()  # the organisation tree (the demo county; see api/services/orgs.py)
    db.session.commit()


def _init_db_or_explain() -> None:
    """:func:`init_db` for the CLI: a database it cannot upgrade is a message, not a traceback."""
    from .config import ConfigurationError

    try:
        init_db()
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc


def project_files(*dirs: str) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for folder in dirs:
        for path in sorted(Path(folder).iterdir()):
            if path.suffix in (".bpmn", ".dmn", ".form"):
                files[path.name] = path.read_bytes()
    return files


def deploy_dirs(actor: str = "system") -> list[dict]:
    cfg = current_app.config
    from .services import orgs

    root = orgs.by_code(orgs.PLATFORM_ROOT)
    created = definition_service.deploy(project_files(cfg["PROCESSES_DIR"], cfg["FORMS_DIR"]), actor,
                                        org_id=root.id if root else None)
    db.session.commit()
    return created


def seed_demo(password: str = "demo") -> int:
    """Create the demo users and the bureau's lists (powers, inspection items and targets; idempotent);
    returns how many users were added."""
    from .registry.seed import seed_powers
    from .services import orgs

    orgs.seed_orgs()
    seed_powers()
    added = 0
    for spec in DEMO_USERS:
        if db.session.scalar(select(User).where(User.username == spec["username"])) is not None:
            continue
        user = User(username=spec["username"], display_name=spec["display_name"], roles=spec["roles"],
                    password_hash=hash_password(password), legal_qualified=spec.get("legal", False),
                    org_id=orgs.by_code(spec["org"]).id, demo=True)
        db.session.add(user)
        db.session.flush()
        if spec.get("cert"):
            db.session.add(Certificate(user_id=user.id, number=spec["cert"], category="宗教事务行政执法",
                                       area="宁晋县", valid_from=date(2024, 1, 1), valid_to=date(2029, 12, 31)))
        added += 1
    db.session.commit()
    return added


def refuse_demo_users(app: Flask) -> None:
    """Outside demo mode and tests: refuse to start while an active demo user (password "demo") exists.

    Raises:
        ConfigurationError: naming how many and what to do.
    """
    from sqlalchemy import func, inspect

    from .config import ConfigurationError

    with app.app_context():
        inspector = inspect(db.engine)
        if not inspector.has_table(User.__tablename__):
            return  # a new database: no users at all
        columns = {c["name"] for c in inspector.get_columns(User.__tablename__)}
        marked = User.demo.is_(True) if "demo" in columns else User.username.in_([u["username"] for u in DEMO_USERS])
        count = db.session.scalar(select(func.count(User.id)).where(marked, User.active.is_(True)))
        db.session.remove()
    if count:
        raise ConfigurationError(
            f"{count} demo user(s) with the published password 'demo' are in this database; refusing to start "
            "outside demo mode. Create a real admin and deactivate them (in demo mode: "
            "`SANXIANG_DEMO=1 flask --app api create-user <name> --role admin` then "
            "`SANXIANG_DEMO=1 flask --app api deactivate-demo-users`), or run the demo with SANXIANG_DEMO=1.")


def _demo_only() -> None:
    if not (current_app.config.get("DEMO") or current_app.config.get("TESTING")):
        raise click.UsageError("demo users are for the demo only: run with SANXIANG_DEMO=1 (as `make run` does)")


audit_cli = AppGroup("audit", help="Verify histories and record checkpoints.")


@audit_cli.command("verify")
@click.argument("instance_id", required=False, type=int)
@click.option("--all", "all_", is_flag=True, help="verify every stream and every instance")
@click.option("--streams", is_flag=True, help="verify every stream (definitions, settings, access, …)")
def audit_verify(instance_id: int | None, all_: bool, streams: bool) -> None:
    """Verify the checkpoints (signatures, export file), then one instance, every stream (--streams) or both
    (--all): chain, checkpoints, files, snapshots, evidence, replay, the instance row."""
    from .models import Instance
    from .services.audit import audit_checkpoints, verify_instance, verify_streams

    if not (all_ or streams) and instance_id is None:
        raise click.UsageError("give an INSTANCE_ID, --streams or --all")
    checkpoints = audit_checkpoints()
    anchors = ", ".join(f"{a.source} #{a.id}" for a in checkpoints.anchors) or "none"
    click.echo(f"checkpoints: {'FAILED' if checkpoints.problems else 'OK'} (anchors: {anchors})")
    for problem in checkpoints.problems:
        click.echo(f"  - {problem}")
    failed = bool(checkpoints.problems)
    if all_ or streams:
        for report in verify_streams(checkpoints):
            click.echo(f"stream {report['stream']}: {'OK' if report['ok'] else 'FAILED'} (events {report['events']})")
            for problem in report["problems"]:
                click.echo(f"  - {problem}")
            failed |= not report["ok"]
    ids = list(db.session.scalars(select(Instance.id).order_by(Instance.id))) if all_ else \
        [instance_id] if instance_id is not None else []
    for iid in ids:
        result = verify_instance(iid, checkpoints)
        status = "OK" if result["ok"] else "FAILED"
        click.echo(f"instance {iid}: {status} (events {result['events']}, replayed {result['replayed']}, "
                   f"chain {'ok' if result['chain_ok'] else 'BROKEN'}, replay {'ok' if result['replay_ok'] else 'DIVERGED'}"
                   f", row {'ok' if result['row_ok'] else 'DIFFERS'})")
        for problem in result["problems"]:
            click.echo(f"  - {problem}")
        failed |= not result["ok"]
    raise SystemExit(1 if failed else 0)


@audit_cli.command("checkpoint")
def audit_checkpoint() -> None:
    """Record the head of every history stream (chained, signed when CHECKPOINT_KEY is set) and export it."""
    from .services.audit import create_checkpoint, export_checkpoints

    cp = create_checkpoint()
    db.session.commit()
    click.echo(f"checkpoint {cp.id}: {len(cp.heads)} stream(s), hash {cp.hash}, "
               f"{'signed' if cp.signature else 'not signed'}; exported {export_checkpoints()}")


@audit_cli.command("export-checkpoints")
def audit_export_checkpoints() -> None:
    """Append the checkpoints that CHECKPOINT_FILE lacks to it (one signed JSON line each)."""
    from engine.errors import StateConflict

    from .services.audit import export_checkpoints

    if not current_app.config.get("CHECKPOINT_FILE"):
        raise click.UsageError("set SANXIANG_CHECKPOINT_FILE: the file checkpoints are appended to")
    try:
        count = export_checkpoints()
    except StateConflict as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"appended {count} checkpoint(s) to {current_app.config['CHECKPOINT_FILE']}")


def ensure_checkpoint_key(path: str | None = None) -> tuple[Path, Path, bool]:
    """The checkpoint signing key at ``path`` (default: CHECKPOINT_KEY, else instance/checkpoint-key.pem),
    generated if missing; returns (private key path, public key path, created)."""
    from .services.signing import generate_key

    return generate_key(path or current_app.config.get("CHECKPOINT_KEY")
                        or Path(current_app.instance_path) / "checkpoint-key.pem")


@audit_cli.command("keygen")
@click.argument("path", required=False)
def audit_keygen(path: str | None) -> None:
    """Make the Ed25519 checkpoint key at PATH unless it exists (private mode 0600, public next to it)."""
    private, public, created = ensure_checkpoint_key(path)
    click.echo(f"{'created' if created else 'kept'} {private}; public key {public} — keep the private key off the "
               "database server's reach, give verify only the public one (SANXIANG_CHECKPOINT_PUBLIC_KEY)")


@click.command("create-user")
@click.argument("username")
@click.option("--display-name", required=True)
@click.option("--role", "roles", multiple=True, required=True, help="repeat for several roles")
@click.option("--org", default=None, help="organisation code (default: the default bureau)")
@click.password_option()
def create_user_command(username: str, display_name: str, roles: tuple[str, ...], org: str | None,
                        password: str) -> None:
    """Create a user (e.g. the first admin); recorded on the users stream with actor 'cli'."""
    from marshmallow import ValidationError

    from engine.errors import SanxiangError

    from .users import service as users
    from .users.schemas import UserCreateSchema

    body = {"username": username, "display_name": display_name, "password": password, "roles": list(roles),
            "org": org or "-"}
    try:
        values = UserCreateSchema().load(body)
        if org is None:
            values.pop("org")
        user = users.create_user(None, values)
        db.session.commit()
    except (ValidationError, SanxiangError) as exc:
        db.session.rollback()
        raise click.ClickException(str(getattr(exc, "messages", None) or getattr(exc, "errors", None) or exc)) from exc
    click.echo(f"created user {user.username} ({', '.join(user.roles)})")


@click.command("deactivate-demo-users")
def deactivate_demo_users_command() -> None:
    """Deactivate every demo user (password 'demo'); recorded on the users stream with actor 'cli'."""
    from engine.errors import SanxiangError

    from .users import service as users

    names = list(db.session.scalars(select(User.username).where(User.demo.is_(True), User.active.is_(True))))
    try:
        for name in names:
            users.change_user(None, name, {"active": False, "reason": "demo users off before production"})
        db.session.commit()
    except SanxiangError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    click.echo(f"deactivated {len(names)} demo user(s)")


@click.command("backup")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def backup_command(folder: Path) -> None:
    """Back up the database (one snapshot) and the evidence files it refers to into FOLDER (new or empty)."""
    from engine.errors import SanxiangError

    from .services.backup import backup

    try:
        report = backup(folder)
    except SanxiangError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"backed up the {report.database} database (revision {report.revision}) and "
               f"{report.evidence_files} evidence file(s), {report.evidence_bytes} bytes, into {folder}")
    for problem in report.problems:
        click.echo(f"  - {problem}")
    raise SystemExit(1 if report.problems else 0)


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def restore_command(folder: Path) -> None:
    """Restore a backup FOLDER onto this empty database and the configured evidence store."""
    from engine.errors import SanxiangError

    from .services.backup import restore

    try:
        report = restore(folder)
    except SanxiangError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"restored the {report.database} database (revision {report.revision}) and "
               f"{report.evidence_files} evidence file(s), {report.evidence_bytes} bytes, from {folder}; "
               "now run `flask --app api db upgrade` if this release is newer, then `flask --app api audit verify "
               "--all`")


definitions_cli = AppGroup("definitions", help="Export deployed definitions to a folder, import such a folder.")


@definitions_cli.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def definitions_export(folder: Path) -> None:
    """Write every deployed version (BPMN, DMN, forms) and manifest.json into FOLDER (new, empty or a previous
    export such as a git working copy)."""
    from engine.errors import SanxiangError

    from .services import definition_files

    files = definition_files.export_folder()
    try:
        definition_files.write_folder(files, folder)
    except SanxiangError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"exported {len(files) - 1} version file(s) and {definition_files.MANIFEST} into {folder}")


@definitions_cli.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="check the folder and list what would be deployed; change nothing")
def definitions_import(folder: Path, dry_run: bool) -> None:
    """Deploy the versions of FOLDER (an export) this server lacks, in their order; recorded with actor 'cli'.
    The whole folder is checked first: any problem refuses it and nothing changes."""
    from engine.errors import DefinitionInvalid, SanxiangError

    from .services import definition_files

    try:
        report = definition_files.import_folder(definition_files.read_folder(folder), "cli", dry_run=dry_run)
        db.session.commit()
    except DefinitionInvalid as exc:
        db.session.rollback()
        lines = [f"  - {p.file or '-'}" + (f" [{p.element_id}]" if p.element_id else "")
                 + (f" line {p.line}" if p.line else "") + f": {p.message}" for p in exc.problems]
        raise click.ClickException("\n".join([exc.message, *lines])) from exc
    except SanxiangError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    verb = "would deploy" if dry_run else "deployed"
    click.echo(f"{verb} {len(report.versions)} new version(s) in {report.deployments} deployment(s); "
               f"{report.present} already present")
    for v in report.versions:
        click.echo(f"  {v['kind']} {v['key']} v{v['version']}")


export_cli = AppGroup("export", help="Exports for the supervising justice bureau and the credit platform.")


def _export_scope(org: str, date_from, date_to):
    """The organisation and the checked period of an export command (a usage error for a bad one)."""
    from engine.errors import SanxiangError

    from .services import credit_reports, org_scope

    try:
        org_id = org_scope.by_code(org).id
        return org_id, *credit_reports.check_period(date_from.date(), date_to.date())
    except SanxiangError as exc:
        raise click.UsageError(f"{exc.message}: {getattr(exc, 'errors', '')}") from exc


@export_cli.command("supervision")
@click.option("--from", "date_from", required=True, type=click.DateTime(["%Y-%m-%d"]), help="first day (Beijing)")
@click.option("--to", "date_to", required=True, type=click.DateTime(["%Y-%m-%d"]), help="last day (Beijing)")
@click.option("--org", required=True, help="organisation code: its subtree is exported")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="folder for manifest.json, jsonl/, csv/ and the schema (new or empty)")
def export_supervision(date_from, date_to, org: str, out: Path) -> None:
    """Write the supervision export of ORG for the period into OUT; recorded on the exports stream (actor 'cli')."""
    from .services import supervision_export

    org_id, first, last = _export_scope(org, date_from, date_to)
    if out.exists() and any(out.iterdir()):
        raise click.UsageError(f"{out} is not empty")
    export = supervision_export.build(org_id, first, last, "cli", None)
    files = export.files()
    db.session.commit()  # the access is recorded before the data leaves
    out.mkdir(parents=True, exist_ok=True)
    for path, content in files.items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_bytes(content)
    counts = ", ".join(f"{kind} {n}" for kind, n in export.manifest["counts"].items())
    click.echo(f"exported {org} {first}..{last} into {out}: {counts}")


@export_cli.command("credit")
@click.option("--from", "date_from", required=True, type=click.DateTime(["%Y-%m-%d"]), help="first day (Beijing)")
@click.option("--to", "date_to", required=True, type=click.DateTime(["%Y-%m-%d"]), help="last day (Beijing)")
@click.option("--org", required=True, help="the bureau's organisation code")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="folder for credit.json, credit.csv and the schema (new or empty)")
def export_credit(date_from, date_to, org: str, out: Path) -> None:
    """Report ORG's published, unreported permit and penalty decisions of the period to the credit platform (执法双公示):
    files for its importer in OUT; each decision recorded as reported (actor 'cli')."""
    from .services import credit_reports

    org_id, first, last = _export_scope(org, date_from, date_to)
    if out.exists() and any(out.iterdir()):
        raise click.UsageError(f"{out} is not empty")
    batch = credit_reports.report(org_id, first, last, "cli", None)
    db.session.commit()
    out.mkdir(parents=True, exist_ok=True)
    for path, content in batch.files.items():
        (out / path).write_bytes(content)
    click.echo(f"reported {len(batch.reported)} decision(s) of {org} {first}..{last} into {out} (batch {batch.sha256})")


def register_cli(app: Flask) -> None:
    app.cli.add_command(export_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(definitions_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(deactivate_demo_users_command)
    from .instance_migration_cli import migrate_instances_command  # issue 11: instance migration

    app.cli.add_command(migrate_instances_command)

    register_worker_cli(app)

    @app.cli.command("serve")
    @click.option("--host", default="127.0.0.1")
    @click.option("--port", default=5000, type=int)
    def serve_command(host: str, port: int) -> None:
        """Serve the app with the worker in-process (the embedded demo default)."""
        from werkzeug.serving import run_simple

        from .worker import start_in_process

        real = current_app._get_current_object()
        if real.config.get("REDIS_URL"):
            click.echo("SANXIANG_REDIS_URL is set: the jobs run on the Celery workers and the scheduler "
                       "(flask --app api worker / scheduler), not in this process")
        else:
            start_in_process(real)
        click.echo(f"serving on http://{host}:{port}" + ("" if real.config.get("REDIS_URL") else " (worker in-process)"))
        run_simple(host, port, real, use_reloader=False, threaded=True)

    @app.cli.command("init-db")
    def init_db_command() -> None:
        """Bring the database to the latest revision (as `flask db upgrade`) and seed the organisations."""
        _init_db_or_explain()
        click.echo("database ready")

    @app.cli.command("deploy-dir")
    def deploy_command() -> None:
        """Deploy everything in processes/ and forms/ (unchanged files make no new version)."""
        created = deploy_dirs()
        click.echo(f"deployed {len(created)} new version(s)")

    @app.cli.command("seed-demo")
    def seed_command() -> None:
        """Create the demo users (password 'demo', demo only)."""
        _demo_only()
        click.echo(f"added {seed_demo()} demo user(s)")

    @app.cli.command("setup-demo")
    def setup_demo_command() -> None:
        """init-db + deploy-dir + seed-demo; safe to run twice (demo mode only)."""
        _demo_only()
        from .registry.seed import seed_powers

        _init_db_or_explain()
        created = deploy_dirs()
        powers = seed_powers()
        added = seed_demo()
        click.echo(f"database ready; deployed {len(created)} new version(s); added {added} demo user(s), "
                   f"{powers} power item(s)")


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
            from .worker.embedded import run_forever

            click.echo("worker (embedded: no broker) running")
            run_forever(real)
            return
        if not real.config.get("REDIS_URL"):
            raise click.UsageError("set SANXIANG_REDIS_URL (e.g. redis://127.0.0.1:6379/0) for the Celery worker, "
                                   "or run `flask --app api worker --embedded` (no broker)")
        from .worker.celery_app import make_celery, worker_argv

        celery = make_celery(real)
        celery.worker_main(worker_argv(concurrency, pool, loglevel, celery.conf.task_default_queue))

    @app.cli.command("scheduler")
    def scheduler_command() -> None:
        """Send the jobs to the Celery workers: timers at the earliest next_due, checkpoints, the annual report."""
        real = current_app._get_current_object()
        if not real.config.get("REDIS_URL"):
            raise click.UsageError("set SANXIANG_REDIS_URL: the scheduler sends the jobs over the Redis broker")
        from .worker.scheduler import run_scheduler

        click.echo("scheduler running")
        run_scheduler(real)
