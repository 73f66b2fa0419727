"""The built front end (frontend/, Vite → api/static/dist): ``asset_tags("task")`` gives a page's script and CSS
tags from the build manifest. Nothing built is committed; ``make assets`` (run by ``make run`` and ``make test``)
builds it with the machine's Node.js and npm."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

#: where the build lies: api/static/dist, served at /static/dist/ (``SANXIANG_DIST`` names another folder)
DIST = Path(os.environ.get("SANXIANG_DIST") or Path(__file__).resolve().parents[1] / "static" / "dist")
MANIFEST = DIST / "manifest.json"
_cache: dict[str, Any] = {"mtime": None, "manifest": {}}


class AssetsNotBuilt(RuntimeError):
    """The front end was not built (no manifest): run ``make assets``."""


def manifest() -> dict[str, Any]:
    try:
        mtime = MANIFEST.stat().st_mtime
    except FileNotFoundError:
        raise AssetsNotBuilt(f"{MANIFEST} is missing: the front end is not built; run `make assets` "
                             "(needs Node.js 20 and npm)") from None
    if _cache["mtime"] != mtime:
        _cache["manifest"] = json.loads(MANIFEST.read_text())
        _cache["mtime"] = mtime
    return _cache["manifest"]


def _css_of(entry: dict[str, Any], table: dict[str, Any], seen: set[str]) -> list[str]:
    files = list(entry.get("css", []))
    for name in entry.get("imports", []):
        if name not in seen:
            seen.add(name)
            files += _css_of(table.get(name, {}), table, seen)
    return files


def asset_tags(*pages: str) -> Markup:
    """The ``<link>`` and ``<script type="module">`` tags of the entries ``frontend/src/pages/<page>.js``."""
    table = manifest()
    tags: list[str] = []
    done: set[str] = set()
    for page in pages:
        entry = table.get(f"src/pages/{page}.js")
        if entry is None:
            raise AssetsNotBuilt(f"no built entry for page '{page}' (frontend/src/pages/{page}.js); run `make assets`")
        for css in _css_of(entry, table, set()):
            if css not in done:
                done.add(css)
                tags.append(f'<link rel="stylesheet" href="/static/dist/{escape(css)}">')
        tags.append(f'<script type="module" src="/static/dist/{escape(entry["file"])}"></script>')
    return Markup("\n".join(tags))
