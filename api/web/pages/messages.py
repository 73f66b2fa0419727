"""``POST /messages/translate``: engine and service messages (English, as the JSON API gives them) in the page's
language, for the scripts that show them (the modeler's validate problems, the audit page's verify problems).

The JSON API stays English; the browser asks this route to translate what it received. Pure text in, text out:
no record is read, so any logged-in user may ask (a visitor without a session gets 401)."""
from __future__ import annotations

from flask import jsonify, request

from ...security import current_user
from .. import web_blp
from ..i18n import lang, t
from ..messages import translate

#: at most this many messages of at most this many characters per call
MAX_MESSAGES = 500
MAX_LENGTH = 4000


@web_blp.route("/messages/translate", methods=["POST"])
def messages_translate():
    """``{"messages": [text, ...]}`` → ``{"lang", "messages": [translated text, ...]}`` (same order)."""
    if current_user(required=False) is None:
        return jsonify({"message": t("error_401")}), 401
    body = request.get_json(silent=True)
    messages = body.get("messages") if isinstance(body, dict) else None
    if not isinstance(messages, list) or len(messages) > MAX_MESSAGES:
        return jsonify({"message": t("messages_bad_request")}), 400
    page_lang = lang()
    out = [translate(m[:MAX_LENGTH], page_lang) if isinstance(m, str) else "" for m in messages]
    return jsonify({"lang": page_lang, "messages": out})
