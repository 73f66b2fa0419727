"""Validate every .bpmn under a folder the way a deploy would, one diagram at a time.

Usage: ``python -m tools.import_corpus FOLDER [--import]``

Each diagram is validated together with the shipped processes, decisions and forms (as
``POST /api/v1/definitions/validate`` does against a fresh platform); only the diagram is linted. With
``--import`` each diagram first goes through the import mapping of :mod:`engine.interop` (lanes and
candidate groups to roles, linked and generated forms, due dates to deadlines) as an owner accepting the
proposal would, and what the proposal produces is validated. Prints the pass/refuse counts, the most frequent
problems, and every problem that names no element or no line (there should be none).
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from engine.definitions import file_kind, load_catalog
from engine.errors import DefinitionInvalid, Problem

ROOT = Path(__file__).resolve().parents[1]


def shipped_files(root: Path = ROOT) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for folder in ("processes", "forms"):
        for path in sorted((root / folder).iterdir()):
            if file_kind(path.name):
                files[path.name] = path.read_bytes()
    return files


def _forms_beside(path: Path) -> dict[str, bytes]:
    """Camunda forms (.form JSON) in the diagram's folder: a diagram may link them by id."""
    return {p.name: p.read_bytes() for p in sorted(path.parent.glob("*.form"))}


def check(path: Path, base: dict[str, bytes], use_import: bool) -> list[Problem]:
    name = "corpus__" + path.name
    content = path.read_bytes()
    if use_import:
        from engine import interop

        proposal = interop.propose({path.name: content, **_forms_beside(path)}, set(base))
        if proposal.problems:
            return list(proposal.problems)
        uploads = proposal.files
    else:
        uploads = {name: content}
    try:
        load_catalog({**base, **uploads}, lint=set(uploads))
    except DefinitionInvalid as exc:
        return list(exc.problems)
    return []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--import", dest="use_import", action="store_true",
                        help="map each diagram through the import proposal first")
    parser.add_argument("--top", type=int, default=15, help="how many frequent problems to list")
    args = parser.parse_args(argv)
    base = shipped_files()
    paths = sorted(args.folder.rglob("*.bpmn"))
    passed = refused = 0
    messages: Counter[str] = Counter()
    unnamed: list[tuple[Path, Problem]] = []
    for path in paths:
        problems = check(path, base, args.use_import)
        if not problems:
            passed += 1
            continue
        refused += 1
        for p in problems:
            messages[_shape(p.message)] += 1
            if not p.element_id or not p.line:
                unnamed.append((path, p))
    print(f"{len(paths)} diagrams: {passed} pass, {refused} refused ({'import' if args.use_import else 'direct'})")
    print(f"problems without an element or a line: {len(unnamed)}")
    for path, p in unnamed:
        print(f"  {path.relative_to(args.folder)}: element={p.element_id} line={p.line}: {p.message}")
    print("most frequent problems:")
    for message, count in messages.most_common(args.top):
        print(f"  {count:4d}  {message}")
    return 0


def _shape(message: str) -> str:
    """A message with quoted names blanked, so the same problem on different elements counts once."""
    import re

    return re.sub(r"'[^']*'", "'…'", message)[:140]


if __name__ == "__main__":
    sys.exit(main())
