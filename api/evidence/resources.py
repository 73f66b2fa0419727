from __future__ import annotations

import io
import json
import mimetypes
import os
import unicodedata
from urllib.parse import quote

from flask import Response, current_app, jsonify, request
from flask.views import MethodView
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import RequestedRangeNotSatisfiable, RequestEntityTooLarge
from werkzeug.http import parse_etags
from werkzeug.wsgi import wrap_file

from engine.errors import StateConflict

from .. import permissions
from ..errors import error_body
from ..extensions import db
from ..security import client_addr, current_user
from ..services import av_analysis, evidence_store
from ..services import evidence as service
from . import blp
from .schemas import AVAnalysisSchema, EvidenceItemSchema, EvidenceUploadSchema, ReadQuerySchema

#: room for the metadata fields and multipart framing on top of the file itself
FORM_SLACK = 1 << 20
READ_RETRIES = 3


def _too_large(message: str | None = None, errors: dict | None = None):
    limit = current_app.config["EVIDENCE_MAX_BYTES"]
    detail = f"the file is larger than the limit of {limit} bytes"
    return jsonify(error_body(413, message or f"file: {detail}", errors or {"file": [detail]})), 413


@blp.before_request
def _login_and_limit():
    """Log in first (401/403 before any parsing), and bound what an upload may make the server read."""
    current_user()
    if request.method == "POST":
        permissions.require("evidence.upload")
        limit = int(current_app.config["EVIDENCE_MAX_BYTES"]) + FORM_SLACK
        request.max_content_length = limit
        if request.content_length is not None and request.content_length > limit:
            return _too_large()
    return None


@blp.errorhandler(RequestEntityTooLarge)
def _request_too_large(exc):  # noqa: ARG001
    return _too_large()


@blp.errorhandler(service.EvidenceTooLarge)
def _file_too_large(exc: service.EvidenceTooLarge):
    return _too_large(exc.message, exc.errors)


@blp.errorhandler(RequestedRangeNotSatisfiable)
def _bad_range(exc: RequestedRangeNotSatisfiable):
    asked = request.headers.get("Range", "")
    why = "only one range is served per request" if "," in asked else "it cannot be served from this file"
    body = error_body(416, f"the range {asked!r}: {why}", {"Range": [why]})
    headers = {"Content-Range": f"bytes */{exc.length}"} if exc.length is not None else {}
    return jsonify(body), 416, headers


def _conditional(response: Response, sha256: str, length: int) -> Response | None:
    """``response`` made conditional to the request (Range → 206, If-None-Match → 304), or None when an
    ``If-Match`` names another file (412: the caller answers with the error body, none of the file's bytes).

    ``If-Match`` is evaluated first, as RFC 9110 §13.2.2 orders it (werkzeug skipped it on a Range request and
    counted ``*`` a mismatch); a ``Range`` in a unit other than bytes is ignored (§14.2); the ``Date`` header is
    left to the server (gunicorn adds one whatever the app set).
    """
    environ = request.environ
    if_match = parse_etags(environ.get("HTTP_IF_MATCH"))
    if environ.get("HTTP_IF_MATCH", "").strip() and not (if_match.star_tag or if_match.is_strong(sha256)):
        return None
    unit = environ.get("HTTP_RANGE", "").partition("=")[0].strip(" \t").lower()
    ignored = {"HTTP_IF_MATCH"} | ({"HTTP_RANGE"} if unit and unit != "bytes" else set())
    response.make_conditional({key: value for key, value in environ.items() if key not in ignored},
                              accept_ranges=True, complete_length=length)
    response.headers.pop("Date", None)
    return response


def _precondition_failed(sha256: str) -> Response:
    message = f"If-Match does not name evidence file {sha256} (its entity tag is its sha256); nothing is served"
    return Response(json.dumps(error_body(412, message, {"If-Match": [message]})), 412,
                    mimetype="application/json")


def _send_stored(file: io.BufferedReader, sha256: str, media_type: str, name: str) -> Response:
    """A stored file through the handle its check read (never reopened by path), as ``send_file`` would serve
    it: streamed, conditional, Range → 206."""
    length = os.fstat(file.fileno()).st_size
    response = Response(wrap_file(request.environ, file), mimetype=media_type, direct_passthrough=True)
    response.content_length = length
    response.headers.set("Content-Disposition", "inline", **_disposition(name))
    response.set_etag(sha256)
    if _conditional(response, sha256, length) is None:
        file.close()
        return _precondition_failed(sha256)
    return response


def _send_object(reader, sha256: str, media_type: str, name: str) -> Response:
    """The object store's bytes as ``send_file`` would serve a file: streamed, conditional, Range → 206.

    ``reader`` is pinned to the object whose hash the read checked; its first GET is sent before the response is
    returned, so an object replaced since the check is refused (409) with nothing of it served, and one replaced
    later fails the stream rather than be read (the ETag/version pin).
    """
    response = Response(wrap_file(request.environ, reader), mimetype=media_type, direct_passthrough=True)
    response.content_length = reader.length
    response.headers.set("Content-Disposition", "inline", **_disposition(name))  # as send_file names a file
    response.set_etag(sha256)
    if _conditional(response, sha256, reader.length) is None:
        reader.close()
        return _precondition_failed(sha256)
    if request.method != "HEAD" and response.status_code in (200, 206):
        try:
            reader.start()
        except (evidence_store.ObjectChanged, FileNotFoundError):
            reader.close()
            raise StateConflict(f"evidence file {sha256} changed in the store after its sha256 was checked; it "
                                "is not served, the read was logged, tell the administrator") from None
    return response


def _disposition(name: str) -> dict[str, str]:
    try:
        name.encode("ascii")
        return {"filename": name}
    except UnicodeEncodeError:
        simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
        return {"filename": simple, "filename*": f"UTF-8''{quote(name, safe='!#$&+^`|~')}"}


@blp.route("/instances/<int:instance_id>/evidence")
class InstanceEvidence(MethodView):
    @blp.response(200, EvidenceItemSchema(many=True))
    def get(self, instance_id):
        """The instance's evidence items (metadata; reading a file is logged)."""
        permissions.open_case(instance_id, "evidence.read", what="evidence_list")
        return service.items_of(instance_id)

    @blp.arguments(EvidenceUploadSchema, location="multipart")
    @blp.response(201, EvidenceItemSchema)
    @blp.alt_response(200, schema=EvidenceItemSchema,
                      description="the same file with the same metadata is already recorded (a retry)")
    def post(self, meta, instance_id):
        """Upload a file with its capture metadata (officer or admin).

        400/413 naming `file` (type, size), 422 invalid metadata, 403 rule `equipment_ledger` when an
        audio_video item's device was not checked out to an officer of the case at `captured_at`.
        """
        permissions.open_case(instance_id, "evidence.upload")
        storage = meta.pop("file")
        item, created = service.upload(instance_id, storage.stream, storage.filename, storage.content_type,
                                       meta, current_user(), client_addr())
        db.session.commit()
        return item, 201 if created else 200


@blp.route("/instances/<int:instance_id>/av-analysis")
class InstanceAVAnalysis(MethodView):
    @blp.response(200, AVAnalysisSchema)
    def get(self, instance_id):
        """The case's A/V analysis: durations, pauses with reasons, capture against task, devices, acts without
        A/V, overlaps (who may read the case's evidence; recorded on its access stream as ``av_analysis_read``)."""
        _, instance, _ = permissions.open_case(instance_id, "evidence.read", what="av_analysis")
        return av_analysis.analyse(instance)


@blp.route("/evidence/<sha256>")
class EvidenceFile(MethodView):
    @blp.arguments(ReadQuerySchema, location="query")
    @blp.response(200, content_type="application/octet-stream",
                  description="the bytes, with the stored media type; single Range requests give 206")
    def get(self, args, sha256):
        """Download an evidence file (Range supported); every read is logged on the case's access stream."""
        sha256 = sha256.lower()
        source = None
        for attempt in range(READ_RETRIES):
            try:
                source, item, problem = service.read_evidence(sha256, current_user(), request.headers.get("Range"),
                                                            args.get("instance_id"), client_addr())
                db.session.commit()
                break
            except IntegrityError:  # kept local: a retry. A concurrent read took the access stream's next seq;
                # reads of one file do not conflict, so the read is retried on the new head instead of refused
                db.session.rollback()
                if source is not None:
                    source.close()
                    source = None
                if attempt == READ_RETRIES - 1:
                    raise StateConflict("the access log is busy; retry the read") from None
        if problem == "missing":
            raise StateConflict(f"evidence file {sha256} is missing from the store; the read was logged, "
                                "tell the administrator")
        if problem == "altered":
            raise StateConflict(f"evidence file {sha256} no longer matches its sha256; it is not served, "
                                "the read was logged, tell the administrator")
        name = item.filename or sha256 + (mimetypes.guess_extension(item.media_type) or "")
        if isinstance(source, io.BufferedReader):  # a stored file, opened before its check (evidence_store)
            response = _send_stored(source, sha256, item.media_type, name)
        else:
            response = _send_object(source, sha256, item.media_type, name)
        response.cache_control.private = True
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
