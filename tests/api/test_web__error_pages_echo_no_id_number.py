"""An error page never shows an ID number the visitor typed into the address whole (as the API's error bodies
do not): a task, case or page that does not exist, in Chinese and in English."""
from __future__ import annotations

import pytest

from tests.api.helpers import web_login

ID = "110101199003074578"  # a valid check digit


@pytest.mark.parametrize("path", [f"/tasks/{ID}", f"/cases/{ID}", f"/audit/{ID}", f"/nothing/{ID}",
                                  f"/public/disclosures/{ID}"])
@pytest.mark.parametrize("lang", ["", "?lang=en"])
def test_an_error_page_does_not_echo_a_typed_id_number(app, path, lang):
    client = app.test_client()
    assert web_login(client, "auditor1").status_code in (302, 303)
    resp = client.get(path + lang)
    assert resp.status_code >= 400, (path, resp.status_code)
    assert ID not in resp.get_data(as_text=True), (path, lang)
