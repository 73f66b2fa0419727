"""A form file nested deeper than the parser can follow is a 400 naming the file, not a 500 (issue 8 item 6), at
validation and at deploy; so are deeply nested components."""
from __future__ import annotations

import pytest

from tests.api.helpers import upload


def _nested_components(depth: int) -> bytes:
    inner = '{"type": "textfield", "key": "x", "label": "x"}'
    head = "".join(f'{{"type": "group", "id": "g{i}", "components": [' for i in range(depth))
    return f'{{"type": "default", "id": "deep", "components": [{head}{inner}{"]}" * depth}]}}'.encode()


@pytest.mark.parametrize("route", ["/api/v1/definitions/validate", "/api/v1/definitions"])
@pytest.mark.parametrize("content", [b"[" * 5000, b'{"a":' * 3000 + b"1" + b"}" * 3000, _nested_components(480),
                                     _nested_components(2000)], ids=["lists", "objects", "components", "deeper"])
def test_a_deeply_nested_form_is_refused__definitions_input(http, route, content):
    resp = upload(http, route, {"deep.form": content})
    assert resp.status_code == 400, resp.get_data(as_text=True)[:300]
    problems = resp.get_json()["errors"]["problems"]
    assert problems and all(p["file"] == "deep.form" for p in problems), problems
