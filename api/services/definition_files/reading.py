"""Reading: a definition folder on disk or a zip of one, with limits on what is read."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

from engine.errors import DefinitionInvalid, Problem

from .. import definitions as deploys
from .manifest import MANIFEST, MAX_ENTRIES, MAX_FOLDER_BYTES, MAX_MANIFEST_BYTES, _is_definition_path


def _size_problem(rel: str, size: int) -> Problem | None:
    limit = MAX_MANIFEST_BYTES if rel == MANIFEST else deploys.MAX_FILE_BYTES
    if size > limit:
        return Problem(rel, None, None, f"file is larger than {limit} bytes")
    return None


def read_folder(folder: Path) -> dict[str, bytes]:
    """path -> bytes of the manifest and every definition file under ``folder`` (hidden entries such as .git and
    other files are skipped).

    Raises:
        DefinitionInvalid: a symbolic link, a file over the size limit, too many files.
    """
    problems: list[Problem] = []
    files: dict[str, bytes] = {}
    total = 0
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in rel.split("/")):
            continue
        if path.is_symlink():
            problems.append(Problem(rel, None, None, "symbolic links are not read: copy the file into the folder"))
            continue
        if not path.is_file() or not (rel == MANIFEST or _is_definition_path(rel)):
            continue
        size = path.stat().st_size
        too_big = _size_problem(rel, size)
        if too_big:
            problems.append(too_big)
            continue
        total += size
        if len(files) >= MAX_ENTRIES or total > MAX_FOLDER_BYTES:
            raise DefinitionInvalid([Problem(None, None, None, f"the folder holds more than {MAX_ENTRIES} files "
                                             f"or {MAX_FOLDER_BYTES} bytes")], "the definition folder is refused")
        files[rel] = path.read_bytes()
    if problems:
        raise DefinitionInvalid(problems, "the definition folder is refused; nothing was imported")
    return files


def read_zip(data: bytes) -> dict[str, bytes]:
    """path -> bytes of the manifest and definition files of a zipped folder (at the zip's root or in its one
    top-level folder, as a repository download has it).

    Raises:
        DefinitionInvalid: not a zip, an encrypted entry, an unsafe name, a file over the size limit, too much.
    """
    def refuse(message: str, file: str | None = None) -> DefinitionInvalid:
        return DefinitionInvalid([Problem(file, None, None, message)], "the definition folder is refused")

    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise refuse(f"not a zip file: {exc}") from None
    if len(infos) > MAX_ENTRIES:
        raise refuse(f"the zip holds more than {MAX_ENTRIES} entries")
    names = [i.filename for i in infos if not i.is_dir()]
    prefix = ""
    if MANIFEST not in names:
        tops = {n.split("/", 1)[0] for n in names}
        if len(tops) == 1 and f"{next(iter(tops))}/{MANIFEST}" in names:
            prefix = next(iter(tops)) + "/"
    files: dict[str, bytes] = {}
    problems: list[Problem] = []
    total = 0
    for info in infos:
        if info.is_dir():
            continue
        name = info.filename
        if name.startswith("/") or "\\" in name or any(part in ("", ".", "..") for part in name.split("/")):
            problems.append(Problem(name, None, None, "unsafe entry name (absolute, '..' or a backslash)"))
            continue
        if not name.startswith(prefix):
            continue
        rel = name[len(prefix):]
        if any(part.startswith(".") for part in rel.split("/")) or not (rel == MANIFEST or _is_definition_path(rel)):
            continue
        if info.flag_bits & 0x1:
            problems.append(Problem(rel, None, None, "encrypted zip entries are not read"))
            continue
        too_big = _size_problem(rel, info.file_size)
        if too_big:
            problems.append(too_big)
            continue
        total += info.file_size
        if total > MAX_FOLDER_BYTES:
            raise refuse(f"the zip unpacks to more than {MAX_FOLDER_BYTES} bytes")
        try:
            with zf.open(info) as handle:  # reads at most the declared size; a wrong CRC raises
                content = handle.read(info.file_size + 1)
        except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError) as exc:
            problems.append(Problem(rel, None, None, f"cannot be read from the zip: {exc}"))
            continue
        if len(content) != info.file_size:
            problems.append(Problem(rel, None, None, "entry size differs from the zip's directory"))
            continue
        files[rel] = content
    if problems:
        raise DefinitionInvalid(problems, "the definition folder is refused; nothing was imported")
    return files
