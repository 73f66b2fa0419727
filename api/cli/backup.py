"""``flask --app api backup | restore``."""
from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import click


def _run(step: Callable[[Path], Any], folder: Path) -> Any:
    """A backup or restore of ``folder``: its report, or the refusal as a click error (exit status 1)."""
    from engine.errors import SanxiangError

    try:
        return step(folder)
    except SanxiangError as exc:
        raise click.ClickException(exc.message) from exc


@click.command("backup")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def backup_command(folder: Path) -> None:
    """Back up the database (one snapshot) and the evidence files it refers to into FOLDER (new or empty)."""
    from ..services.backup import backup

    report = _run(backup, folder)
    click.echo(f"backed up the {report.database} database (revision {report.revision}) and "
               f"{report.evidence_files} evidence file(s), {report.evidence_bytes} bytes, into {folder}")
    for problem in report.problems:
        click.echo(f"  - {problem}")
    raise SystemExit(1 if report.problems else 0)


@click.command("restore")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--accept-missing-evidence", is_flag=True,
              help="Restore a backup that recorded evidence files missing or altered in the store when it was made "
                   "(its database is whole; verify names the cases that lack them).")
def restore_command(folder: Path, accept_missing_evidence: bool) -> None:
    """Restore a backup FOLDER onto this empty database and the configured evidence store."""
    from ..services.backup import restore

    report = _run(partial(restore, accept_missing_evidence=accept_missing_evidence), folder)
    click.echo(f"restored the {report.database} database (revision {report.revision}) and "
               f"{report.evidence_files} evidence file(s), {report.evidence_bytes} bytes, from {folder}; "
               "now run `flask --app api db upgrade` if this release is newer, then `flask --app api audit verify "
               "--all`")
    if report.problems:
        click.echo(f"{len(report.problems)} evidence file(s) the backup did not hold (accepted; verify names the "
                   "cases that lack them):")
        for problem in report.problems:
            click.echo(f"  - {problem}")
