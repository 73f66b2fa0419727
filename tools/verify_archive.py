"""Verify a Sanxiang case archive offline: ``python -m tools.verify_archive case-12-archive.zip``.

Exit status 0 when every hash and chain link verifies, 1 otherwise. Prints the
chain heads: compare them with a checkpoint published by the bureau to know the
archive is the one the server recorded.
"""
from __future__ import annotations

import json
import sys
import zipfile

from engine.archive import MANIFEST, verify_contents


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 1:
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    with zipfile.ZipFile(args[0]) as zf:
        names = zf.namelist()
        if MANIFEST not in names:
            print("no manifest.json in the archive", file=sys.stderr)
            return 1
        manifest = json.loads(zf.read(MANIFEST))
        files = {name: zf.read(name) for name in names if name != MANIFEST}
    result = verify_contents(manifest, files)
    for stream, head in result["heads"].items():
        print(f"head {stream}: seq {head['seq']} hash {head['hash']}")
    for problem in result["problems"]:
        print("PROBLEM", json.dumps(problem, ensure_ascii=False))
    print("archive verifies" if result["ok"] else f"archive does NOT verify ({len(result['problems'])} problems)")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
