"""``flask --app api audit verify | checkpoint | export-checkpoints | keygen``."""
from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db

audit_cli = AppGroup("audit", help="Verify histories and record checkpoints.")


@audit_cli.command("verify")
@click.argument("instance_id", required=False, type=int)
@click.option("--all", "all_", is_flag=True, help="verify every stream and every instance")
@click.option("--streams", is_flag=True, help="verify every stream (definitions, settings, access, …)")
def audit_verify(instance_id: int | None, all_: bool, streams: bool) -> None:
    """Verify the checkpoints (signatures, export file), then one instance, every stream (--streams) or both
    (--all): chain, checkpoints, files, snapshots, evidence, replay, the instance row."""
    from ..models import Instance
    from ..services.audit import audit_checkpoints, verify_instance, verify_streams

    if not (all_ or streams) and instance_id is None:
        raise click.UsageError("give an INSTANCE_ID, --streams or --all")
    checkpoints = audit_checkpoints()
    anchors = ", ".join(f"{a.source} #{a.id}" for a in checkpoints.anchors) or "none"
    click.echo(f"checkpoints: {'FAILED' if checkpoints.problems else 'OK'} (anchors: {anchors})")
    for problem in checkpoints.problems:
        click.echo(f"  - {problem}")
    for note in checkpoints.notes:
        click.echo(f"  note: {note}")
    failed = bool(checkpoints.problems)
    if all_ or streams:
        for report in verify_streams(checkpoints):
            click.echo(f"stream {report['stream']}: {'OK' if report['ok'] else 'FAILED'} (events {report['events']})")
            for problem in report["problems"]:
                click.echo(f"  - {problem}")
            for note in checkpoints.lost.get(report["stream"], []):
                click.echo(f"  note: {note}")
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
        for note in checkpoints.lost.get(f"instance:{iid}", []):
            click.echo(f"  note: {note}")
        failed |= not result["ok"]
    raise SystemExit(1 if failed else 0)


@audit_cli.command("checkpoint")
def audit_checkpoint() -> None:
    """Record the head of every history stream (chained, signed when CHECKPOINT_KEY is set) and export it."""
    from engine.errors import StateConflict

    from ..services.audit import create_checkpoint, export_checkpoints

    cp = create_checkpoint()
    db.session.commit()
    click.echo(f"checkpoint {cp.id}: {len(cp.heads)} stream(s), hash {cp.hash}, "
               f"{'signed' if cp.signature else 'not signed'}")
    try:
        click.echo(f"exported {export_checkpoints()}")
    except StateConflict as exc:  # recorded in the database; the export file waits for an auditor
        raise click.ClickException(f"checkpoint {cp.id} is recorded, but not exported: {exc.message}") from exc


@audit_cli.command("restore-point")
@click.option("--by", required=True, help="who records it (the operator who restored the database)")
@click.option("--reason", required=True, help="why: which backup was restored, and why")
def audit_restore_point(by: str, reason: str) -> None:
    """After restoring the database from a backup older than the export file's last checkpoint: record, in the
    export file (signed) and in the database, that the checkpoints after the last shared one are abandoned, so
    verify reports the loss as a note instead of failing and checkpoints are exported again."""
    from engine.errors import SanxiangError

    from ..services.restore_points import note, record_restore_point

    try:
        point = record_restore_point(by, reason)
        db.session.commit()
    except SanxiangError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    click.echo(f"recorded: {note(point)}")
    click.echo("now run `flask --app api audit checkpoint` and `flask --app api audit verify --all`")


@audit_cli.command("export-checkpoints")
def audit_export_checkpoints() -> None:
    """Append the checkpoints that CHECKPOINT_FILE lacks to it (one signed JSON line each)."""
    from engine.errors import StateConflict

    from ..services.audit import export_checkpoints

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
    from ..services.signing import generate_key

    return generate_key(path or current_app.config.get("CHECKPOINT_KEY")
                        or Path(current_app.instance_path) / "checkpoint-key.pem")


@audit_cli.command("keygen")
@click.argument("path", required=False)
def audit_keygen(path: str | None) -> None:
    """Make the Ed25519 checkpoint key at PATH unless it exists (private mode 0600, public next to it)."""
    private, public, created = ensure_checkpoint_key(path)
    click.echo(f"{'created' if created else 'kept'} {private}; public key {public} — keep the private key off the "
               "database server's reach, give verify only the public one (SANXIANG_CHECKPOINT_PUBLIC_KEY)")
