"""``flask --app api backup | restore``."""
from __future__ import annotations

from collections.abc import Callable
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
def restore_command(folder: Path) -> None:
    """Restore a backup FOLDER onto this empty database and the configured evidence store."""
    from ..services.backup import restore

    report = _run(restore, folder)
    click.echo(f"restored the {report.database} database (revision {report.revision}) and "
               f"{report.evidence_files} evidence file(s), {report.evidence_bytes} bytes, from {folder}; "
               "now run `flask --app api db upgrade` if this release is newer, then `flask --app api audit verify "
               "--all`")
