"""The task page's form helpers: labels instead of codes in form-js text, field messages in the page's language,
and the plain HTML post (the no-JS fallback) turned into typed data. Validation stays the server's
(engine/forms.py through the task service): nothing here decides whether data is valid."""
from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from werkzeug.datastructures import MultiDict

from engine.clock import BEIJING
from engine.forms import CHOICE_TYPES, input_components

_TEMPLATE_KEY = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_YES_NO = {"zh": ("是", "否"), "en": ("Yes", "No")}
_LIST_SEP = {"zh": "、", "en": ", "}


def _number(raw: str) -> Any:
    try:
        value = float(raw)
    except ValueError:
        return raw  # the schema reports it
    return int(value) if value.is_integer() else value


def parse_submission(form: dict[str, Any], posted: MultiDict) -> dict[str, Any]:
    """The no-JS fallback: an HTML form post as form-js would submit it."""
    data: dict[str, Any] = {}
    for comp in input_components(form):
        key, kind = comp["key"], comp.get("type")
        if comp.get("disabled") or comp.get("readonly"):
            continue
        if kind == "checkbox":
            data[key] = posted.get(key) == "on"
        elif kind in ("checklist", "taglist"):
            data[key] = posted.getlist(key)
        elif kind == "number":
            raw = posted.get(key, "").strip()
            if raw:
                data[key] = _number(raw)
        else:
            raw = posted.get(key, "")
            if raw != "":
                data[key] = raw
    return data


# -- labels, not codes ---------------------------------------------------------------------------------------

def _components(scope: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for c in scope.get("components") or []:
        if isinstance(c, dict):
            yield c
            if c.get("type") == "group":
                yield from _components(c)


def choice_labels(forms: Iterable[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """key → {value → label} of every choice field with fixed options in ``forms`` (the first label wins)."""
    labels: dict[str, dict[str, str]] = {}
    for form in forms:
        for c in _components(form if isinstance(form, dict) else {}):
            if c.get("type") in CHOICE_TYPES and c.get("key") and isinstance(c.get("values"), list):
                table = labels.setdefault(c["key"], {})
                for option in c["values"]:
                    if isinstance(option, dict) and "value" in option:
                        table.setdefault(str(option["value"]), str(option.get("label") or option["value"]))
    return labels


def _beijing_time(text: str) -> str | None:
    """An ISO timestamp with an offset, as Beijing local time; None for anything else."""
    if "T" not in text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def display(value: Any, key: str, labels: dict[str, dict[str, str]], lang: str) -> str:
    """A value as the user reads it: the option's label, 是/否, Beijing time, a list joined; '' for nothing."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _YES_NO.get(lang, _YES_NO["zh"])[0 if value else 1]
    if isinstance(value, list | tuple):
        return _LIST_SEP.get(lang, "、").join(display(v, key, labels, lang) for v in value)
    if isinstance(value, dict):
        return ""  # structured data is shown by its own panel, never as a Python dict
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        value = value.isoformat()
    text = str(value)
    label = labels.get(key, {}).get(text)
    if label is not None:
        return label
    return _beijing_time(text) or text


#: markdown's punctuation: a backslash before each makes it a literal character
_MD_PUNCTUATION = re.compile(r"([\\`*_\[\]()#+\-.!|~:/])")  # ":" and "/" too: no autolinked URL
_HTML_CHARS = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "{": "&#123;", "}": "&#125;"}


def as_literal(value: str) -> str:
    """``value`` as literal text inside form-js markdown: no HTML (``<``, ``&``), no markdown (links, headings,
    emphasis, lists) and no template (``{{``) of its own — what a user typed is shown, never rendered; its line
    breaks stay line breaks."""
    escaped = _MD_PUNCTUATION.sub(r"\\\1", str(value))
    escaped = "".join(_HTML_CHARS.get(ch, ch) for ch in escaped)
    return escaped.replace("\r\n", "\n").replace("\n", "  \n")


def fill_texts(form: dict[str, Any], values: dict[str, Any], labels: dict[str, dict[str, str]],
               lang: str) -> dict[str, Any]:
    """A copy of ``form`` whose text components show case data ({{key}}) as labels (form-js would show codes)."""

    def fill(text: str) -> str:
        return _TEMPLATE_KEY.sub(
            lambda m: as_literal(display(values.get(m.group(1)), m.group(1), labels, lang)), text)

    def walk(scope: dict[str, Any]) -> dict[str, Any]:
        out = dict(scope)
        if out.get("type") == "text" and isinstance(out.get("text"), str) and not out["text"].startswith("="):
            out["text"] = fill(out["text"])
        if isinstance(out.get("components"), list):
            out["components"] = [walk(c) if isinstance(c, dict) else c for c in out["components"]]
        return out

    return walk(form)


# -- field messages in the page's language ------------------------------------------------------------------

#: (pattern of a server or form-js message, zh, en); groups fill {0}, {1}
MESSAGES: tuple[tuple[re.Pattern[str], str, str], ...] = tuple((re.compile(p), zh, en) for p, zh, en in (
    (r"^(Missing data for required field\.|Field is required\.)$", "此项为必填项", "This field is required"),
    (r"^Not a valid (number|integer)\.$|^Value is not a number\.$", "请输入有效的数字", "Enter a valid number"),
    (r"^Value is expected to be an integer\.$", "请输入整数", "Enter a whole number"),
    (r"^Not a valid date\.$", "请输入有效的日期", "Enter a valid date"),
    (r"^Not a valid datetime\.$", "请输入有效的日期和时间", "Enter a valid date and time"),
    (r"^Not a valid time\.$", "请输入有效的时间", "Enter a valid time"),
    (r"^Not a valid boolean\.$", "请选择是或否", "Choose yes or no"),
    (r"^Not a valid string\.$", "请输入文字", "Enter text"),
    (r"^Not a valid list\.$", "请选择选项", "Choose options"),
    (r"^Unknown field\.$", "表单中没有此项", "Not a field of this form"),
    (r"^read-only field$", "此项为只读，不能修改", "This field is read-only"),
    (r"^(?:Must have at most|Field must have maximum length of) (\d+)(?: characters)?\.$",
     "最多 {0} 个字", "At most {0} characters"),
    (r"^(?:Must have at least|Field must have minimum length of) (\d+)(?: characters)?\.$",
     "至少 {0} 个字", "At least {0} characters"),
    (r"^Must be one of: .*$|^not offered: .*$", "请从给出的选项中选择", "Choose one of the options offered"),
    (r"^(?:Must match pattern|Field must match pattern) .*$", "格式不正确", "The format is not right"),
    (r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$",
     "须在 {0} 至 {1} 之间", "Must be between {0} and {1}"),
    (r"^(?:Must be greater than or equal to|Field must have minimum value of) (\S+?)\.?$", "不得小于 {0}",
     "Must be at least {0}"),
    (r"^(?:Must be less than or equal to|Field must have maximum value of) (\S+?)\.?$", "不得大于 {0}",
     "Must be at most {0}"),
    (r"^must be less than 10\^16 in size .*$", "数值过大（须小于 10 的 16 次方）",
     "The number is too large (it must be less than 10^16)"),
    (r"^the year must be between (\d+) and (\d+)$", "年份须在 {0} 至 {1} 之间", "The year must be {0}-{1}"),
    (r"^(?:Not a valid email\.|Field must be a valid email\.)$", "请输入有效的电子邮箱", "Enter a valid e-mail"),
    (r"^(?:Not a valid phone\.|Field must be a valid .*phone number.*)$", "请输入有效的电话号码",
     "Enter a valid phone number"),
    (r"^not a resident ID number .*$|^the ID number's .*$", "身份证号码或统一社会信用代码不正确",
     "Not a valid resident ID number or unified social credit code"),
))


def translate(message: str, lang: str) -> str:
    """One field message in the page's language (unknown messages are shown as they are)."""
    for pattern, zh, en in MESSAGES:
        found = pattern.match(message.strip())
        if found:
            groups = [g for g in found.groups() if g is not None]
            return (zh if lang == "zh" else en).format(*groups)
    return message


def field_errors(errors: dict[str, Any], lang: str, prefix: str = "") -> dict[str, list[str]]:
    """FormDataInvalid errors (key → messages, nested for groups) flattened to dotted keys and translated."""
    out: dict[str, list[str]] = {}
    for key, value in errors.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(field_errors(value, lang, f"{path}."))
        elif isinstance(value, list | tuple):
            out[path] = [translate(str(m), lang) for m in value if not isinstance(m, dict)]
        else:
            out[path] = [translate(str(value), lang)]
    return out
