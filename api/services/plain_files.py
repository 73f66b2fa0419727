"""The service's own files, opened and written so that nothing put in their place is followed: never through a
symbolic link (``O_NOFOLLOW``), never blocking on a named pipe (``O_NONBLOCK``), only a regular file, and — where
asked — one with no other name (a hard link is another file's name too: a key's, the export file's).

Used for an upload's files (api/services/resumable.py), the evidence store's files and memos
(api/services/evidence_store.py) and a backup's files (api/services/backup.py); each maps :class:`NotPlainFile` to
its own refusal.
"""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import IO


class NotPlainFile(OSError):
    """What lies at the path is a link, a pipe, a device or a file with another name: not the service's own file.
    ``link``: it was a symbolic link."""

    def __init__(self, path: Path, link: bool) -> None:
        super().__init__(str(path))
        self.link = link


def open_plain(path: Path, flags: int = os.O_RDONLY, mode: int = 0o600, names: int | None = None) -> int:
    """A descriptor of the regular file ``path`` (``names``: at most that many names, else any).

    Raises:
        NotPlainFile: a link, not a regular file, or more names. OSError: missing or unreadable.
    """
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotPlainFile(path, link=True) from None
        raise
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or (names is not None and st.st_nlink > names):
        os.close(fd)
        raise NotPlainFile(path, link=False)
    return fd


def open_plain_file(path: Path) -> IO[bytes]:
    """:func:`open_plain` for reading, as a file object."""
    return os.fdopen(open_plain(path), "rb")


def write_private(path: Path, content: bytes = b"", exclusive: bool = False) -> None:
    """Write a new file ``path`` readable by the owner only (0600, whatever the umask). Never through a link:
    whatever is at ``path`` is removed first (unless ``exclusive``: then it must not exist), and the file is
    created anew — a symbolic link planted beside the service's files would otherwise have it truncate or write
    the file the link points to."""
    if not exclusive:
        path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, content)
    finally:
        os.close(fd)
