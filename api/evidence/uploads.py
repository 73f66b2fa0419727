"""Resumable evidence uploads over tus 1.0 (https://tus.io/protocols/resumable-upload): for recordings of
several GB. ``POST /instances/<id>/evidence/uploads`` creates an upload, ``HEAD`` tells its offset, ``PATCH``
appends a chunk (``application/offset+octet-stream`` at ``Upload-Offset``, optionally with ``Upload-Checksum``),
``DELETE`` forgets it; ``GET`` (not tus) answers its state as JSON. The last chunk completes it: the evidence item is
recorded then, after the same checks as a one-request upload. See api/services/resumable.py and docs/API.md.
"""
from __future__ import annotations

import base64
from typing import Any

from flask import Response, current_app, g, jsonify, request
from flask.views import MethodView
from werkzeug.http import http_date

from engine.errors import StateConflict

from .. import permissions
from ..blueprint import Blueprint
from ..errors import BadRequest, error_body
from ..extensions import db
from ..models import User
from ..request_log import note_refusal
from ..security import client_addr, current_user
from ..services import resumable
from ..services.resumable import TUS_EXTENSIONS, TUS_VERSION, TusError, Upload

upload_blp = Blueprint("evidence_uploads", __name__, url_prefix="/api/v1",
                       description="Resumable evidence uploads (tus 1.0) for large recordings")

OFFSET_TYPE = "application/offset+octet-stream"


@upload_blp.before_request
def _login():
    """Log in and hold the uploader's role first (401/403 before anything is parsed); OPTIONS (tus discovery)
    is answered to anyone."""
    if request.method == "OPTIONS":
        return None
    if request.method == "DELETE":  # its uploader may end it whatever role they hold now (see UploadResource.delete)
        current_user()
        return None
    permissions.require("evidence.upload")
    request.max_content_length = 0  # nothing of a body is read until the upload's remaining length is known
    return None


@upload_blp.after_request
def _tus_headers(resp: Response) -> Response:
    resp.headers["Tus-Resumable"] = TUS_VERSION
    if request.method == "OPTIONS":
        resp.headers["Tus-Version"] = TUS_VERSION
        resp.headers["Tus-Extension"] = TUS_EXTENSIONS
        resp.headers["Tus-Max-Size"] = str(current_app.config["EVIDENCE_UPLOAD_MAX_BYTES"])
        resp.headers["Tus-Checksum-Algorithm"] = ",".join(resumable.CHECKSUMS)
    return resp


@upload_blp.errorhandler(TusError)
def _tus_error(exc: TusError):
    note_refusal(exc, exc.status)
    if exc.status == 460:
        body = error_body(460, exc.message, exc.errors, status="Checksum Mismatch")
    else:
        body = error_body(exc.status, exc.message, exc.errors)
    headers = {"Tus-Version": TUS_VERSION} if exc.status == 412 else {}
    return jsonify(body), exc.status, headers


def _state_headers(upload: Upload) -> dict[str, str]:
    headers = {"Upload-Offset": str(upload.offset), "Upload-Length": str(upload.length),
               "Upload-Expires": http_date(upload.expires_at()), "Cache-Control": "no-store"}
    if upload.evidence_id is not None:
        headers["Evidence-Id"] = str(upload.evidence_id)
        headers["Evidence-Sha256"] = str(upload.sha256)
    return headers


def _upload(upload_id: str, user: User) -> Upload:
    """The caller's upload, if they may still work its case: every request on an upload re-applies the checks of
    its creation — the case access of POST (organisation scope, role, case membership), then, while unfinished,
    the upload rules (the case still open, recusal, the named officers, the equipment ledger).

    Raises:
        NotFound: no such upload, another's, expired, or its case now outside the caller's reach. RuleViolation:
        403. StateConflict: 409 the case is closed (an unfinished upload).
    """
    upload = resumable.get(upload_id, user)
    g.log_instance_id = upload.instance_id  # the request's log line names the case (api/request_log.py)
    # an error body quoting the upload's metadata masks the phone numbers in it, as it would had they been sent now
    g.sanxiang_request_texts = [f"{k} {v}" for k, v in upload.metadata.items()]
    permissions.open_case(upload.instance_id, "evidence.upload")
    resumable.recheck(upload, user)
    return upload


def _location(upload: Upload) -> str:
    return resumable.upload_path(upload)


def _encode_metadata(metadata: dict[str, str]) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in metadata.items())


@upload_blp.route("/instances/<int:instance_id>/evidence/uploads")
class Uploads(MethodView):
    def post(self, instance_id: int):
        """Create a resumable upload (tus creation; officer or admin).

        Headers: `Tus-Resumable: 1.0.0`, `Upload-Length` (bytes, at most EVIDENCE_UPLOAD_MAX_BYTES), `Upload-Metadata`
        (`filename`, `filetype` and the evidence metadata of a one-request upload, each base64). The upload rules are
        checked now and again at completion. → 201 with `Location`; 412 without `Tus-Resumable: 1.0.0`; 413 too
        long; 422 metadata; 403 `equipment_ledger`.
        """
        user, _, _ = permissions.open_case(instance_id, "evidence.upload")
        resumable.check_version(request.headers.get("Tus-Resumable"))
        if "Upload-Defer-Length" in request.headers:
            raise BadRequest("Upload-Defer-Length is not supported: send Upload-Length",
                             {"Upload-Defer-Length": ["not supported"]})
        length = resumable.parse_length(request.headers.get("Upload-Length"))
        metadata = resumable.parse_metadata(request.headers.get("Upload-Metadata"))
        upload = resumable.create(instance_id, length, metadata, user)
        headers = {**_state_headers(upload), "Location": _location(upload)}
        headers.pop("Cache-Control")
        return Response(status=201, headers=headers)


@upload_blp.route("/evidence/uploads/<upload_id>")
class UploadResource(MethodView):
    def head(self, upload_id: str):
        """The upload's offset (tus): `Upload-Offset`, `Upload-Length`, `Upload-Metadata`; once recorded also
        `Evidence-Id` and `Evidence-Sha256`. Only its uploader sees it (404 for anyone else), and only while they
        may still work its case: every request on an upload re-applies its creation's checks (404 another bureau's
        case, 403 role / case access / recusal, 409 the case closed — an unfinished upload only)."""
        upload = _upload(upload_id, current_user())
        headers = _state_headers(upload)
        if upload.metadata:
            headers["Upload-Metadata"] = _encode_metadata(upload.metadata)
        return Response(status=200, headers=headers)

    def get(self, upload_id: str):
        """The upload's state as JSON (not part of tus): `id`, `instance_id`, `length`, `offset`, `complete` (every
        byte received), `recorded` (the evidence item recorded: a completion the rules refused is complete but not
        recorded), `evidence_id`, `sha256`, `expires_at`, `url` (the file's download once recorded)."""
        upload = _upload(upload_id, current_user())
        body: dict[str, Any] = {
            "id": upload.id, "instance_id": upload.instance_id, "length": upload.length, "offset": upload.offset,
            "complete": upload.offset == upload.length, "recorded": upload.evidence_id is not None,
            "evidence_id": upload.evidence_id, "sha256": upload.sha256,
            "expires_at": upload.expires_at().isoformat().replace("+00:00", "Z"),
            "url": (f"/api/v1/evidence/{upload.sha256}?instance_id={upload.instance_id}"
                    if upload.sha256 else None)}
        return jsonify(body), 200, {"Cache-Control": "no-store"}

    def patch(self, upload_id: str):
        """Append a chunk (tus core; `Content-Type: application/offset+octet-stream`, `Upload-Offset` = the current
        offset, optional `Upload-Checksum: sha1|sha256|md5 <base64>`). → 204 with the new `Upload-Offset`; the
        chunk that reaches `Upload-Length` records the evidence item (`Evidence-Id`, `Evidence-Sha256`) or answers
        the rule that refuses it (the bytes are kept: an empty PATCH at the end tries again). 409 wrong offset or
        a concurrent PATCH; 413 past the length; 415 other content type; 460 checksum mismatch."""
        user = current_user()
        upload = _upload(upload_id, user)
        resumable.check_version(request.headers.get("Tus-Resumable"))
        if request.mimetype != OFFSET_TYPE:
            raise TusError(415, f"Content-Type must be {OFFSET_TYPE}", {"Content-Type": [f"must be {OFFSET_TYPE}"]})
        offset = resumable.parse_offset(request.headers.get("Upload-Offset"))
        checksum = resumable.parse_checksum(request.headers.get("Upload-Checksum"))
        with resumable.writing(upload):
            upload = _upload(upload_id, user)  # as it is now that this request holds it
            if offset != upload.offset:
                raise StateConflict(f"Upload-Offset is {offset} but the upload is at {upload.offset}; send HEAD and "
                                    "resume there")
            remaining = upload.length - upload.offset
            if request.content_length is not None and request.content_length > remaining:
                raise resumable.past_length(upload)  # refused before a byte is read
            # one byte more than the upload lacks: werkzeug refuses any read of a body without Content-Length once
            # the limit is reached, even at the body's end, so a limit of exactly what is lacking refused a
            # streamed last chunk that ended there; append() refuses the byte past it itself
            request.max_content_length = remaining + 1
            # no transaction stays open while the chunk streams in (minutes for a large one, at the client's pace:
            # a server with idle_in_transaction_session_timeout ended the connection mid-chunk, a 500)
            db.session.commit()
            if remaining:
                resumable.append(upload, offset, request.stream, checksum)
            elif request.content_length or (request.content_length is None and request.stream.read(1)):
                raise resumable.past_length(upload)  # a byte past the end of a complete upload
            if upload.offset == upload.length:
                resumable.complete(upload, user, client_addr())
        return Response(status=204, headers=_state_headers(upload))

    def delete(self, upload_id: str):
        """Forget the upload and the bytes received (tus termination); an evidence item it recorded stays.

        Only its uploader may, but they may whatever became of the case since (closed, moved out of their reach):
        the bytes were never recorded, terminating them touches no case, and an upload they could no longer end
        would hold a place of their EVIDENCE_UPLOAD_MAX_OPEN until it expired."""
        upload = resumable.get(upload_id, current_user())
        g.log_instance_id = upload.instance_id
        with resumable.writing(upload):
            resumable.terminate(upload)
        return Response(status=204)

