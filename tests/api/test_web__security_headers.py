"""Every answer forbids framing (clickjacking: a framed admin page clicked through a decoy deactivated a user) and
loads images from this origin only; a route's own policy (``sandbox`` on a stored file) keeps its own and gains
``frame-ancestors``."""
from __future__ import annotations

from api.web.forms import as_literal, fill_texts
from tests.api.helpers import web_login


def test_no_page_or_answer_can_be_framed(app):
    client = app.test_client()
    web_login(client, "admin")
    for url in ("/login", "/inbox", "/admin/users", "/public", "/api/v1/me", "/api/docs", "/no-such-page",
                "/processes/bpmn/recording/versions/1/file"):
        resp = client.get(url)
        assert resp.headers.get("X-Frame-Options") == "DENY", url
        policy = resp.headers.get("Content-Security-Policy", "")
        assert "frame-ancestors 'none'" in policy, (url, policy)
    stored = client.get("/processes/bpmn/recording/versions/1/file")
    assert "sandbox" in stored.headers["Content-Security-Policy"]
    assert stored.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "img-src 'self'" in client.get("/inbox").headers["Content-Security-Policy"]


def test_typed_values_become_literal_text_in_form_markdown():
    form = {"components": [{"type": "text", "text": "**案件：** {{case_title}}"}]}
    hostile = '<a id="task-submit" href="https://e.example/">x</a> [l](https://e.example) {{{ 1 }}} # h\n1. li'
    text = fill_texts(form, {"case_title": hostile}, {}, "zh")["components"][0]["text"]
    assert text.startswith("**案件：** ")  # the form's own markdown stays
    shown = text[len("**案件：** "):]
    assert "<" not in shown and "{{" not in shown and "](" not in shown and "://" not in shown
    assert "\\#" in shown and "\\[" in shown
    assert as_literal("a\nb") == "a  \nb"  # a typed line break stays a line break
