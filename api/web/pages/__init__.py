"""Browser pages, one module per area (officers, process owners, auditors, admins, the public). Each module
registers its routes on ``web_blp``, its menu entries (``nav.add``) and its strings (api/web/strings/<area>.py);
every module here is imported at start, so a new area needs no edit elsewhere."""
from __future__ import annotations

import importlib
import pkgutil


def load() -> None:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")
