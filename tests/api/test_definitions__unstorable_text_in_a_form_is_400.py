"""A form whose JSON holds a NUL or a lone surrogate (the escapes ``\\u0000``, ``\\ud800``), in a value or a key,
is refused at validation and at deploy with the file, the component and the line; nothing is deployed. Found from
outside: validation said "valid" and the deploy answered 500 (the definitions event could not be stored)."""
from __future__ import annotations

import pytest

from tests.api.helpers import upload

GOOD = '{"type": "default", "id": "bad_form", "components": [\n  {"type": "textfield", "key": "x", "label": "X", "id": "f_x"}\n]}'


@pytest.mark.parametrize("bad", [GOOD.replace('"id": "f_x"', r'"id": "f\ud800"'),
                                 GOOD.replace('"label": "X"', r'"label": "X\u0000"'),
                                 GOOD.replace('"label": "X"', r'"label": "X", "\udfff": 1'),
                                 GOOD.replace('"label": "X"', r'"label": "\udc00\ud800"')],
                         ids=["id", "nul", "key", "reversed_pair"])
@pytest.mark.parametrize("route", ["/api/v1/definitions/validate", "/api/v1/definitions"])
def test_unstorable_text_in_a_form_is_refused_naming_file_and_line(http, route, bad):
    before = http.call("GET", "/api/v1/definitions", "owner1").get_json()
    resp = upload(http, route, {"bad_form.form": bad.encode()})
    assert resp.status_code in (400, 422), resp.get_data(as_text=True)[:300]
    problems = resp.get_json()["errors"]["problems"]
    assert problems and problems[0]["file"] == "bad_form.form", problems
    assert problems[0]["line"] == 2 and "cannot be stored" in problems[0]["message"], problems
    assert http.call("GET", "/api/v1/definitions", "owner1").get_json() == before


def test_a_valid_surrogate_pair_is_plain_text(http):
    resp = upload(http, "/api/v1/definitions/validate", {"ok_form.form": GOOD.replace('"X"', r'"\ud83d\ude00"')
                                                         .replace("bad_form", "ok_form").encode()})
    assert resp.status_code == 200, resp.get_json()
