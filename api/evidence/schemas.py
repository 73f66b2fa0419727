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

from engine import clock

from ..inputs import MAX_ID, AwareDateTime, text_problem
from ..models.types import as_utc, utc_iso

KINDS = ("audio_video", "photo", "document")
CLOCK_SKEW = timedelta(minutes=5)
#: the longest recording one item may declare (24 hours, in seconds)
MAX_DURATION = 24 * 3600


def not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError("must not be blank")



def _text_problem_in(value: Any, depth: int = 0) -> str | None:
    """Why a text in ``value`` (a string, or lists and objects of them, keys included) cannot be stored, or None."""
    if isinstance(value, str):
        return text_problem(value)
    if depth > 40:
        return None  # deeper than the schema reads: refused there
    if isinstance(value, dict):
        items: list[Any] = [*value.keys(), *value.values()]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        return None
    return next((p for item in items if (p := _text_problem_in(item, depth + 1))), None)


class PauseSchema(Schema):
    class Meta:
        unknown = RAISE

    at = AwareDateTime(required=True, default_timezone=UTC,
                              metadata={"description": "when recording paused (no offset = UTC)"})
    reason = fields.String(required=True, validate=[not_blank, validate.Length(max=500)],
                           metadata={"description": "why (technical reasons only; docs/DOMAIN.md §2.3)"})
    resumed_at = AwareDateTime(default_timezone=UTC,
                               metadata={"description": "when recording resumed (no offset = UTC); without it the "
                                                        "pause's length is reported as unknown"})


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
    duration_seconds = fields.Integer(strict=False, validate=validate.Range(min=1, max=MAX_DURATION),
                                      metadata={"description": "audio_video only: the recording's playing time in "
                                                               "seconds, pauses not included (at most 24 hours)"})
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
        problems = {str(key): [problem] for key, value in out.items()
                    if key != "file" and (problem := _text_problem_in(value))}
        if problems:  # a NUL or a lone surrogate (JSON's "\ud800") anywhere: it cannot be stored, nor looked up
            raise ValidationError(problems)
        return {key: value for key, value in out.items() if not (isinstance(value, str) and value == "") and value != [""]}

    @validates_schema(skip_on_field_errors=False)
    def _by_kind(self, data: dict[str, Any], **kwargs: Any) -> None:
        errors: dict[str, list[str]] = {}
        kind = data.get("kind")
        captured = data.get("captured_at")
        latest = clock.now() + CLOCK_SKEW  # the request's instant (engine/clock.py), as the ledger's movements
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
            else:
                problems = _pause_problems(as_utc(captured), pauses, data.get("duration_seconds"), latest)
                if problems:
                    errors["pauses"] = problems
        if data.get("duration_seconds") is not None and kind != "audio_video":
            errors["duration_seconds"] = ["only audio_video recordings have a duration"]
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


def _pause_problems(captured: datetime, pauses: list[dict[str, Any]], duration: int | None,
                    latest: datetime) -> list[str]:
    """What is wrong with the pauses' times: each resumes after it began and not in the future, none begins
    before the one before it resumed (pauses are listed in order and do not overlap), and with a declared
    ``duration`` none begins after the recording ended (capture start + recorded time + the pauses before it)."""
    problems: list[str] = []
    previous_end: datetime | None = None
    paused = timedelta(0)
    lengths_known = True
    for i, pause in enumerate(pauses):
        at = pause.get("at")
        if not isinstance(at, datetime):
            return problems
        at = as_utc(at)
        resumed = pause.get("resumed_at")
        resumed = as_utc(resumed) if isinstance(resumed, datetime) else None
        if resumed is not None and not at < resumed <= latest:
            problems.append(f"pause {i}: resumed_at must be after its at and not in the future")
        if previous_end is not None and at < previous_end:
            problems.append(f"pause {i}: begins before pause {i - 1} ended (list pauses in order, without overlap)")
        if duration is not None and lengths_known and at > captured + timedelta(seconds=duration) + paused:
            problems.append(f"pause {i}: begins after the recording ended (captured_at + duration_seconds + the "
                            "pauses before it)")
        previous_end = resumed or at
        if resumed is None:
            lengths_known = False
        elif resumed > at:
            paused += resumed - at
    return problems


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
    duration_seconds = fields.Integer(allow_none=True, metadata={"description": "null: not recorded (unknown)"})
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


class AVAnalysisSchema(Schema):
    """A case's A/V analysis (api/services/av_analysis.py; times UTC ISO 8601, lengths in seconds, ``null`` where
    a length was not recorded — never guessed)."""

    instance_id = fields.Integer()
    tolerance_seconds = fields.Integer(metadata={"description": "captures further than this from their task's "
                                                                "window are flagged"})
    recordings = fields.List(fields.Dict(), metadata={
        "description": "per audio_video item: duration_seconds, duration (recorded|unknown), ended_at, pauses "
                       "[{at, resumed_at, seconds, reason}], pause_count, paused_seconds, pauses_unknown, task "
                       "{position: before_opened|while_open|after_completed|no_task, gap_seconds, flagged, "
                       "opened_at, completed_at}, device_at_start / device_at_end {at, checked_out_to, "
                       "case_officer}, device_in_ledger"})
    totals = fields.Dict(metadata={"description": "recordings, duration_seconds (known), durations_unknown, pauses, "
                                                  "paused_seconds (known), pauses_unknown"})
    per_act = fields.List(fields.Dict(), metadata={"description": "each task with an actKind or a recording: "
                                                                  "needs_av, state and its recordings' totals"})
    acts_without_av = fields.List(fields.Dict(), metadata={
        "description": "acts that needed A/V with none attached (state ready: still open; completed: a finding)"})
    devices = fields.List(fields.Dict())
    overlaps = fields.List(fields.Dict(), metadata={"description": "pairs of recordings whose times overlap"})
    findings = fields.List(fields.Dict(), metadata={
        "description": "code: act_without_av, captured_long_before_task, captured_long_after_task, "
                       "not_attached_to_task, device_not_held_by_case_officer, device_not_in_ledger, "
                       "same_device_overlap, duration_unknown, pause_length_unknown"})
    finding_counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    has_gaps = fields.Boolean()
