"""The A/V analysis as the web pages show it: the section of the case page and the dashboard's bureau figures
(the numbers are those of ``GET /api/v1/instances/<id>/av-analysis`` and ``GET /api/v1/statistics/<year>/av-analysis``;
only the wording and the Beijing times are the page's)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from ...models import Instance
from ...services import av_analysis
from ..i18n import t
from .cases import local


def length(seconds: int | None) -> str:
    """Seconds as 1小时2分3秒 / 1 h 2 min 3 s; unknown when None."""
    if seconds is None:
        return t("av_unknown")
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    if h:
        return t("av_hms", h=h, m=m, s=s)
    return t("av_ms", m=m, s=s) if m else t("av_s", s=s)


def _when(value: str | None) -> str:
    return local(datetime.fromisoformat(value)) if value else ""


def _holder(held: dict[str, Any] | None) -> str:
    if held is None:
        return ""
    who = held["checked_out_to"] or t("av_holder_none")
    return who if held["case_officer"] else f"{who} ({t('av_not_case_officer')})"


def case_section(instance: Instance) -> dict[str, Any]:
    """The case page's A/V section (the caller has checked and recorded the read)."""
    report = av_analysis.analyse(instance)
    rows = []
    for r in report["recordings"]:
        where = r["task"]
        position = t(f"av_position_{where['position']}", gap=length(where.get("gap_seconds"))) \
            if where["position"] != "no_task" else t("av_no_task")
        holders = [h for h in (_holder(r["device_at_start"]), _holder(r["device_at_end"])) if h]
        rows.append({"id": r["evidence_id"], "title": r["title"] or f"#{r['evidence_id']}",
                     "captured": _when(r["captured_at"]), "duration": length(r["duration_seconds"]),
                     "pauses": [f"{_when(p['at'])} {length(p['seconds'])}（{p['reason']}）" for p in r["pauses"]],
                     "task": r["task_name"] or "", "position": position, "flagged": where["flagged"],
                     "device": r["device_id"] or "", "holders": " → ".join(dict.fromkeys(holders))})
    totals = report["totals"]
    return {
        "summary": t("av_summary", n=totals["recordings"], duration=length(totals["duration_seconds"]),
                     unknown=totals["durations_unknown"], pauses=totals["pauses"],
                     paused=length(totals["paused_seconds"]), pauses_unknown=totals["pauses_unknown"]),
        "recordings": rows,
        "without": [{"name": a["task_name"], "state": t(f"av_state_{a['state']}")} for a in report["acts_without_av"]],
        "overlaps": [{"text": t("av_overlap_row", a=o["evidence_ids"][0], b=o["evidence_ids"][1],
                                gap=length(o["seconds"])), "same_device": o["same_device"]}
                     for o in report["overlaps"]],
        "findings": [{"code": f["code"], "text": t(f"av_finding_{f['code']}"),
                      "about": f"#{f['evidence_id']}" if "evidence_id" in f else f.get("task_name", "")}
                     for f in report["findings"]],
    }


def dashboard_rows(year: int, org_id: int) -> dict[str, Any]:
    """The dashboard's A/V table for the organisation's cases started in ``year``."""
    summary = av_analysis.bureau_summary(year, org_id)
    return {**summary, "duration": length(summary["duration_seconds"]), "paused": length(summary["paused_seconds"])}
