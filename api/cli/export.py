"""``flask --app api export supervision | credit``."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from flask.cli import AppGroup

from ..extensions import db

export_cli = AppGroup("export", help="Exports for the supervising justice bureau and the credit platform.")


def _export_scope(org: str, date_from, date_to):
    """The organisation and the checked period of an export command (a usage error for a bad one)."""
    from engine.errors import SanxiangError

    from ..services import credit_reports, org_scope

    try:
        org_id = org_scope.by_code(org).id
        return org_id, *credit_reports.check_period(date_from.date(), date_to.date())
    except SanxiangError as exc:
        raise click.UsageError(f"{exc.message}: {getattr(exc, 'errors', '')}") from exc


def _export_options(org_help: str, out_help: str) -> Callable[[Callable], Callable]:
    """The options every export command takes: the period (Beijing days), the organisation and the output folder."""
    options = (
        click.option("--from", "date_from", required=True, type=click.DateTime(["%Y-%m-%d"]),
                     help="first day (Beijing)"),
        click.option("--to", "date_to", required=True, type=click.DateTime(["%Y-%m-%d"]), help="last day (Beijing)"),
        click.option("--org", required=True, help=org_help),
        click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path), help=out_help),
    )

    def apply(command: Callable) -> Callable:
        for option in reversed(options):  # listed in the help in the order above
            command = option(command)
        return command

    return apply


def _refuse_non_empty(out: Path) -> None:
    if out.exists() and any(out.iterdir()):
        raise click.UsageError(f"{out} is not empty")


def _write_files(out: Path, files: dict[str, bytes]) -> None:
    """Write an export's files (relative paths) into ``out``, after its access was committed."""
    out.mkdir(parents=True, exist_ok=True)
    for path, content in files.items():
        (out / path).parent.mkdir(parents=True, exist_ok=True)
        (out / path).write_bytes(content)


@export_cli.command("supervision")
@_export_options("organisation code: its subtree is exported",
                 "folder for manifest.json, jsonl/, csv/ and the schema (new or empty)")
def export_supervision(date_from, date_to, org: str, out: Path) -> None:
    """Write the supervision export of ORG for the period into OUT; recorded on the exports stream (actor 'cli')."""
    from ..services import supervision_export

    org_id, first, last = _export_scope(org, date_from, date_to)
    _refuse_non_empty(out)
    export = supervision_export.build(org_id, first, last, "cli", None)
    files = export.files()
    db.session.commit()  # the access is recorded before the data leaves
    _write_files(out, files)
    counts = ", ".join(f"{kind} {n}" for kind, n in export.manifest["counts"].items())
    click.echo(f"exported {org} {first}..{last} into {out}: {counts}")


@export_cli.command("credit")
@_export_options("the bureau's organisation code", "folder for credit.json, credit.csv and the schema (new or empty)")
def export_credit(date_from, date_to, org: str, out: Path) -> None:
    """Report ORG's published, unreported permit and penalty decisions of the period to the credit platform (执法双公示):
    files for its importer in OUT; each decision recorded as reported (actor 'cli')."""
    from ..services import credit_reports

    org_id, first, last = _export_scope(org, date_from, date_to)
    _refuse_non_empty(out)
    batch = credit_reports.report(org_id, first, last, "cli", None)
    db.session.commit()
    _write_files(out, batch.files)
    click.echo(f"reported {len(batch.reported)} decision(s) of {org} {first}..{last} into {out} (batch {batch.sha256})")
