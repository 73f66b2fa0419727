"""A flask-smorest Blueprint for the evidence and equipment resources.

* Argument errors are 422 with flat ``errors`` (field -> messages): webargs nests them
  under the location (``{"form": {"kind": [...]}}``), docs/API.md promises field keys, as
  task form data gives, so :class:`engine.errors.FormDataInvalid` is raised instead.
* Location ``multipart``: files and form fields loaded by one schema, documented as one
  ``multipart/form-data`` request body (flask-smorest documents only one body per view).
"""
from __future__ import annotations

from typing import Any, NoReturn

import flask_smorest
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

from engine.errors import FormDataInvalid


class FlatErrorParser(FlaskParser):
    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def load_multipart(self, req: Any, schema: Any) -> Any:
        """Files and form fields together (a file wins over a form field of the same name)."""
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)

    def handle_error(self, error: Any, req: Any, schema: Any, *, error_status_code: int | None,
                     error_headers: Any) -> NoReturn:
        flat: dict[str, Any] = {}
        for location, messages in (error.messages or {}).items():
            if isinstance(messages, dict):
                flat.update(messages)
            else:
                flat[location] = messages
        raise FormDataInvalid(flat, "the request is invalid")


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = FlatErrorParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                             "multipart": "multipart/form-data"}
