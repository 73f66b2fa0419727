"""Evidence metadata (multipart form fields) and the item as returned."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from flask_smorest.fields import Upload
from marshmallow import (
    EXCLUDE,
    RAISE,
    Schema,
    ValidationError,
    fields,
    post_load,
    pre_load,
    validate,
    validates_schema,
)
from werkzeug.datastructures import FileStorage

from ..inputs import MAX_ID, AwareDateTime
from ..models.types import as_utc, utc_iso

KINDS = ("audio_video", "photo", "document")
CLOCK_SKEW = timedelta(minutes=5)


def not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("must not be blank")



class PauseSchema(Schema):
    class Meta:
        unknown = RAISE

    at = AwareDateTime(required=True, default_timezone=UTC,
                              metadata={"description": "when recording paused (no offset = UTC)"})
    reason = fields.String(required=True, validate=[not_blank, validate.Length(max=500)],
                           metadata={"description": "why (technical reasons only; docs/DOMAIN.md §2.3)"})


class EvidenceMetadataSchema(Schema):
    """The capture metadata of an evidence file (multipart form fields, or a resumable upload's Upload-Metadata).
    ``officers`` may repeat, or be a JSON list or comma-separated; ``pauses`` is a JSON list of ``{"at", "reason"}``.
    Times without an offset are UTC."""

    class Meta:
        unknown = RAISE

    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    title = fields.String(validate=validate.Length(max=255))
    captured_at = AwareDateTime(default_timezone=UTC,
                                       metadata={"description": "required for audio_video and photo"})
    place = fields.String(validate=validate.Length(max=255))
    device_id = fields.String(validate=validate.Length(min=1, max=48),
                              metadata={"description": "the ledger code of the recording device; required for "
                                                       "audio_video"})
    officers = fields.List(fields.String(validate=validate.Length(min=1, max=64)), required=True,
                           validate=validate.Length(min=1))
    opening_statement = fields.String(validate=validate.Length(max=5000),
                                      metadata={"description": "required for audio_video: time, place, officers "
                                                               "and act stated at the start"})
    pauses = fields.List(fields.Nested(PauseSchema), load_default=list)
    task_id = fields.String(validate=validate.Length(max=36),
                            metadata={"description": "the user task (of this instance) it belongs to"})

    @pre_load
    def _decode(self, data: Any, **kwargs: Any) -> dict[str, Any]:
        out = {key: data[key] for key in data}
        if "file" in out and not isinstance(out["file"], FileStorage):
            raise ValidationError({"file": ["must be a file part of the multipart body"]})
        officers = out.get("officers")
        if isinstance(officers, list) and len(officers) == 1 and isinstance(officers[0], str):
            one = officers[0].strip()
            if one.startswith("["):
                out["officers"] = _json(one, "officers")
            elif "," in one:
                out["officers"] = [o.strip() for o in one.split(",") if o.strip()]
        if "pauses" in out:
            out["pauses"] = _pauses(out["pauses"])
        return {key: value for key, value in out.items() if not (isinstance(value, str) and value == "") and value != [""]}

    @validates_schema(skip_on_field_errors=False)
    def _by_kind(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        kind = data.get("kind")
        captured = data.get("captured_at")
        latest = datetime.now(UTC) + CLOCK_SKEW
        if kind in ("audio_video", "photo") and captured is None:
            errors["captured_at"] = [f"required for {kind}"]
        if captured is not None and as_utc(captured) > latest:
            errors["captured_at"] = ["is in the future"]
        if kind == "audio_video":
            if not data.get("device_id"):
                errors["device_id"] = ["required for audio_video: the recording device from the equipment ledger"]
            if not (data.get("opening_statement") or "").strip():
                errors["opening_statement"] = ["required for audio_video: state the time, place, officers and "
                                               "the enforcement act at the start of the recording"]
        pauses = data.get("pauses") or []
        if pauses and kind != "audio_video":
            errors["pauses"] = ["only audio_video recordings have pauses"]
        elif captured is not None:  # (a pause that failed its own validation may lack "at")
            late = [str(i) for i, p in enumerate(pauses)
                    if isinstance(p.get("at"), datetime) and not as_utc(captured) <= as_utc(p["at"]) <= latest]
            if late:
                errors["pauses"] = [f"pause {', '.join(late)}: must be between captured_at and now"]
        if errors:
            raise ValidationError(errors)

    @post_load
    def _dedupe(self, data: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        data["officers"] = list(dict.fromkeys(data["officers"]))
        return data


class EvidenceUploadSchema(EvidenceMetadataSchema):
    """An upload: the file and its metadata as multipart form fields. ``officers`` may repeat, or be a JSON list or comma-separated;
    ``pauses`` is a JSON list of ``{"at", "reason"}``. Times without an offset are UTC."""

    file = Upload(required=True, metadata={"description": "the evidence file (at most EVIDENCE_MAX_BYTES)"})


def _pauses(value: Any) -> Any:
    """The multipart ``pauses`` field(s) as a list: one field holding a JSON list (as docs/API.md documents),
    or one JSON object per repeated field; empty fields are no pauses. Anything else is left for the schema to
    refuse (422 naming ``pauses``)."""
    texts = value if isinstance(value, list) else [value]
    if not all(isinstance(t, str) for t in texts):
        return value
    texts = [t for t in texts if t.strip()]
    if len(texts) == 1 and texts[0].lstrip().startswith("["):
        return _json(texts[0], "pauses")
    return [_json(t, "pauses") for t in texts]


def _json(text: str, field: str) -> Any:
    if len(text) > 100_000:
        raise ValidationError({field: ["longer than 100000 characters"]})
    try:
        return json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise ValidationError({field: [f"not valid JSON: {str(exc)[:200]}"]}) from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


class EvidenceItemSchema(Schema):
    id = fields.Integer()
    instance_id = fields.Integer()
    sha256 = fields.String()
    size = fields.Integer()
    media_type = fields.String()
    filename = fields.String(allow_none=True)
    kind = fields.String()
    title = fields.String(allow_none=True)
    captured_at = fields.Method("get_captured_at", allow_none=True)
    place = fields.String(allow_none=True)
    device_id = fields.String(allow_none=True)
    officers = fields.List(fields.String())
    opening_statement = fields.String(allow_none=True)
    pauses = fields.List(fields.Dict())
    task_id = fields.String(allow_none=True)
    uploaded_by = fields.String()
    uploaded_at = fields.Method("get_uploaded_at")
    url = fields.Method("get_url")

    def get_captured_at(self, obj: Any) -> str | None:
        return obj.metadata_dict()["captured_at"]

    def get_uploaded_at(self, obj: Any) -> str:
        return utc_iso(obj.uploaded_at)

    def get_url(self, obj: Any) -> str:
        return f"/api/v1/evidence/{obj.sha256}?instance_id={obj.instance_id}"


class ReadQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE  # e.g. a player's cache-busting parameter

    instance_id = fields.Integer(validate=validate.Range(min=1, max=MAX_ID), metadata={"description": "log and serve the read for this instance only"})
