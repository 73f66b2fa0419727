"""``flask --app api definitions export | import``: deployed definitions as a folder."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from ..extensions import db

definitions_cli = AppGroup("definitions", help="Export deployed definitions to a folder, import such a folder.")


@definitions_cli.command("export")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def definitions_export(folder: Path) -> None:
    """Write every deployed version (BPMN, DMN, forms) and manifest.json into FOLDER (new, empty or a previous
    export such as a git working copy)."""
    from engine.errors import SanxiangError

    from ..services import definition_files

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

    from ..services import definition_files

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
