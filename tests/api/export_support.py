"""Reading the exports back, as the supervising bureau's and the credit platform's importers do."""
from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

from jsonschema import Draft202012Validator, FormatChecker

SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "export"


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


def validator(name: str, ref: str | None = None) -> Draft202012Validator:
    """A validator of the schema file (or of one of its ``$defs``), checking formats (dates, date-times)."""
    doc = schema(name)
    target = doc if ref is None else {"$ref": f"#/$defs/{ref}", "$defs": doc["$defs"]}
    Draft202012Validator.check_schema(doc)
    return Draft202012Validator(target, format_checker=FormatChecker())


def unzip(payload: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def jsonl(files: dict[str, bytes], stem: str) -> list[dict]:
    return [json.loads(line) for line in files[f"jsonl/{stem}.jsonl"].decode("utf-8").splitlines() if line]


def csv_rows(content: bytes) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(content.decode("utf-8")))
    return list(reader.fieldnames or []), list(reader)


def errors_of(v: Draft202012Validator, item: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in v.iter_errors(item)]
