"""Personal data never reaches the server log.

Three layers:

* ``hide_parameters=True`` in SQLALCHEMY_ENGINE_OPTIONS (api/config.py): a database error's text carries the
  statement, never its values;
* the error handlers (api/errors.py, api/inputs.py) answer database conflicts and refusals without logging them,
  and nothing logs a request body;
* :class:`RedactPersonalData`, installed on the app's logger and werkzeug's request log, passes every message and
  every formatted traceback through the public masking rules (engine/masking.py: ID numbers, phone numbers, ...)
  — so an exception whose message quotes case data (a 500's traceback) is logged masked.
"""
from __future__ import annotations

import logging
import re

from flask import Flask

from engine.masking import mask_text

#: the query string of a request line in werkzeug's access log ("GET /public/disclosures?q=张三 HTTP/1.1"): a search
#: for a name must not leave the name in the log, so the query is dropped (the path stays)
#: (werkzeug colours the request of a non-2xx line in a terminal: ANSI escapes may come first)
QUERY = re.compile(r'(?<=")((?:\x1b\[[0-9;]*m)*[A-Z]+ [^ ?"]*)\?[^ "]*')


class RedactPersonalData(logging.Filter):
    """Mask personal data in a record's message and traceback (the record is changed in place)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is logged as it is
            return True
        if record.name == "werkzeug":
            message = QUERY.sub(r"\1?…", message)
        record.msg, record.args = mask_text(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True


def install(app: Flask) -> None:
    """Put the filter on the app's logger and on werkzeug's request log (once per logger)."""
    for logger in (app.logger, logging.getLogger("werkzeug")):
        if not any(isinstance(f, RedactPersonalData) for f in logger.filters):
            logger.addFilter(RedactPersonalData())
