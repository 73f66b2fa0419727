"""Definitions as files: every deployed version exported to a folder (or a zip of it) and such a folder imported.

The folder (docs/API.md "Definition folders", README.md "Process models in git")::

    manifest.json                      every version: kind, key, version, name, filename, path, sha256, size,
                                       org, deployment, deployed_at, deployed_by
    processes/<key>/v<N>.bpmn          version N of process <key> (a file defining two processes is in both)
    decisions/<key>/v<N>.dmn           version N of decision <key>
    forms/<key>/v<N>.form              version N of form <key>

An import checks the whole folder before it changes anything: the manifest, every file against its sha256, the
versions against this server's (a version is never overwritten: a folder whose version N differs from the server's
version N is refused), the owners, and the files of every deployment the server lacks validated as a deploy would
(structure and schema for every version; the lint rules for what ends up as the latest version, as a deploy lints
only what it uploads). Then it replays the deployments the server lacks, in their order, through the one deploy
(api/services/definitions.py): each records a ``deploy`` event on the ``definitions`` stream with the importing
actor and, under ``import``, where the versions came from. Importing the same folder twice deploys nothing.

The package: :mod:`.manifest` (format, paths, reading manifest.json), :mod:`.export` (writing a folder or a
zip), :mod:`.reading` (reading a folder or a zip back) and :mod:`.import_` (checking and deploying it).
"""
from __future__ import annotations

from engine.definitions import sha256  # re-exported: importers checksum files with it, as before the split

from .export import export_folder, write_folder, zip_folder
from .import_ import ImportReport, import_folder
from .manifest import (
                       DIRS,
                       FORMAT,
                       FORMAT_VERSION,
                       MANIFEST,
                       MAX_ENTRIES,
                       MAX_FOLDER_BYTES,
                       MAX_MANIFEST_BYTES,
                       SUFFIXES,
                       VOLATILE_FIELDS,
                       Entry,
                       version_path,
)
from .reading import read_folder, read_zip

__all__ = [
    "DIRS", "FORMAT", "FORMAT_VERSION", "MANIFEST", "MAX_ENTRIES", "MAX_FOLDER_BYTES", "MAX_MANIFEST_BYTES",
    "SUFFIXES", "VOLATILE_FIELDS", "Entry", "ImportReport", "export_folder", "import_folder", "read_folder",
    "read_zip", "sha256", "version_path", "write_folder", "zip_folder",
]
