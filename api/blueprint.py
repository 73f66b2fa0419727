"""The one Blueprint class of every resource package (flask-smorest's, with the project's argument parser).

* Argument errors are 422 with flat ``errors`` (field -> messages): webargs nests them
  under the location (``{"form": {"kind": [...]}}``), docs/API.md promises field keys, as
  task form data gives, so :class:`engine.errors.FormDataInvalid` is raised instead.
* Location ``multipart``: files and form fields loaded by one schema, documented as one
  ``multipart/form-data`` request body (flask-smorest documents only one body per view).
"""
from __future__ import annotations

from typing import Any, NoReturn

import flask_smorest
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.datastructures import CombinedMultiDict

from engine.errors import FormDataInvalid

from .inputs import filename_problem, text_problem


class FlatErrorParser(FlaskParser):
    __location_map__ = {**FlaskParser.__location_map__, "multipart": "load_multipart"}

    def load_multipart(self, req: Any, schema: Any) -> Any:
        """Files and form fields together (a file wins over a form field of the same name).

        A field or file name with a NUL character or a lone surrogate is refused (422 naming it), as the JSON
        body check does for JSON (api/inputs.py): PostgreSQL cannot store it.
        """
        errors: dict[str, list[str]] = {}
        for key, value in req.form.items(multi=True):
            problem = text_problem(key) or text_problem(value)
            if problem:
                errors.setdefault(key, []).append(problem)
        for key, storage in req.files.items(multi=True):
            problem = filename_problem(storage.filename or "")
            if problem:
                errors.setdefault(key, []).append(f"file name {problem}")
        if errors:
            raise FormDataInvalid(errors, "the request is invalid: " + ", ".join(errors))
        return self._makeproxy(CombinedMultiDict([req.files, req.form]), schema)

    def _raw_load_json(self, req: Any) -> Any:
        """The JSON body as the input check parsed it (api/inputs.py: ``-0.0`` read as 0.0), not parsed again."""
        checked = getattr(req, "_cached_json", (Ellipsis, Ellipsis))[0]  # werkzeug's "not parsed yet" is Ellipsis
        if checked is not Ellipsis and is_json_request(req):
            return checked
        return super()._raw_load_json(req)

    def handle_error(self, error: Any, req: Any, schema: Any, *, error_status_code: int | None,
                     error_headers: Any) -> NoReturn:
        flat: dict[str, Any] = {}
        for location, messages in (error.messages or {}).items():
            if isinstance(messages, dict):
                flat.update(messages)
            else:
                flat[location] = messages
        raise FormDataInvalid(_str_keys(flat), "the request is invalid: " + ", ".join(map(str, flat)))


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = FlatErrorParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**flask_smorest.Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                             "multipart": "multipart/form-data"}


def _str_keys(value: Any) -> Any:
    """Error messages with every key a string: marshmallow keys a list item's errors by its index (an int) and a
    schema-level error on the same field by "_schema", and a JSON body cannot sort int and str keys together."""
    if isinstance(value, dict):
        return {str(key): _str_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_str_keys(item) for item in value]
    return value
