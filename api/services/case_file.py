"""How the whole-process record reads for people: labels instead of codes, Beijing local time, form field labels
and choice labels from the case's own form files. Used by the case archive (案卷.html in the zip) and the audit pages
(api/web/pages/audit.py); nothing here writes."""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from engine.clock import BEIJING
from engine.roles import ROLES

from ..extensions import db
from ..models import DefinitionFile, Instance, User

#: event type -> label (zh, en); engine steps are ``engine_<kind>``
EVENT_LABELS: dict[str, dict[str, str]] = {
    "instance_started": {"zh": "立案（流程启动）", "en": "Case started"},
    "task_completed": {"zh": "办理完成", "en": "Task completed"},
    "task_claimed": {"zh": "认领任务", "en": "Task claimed"},
    "task_unclaimed": {"zh": "放回任务", "en": "Task released"},
    "evidence_uploaded": {"zh": "上传证据", "en": "Evidence uploaded"},
    "data_edited": {"zh": "数据更正", "en": "Data corrected"},
    "rewound": {"zh": "流程回退", "en": "Rewound"},
    "instance_cancelled": {"zh": "案件撤销", "en": "Case cancelled"},
    "timer_tick": {"zh": "计时检查", "en": "Timer check"},
    "deadline_confirmed": {"zh": "期限已核对", "en": "Deadlines confirmed"},
    "disclosure_published": {"zh": "公示发布", "en": "Decision published"},
    "disclosure_withheld": {"zh": "暂不公示", "en": "Publication withheld"},
    "engine_start": {"zh": "流程开始", "en": "Process started"},
    "engine_end": {"zh": "流程结束", "en": "Process ended"},
    "engine_gateway": {"zh": "网关分支", "en": "Gateway branch taken"},
    "engine_decision": {"zh": "决策表判定", "en": "Decision table evaluated"},
    "engine_script": {"zh": "自动处理", "en": "Automatic step"},
    "engine_event": {"zh": "事件", "en": "Event"},
    "engine_timer_fired": {"zh": "定时器触发", "en": "Timer fired"},
    "engine_call_activity_entered": {"zh": "进入子流程", "en": "Sub-process entered"},
    "engine_call_activity_left": {"zh": "子流程结束", "en": "Sub-process finished"},
    "archive_exported": {"zh": "导出案卷", "en": "Archive exported"},
    "supervision_export_read": {"zh": "导出供执法监督", "en": "Exported for supervision"},
}

STATUS_LABELS: dict[str, dict[str, str]] = {
    "running": {"zh": "办理中", "en": "Running"},
    "completed": {"zh": "已办结", "en": "Completed"},
    "cancelled": {"zh": "已撤销", "en": "Cancelled"},
}

YES_NO = {"zh": ("是", "否"), "en": ("Yes", "No")}
SYSTEM = {"zh": "系统", "en": "System"}


def local_time(value: datetime | str | None, with_seconds: bool = True) -> str:
    """A UTC time as Beijing local time, ``YYYY-MM-DD HH:MM[:SS]``; '' for none."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:  # stored times are UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")


def event_label(type_: str, lang: str = "zh") -> str:
    labels = EVENT_LABELS.get(type_)
    if labels:
        return labels[lang]
    if type_.endswith("_read"):
        return {"zh": "查阅记录", "en": "Read"}[lang]
    return type_.replace("_", " ")


def role_label(role: str | None, lang: str = "zh") -> str:
    if not role:
        return ""
    return ROLES.get(role, {}).get(lang, role)


def status_label(status: str, lang: str = "zh") -> str:
    return STATUS_LABELS.get(status, {}).get(lang, status)


def display_names(usernames: set[str | None]) -> dict[str, str]:
    """username -> display name (the users of the given names; unknown names map to themselves)."""
    wanted = {u for u in usernames if u}
    found = {u.username: u.display_name or u.username for u in db.session.scalars(
        select(User).where(User.username.in_(list(wanted))))} if wanted else {}
    return {u: found.get(u, u) for u in wanted}


def person(username: str | None, names: dict[str, str], lang: str = "zh") -> str:
    if not username or username == "system":
        return SYSTEM[lang]
    return names.get(username, username)


# --- forms: field labels and choice labels --------------------------------------------------------------------------

Field = dict[str, Any]  # {"label": str, "options": {value: label}}


def form_fields(files: dict[str, bytes]) -> dict[str, dict[str, Field]]:
    """form key -> field key -> its label and choice labels, from the ``.form`` files of a case's manifest."""
    out: dict[str, dict[str, Field]] = {}
    for name, content in files.items():
        if name.endswith(".dmn"):  # a decision's outputs are case data too: their labels
            out[f"dmn:{name}"] = _dmn_outputs(content)
        if not name.endswith(".form"):
            continue
        try:
            form = json.loads(content)
        except ValueError:
            continue
        fields = out.setdefault(name[: -len(".form")], {})

        def walk(components: list[dict[str, Any]], fields: dict[str, Field]) -> None:
            for comp in components:
                if comp.get("components"):
                    walk(comp["components"], fields)
                if comp.get("key"):
                    options = {str(v.get("value")): str(v.get("label") or v.get("value"))
                               for v in comp.get("values") or [] if isinstance(v, dict)}
                    fields[comp["key"]] = {"label": comp.get("label") or comp["key"], "options": options,
                                           "type": comp.get("type")}

        walk(form.get("components") or [], fields)
    return out


def _dmn_outputs(content: bytes) -> dict[str, Field]:
    from engine.xml import parse

    try:
        root = parse(content).getroot()
    except Exception:  # noqa: BLE001 - a file that does not parse has no labels to give
        return {}
    return {out.get("name"): {"label": out.get("label") or out.get("name"), "options": {}}
            for out in root.iter("{*}output") if out.get("name")}


def all_fields(forms: dict[str, dict[str, Field]]) -> dict[str, Field]:
    """Every field of every form by key (the first form naming a key gives its label): case data keys."""
    merged: dict[str, Field] = {}
    for name in sorted(forms):
        for key, field in forms[name].items():
            merged.setdefault(key, field)
    return merged


def manifest_files(instance: Instance) -> dict[str, bytes]:
    """The definition files the case started on (filename -> content)."""
    manifest = instance.manifest or {}
    rows = {f.sha256: f for f in db.session.scalars(
        select(DefinitionFile).where(DefinitionFile.sha256.in_(list(manifest.values()))))}
    return {name: rows[sha].content for name, sha in manifest.items() if sha in rows}


def show(value: Any, field: Field | None = None, lang: str = "zh") -> str:
    """A value as a person reads it: yes/no for booleans, a choice's label for its code, lists joined."""
    options = (field or {}).get("options") or {}
    if isinstance(value, bool):
        return YES_NO[lang][0 if value else 1]
    if value is None:
        return ""
    if isinstance(value, list):
        return "、".join(show(v, field, lang) for v in value) if lang == "zh" else \
            ", ".join(show(v, field, lang) for v in value)
    if isinstance(value, dict):
        sep = "：" if lang == "zh" else ": "
        return "；".join(f"{k}{sep}{show(v, None, lang)}" for k, v in value.items()) if lang == "zh" else \
            "; ".join(f"{k}{sep}{show(v, None, lang)}" for k, v in value.items())
    text = str(value)
    return options.get(text, text)


def labelled(values: dict[str, Any], fields: dict[str, Field], lang: str = "zh") -> list[tuple[str, str]]:
    """(label, shown value) of every key of ``values``, labels from ``fields`` (the key itself when unknown)."""
    return [(str((fields.get(k) or {}).get("label") or k), show(v, fields.get(k), lang)) for k, v in values.items()]


# --- the case file (案卷): its documents ----------------------------------------------------------------------------

#: events that are documents of the case file besides the completed tasks
DOCUMENT_EVENTS = ("instance_started", "data_edited", "rewound", "instance_cancelled", "disclosure_published")


def documents(events: list[Any], forms: dict[str, dict[str, Field]], evidence: list[Any], names: dict[str, str],
              lang: str = "zh") -> list[dict[str, Any]]:
    """The case file's documents (卷内文件) in order: each completed task with its submitted fields, the start,
    corrections, rewinds, cancellation and publication, then the evidence items."""
    every = all_fields(forms)
    docs = []
    for ev in events:
        data = ev.data or {}
        if ev.type == "task_completed":
            fields = forms.get(data.get("form_key") or "", {})
            docs.append({"title": data.get("name") or ev.element_id, "at": local_time(ev.at),
                         "by": person(ev.actor, names, lang), "role": role_label(ev.role, lang), "sha256": ev.hash,
                         "fields": labelled(data.get("submitted") or {}, {**every, **fields}, lang)})
        elif ev.type in DOCUMENT_EVENTS:
            docs.append({"title": event_label(ev.type, lang), "at": local_time(ev.at),
                         "by": person(ev.actor, names, lang), "role": role_label(ev.role, lang), "sha256": ev.hash,
                         "fields": event_fields(data, every, lang)})
    for item in evidence:
        title = item.title or item.filename or item.sha256[:12]
        docs.append({"title": f"{_EVIDENCE[lang]}{title}（{item.media_type}）" if lang == "zh"
                     else f"{_EVIDENCE[lang]}{title} ({item.media_type})",
                     "at": local_time(item.captured_at or item.uploaded_at), "by": person(item.uploaded_by, names, lang),
                     "role": "", "sha256": item.sha256,
                     "fields": labelled(_evidence_metadata(item), _EVENT_FIELDS[lang], lang)})
    return docs


_EVIDENCE = {"zh": "证据：", "en": "Evidence: "}
#: labels of the keys events record themselves (not form fields)
_EVENT_FIELDS: dict[str, dict[str, Field]] = {
    lang: {key: {"label": labels[i], "options": {}} for key, labels in {
        "definition_key": ("流程", "Process"), "version": ("流程版本", "Version"), "data": ("立案数据", "Start data"),
        "changes": ("更正内容", "Changes"), "before": ("更正前", "Before"), "after": ("更正后", "After"),
        "reason": ("理由", "Reason"), "element_id": ("回退到", "Back to"), "open_tasks": ("未办任务", "Open tasks"),
        "kind": ("类别", "Kind"), "captured_at": ("采集时间", "Captured at"), "place": ("地点", "Place"),
        "device_id": ("设备", "Device"), "officers": ("执法人员", "Officers"),
        "opening_statement": ("开场陈述", "Opening statement"), "pauses": ("中断", "Pauses"),
        "title": ("标题", "Title"), "disclosure_id": ("公示编号", "Disclosure"),
    }.items()} for i, lang in enumerate(("zh", "en"))}


def event_fields(data: dict[str, Any], every: dict[str, Field], lang: str = "zh") -> list[tuple[str, str]]:
    """What an event records, labelled; a correction's changes as "before → after" per field."""
    # the calendar versions a step ran on are the replay's input, not part of the document (history, archive JSON)
    skip = ("manifest", "org_id", "unit_id", "changes", "process_id", "name", "calendar_versions")
    fields = labelled({k: v for k, v in data.items() if k not in skip}, {**every, **_EVENT_FIELDS[lang]}, lang)
    for key, change in (data.get("changes") or {}).items():
        field = every.get(key)
        before, after = (change.get("before"), change.get("after")) if isinstance(change, dict) else (None, change)
        fields.append((str((field or {}).get("label") or key), f"{show(before, field, lang)} → {show(after, field, lang)}"))
    return fields


def _evidence_metadata(item: Any) -> dict[str, Any]:
    meta = {k: v for k, v in item.metadata_dict().items() if v and k not in ("task_id", "filename", "title")}
    if meta.get("captured_at"):
        meta["captured_at"] = local_time(meta["captured_at"])
    return meta
