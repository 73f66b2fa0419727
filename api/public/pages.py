"""The public web pages (no login): published decisions with their status, the list of powers, the officers.

``/public`` itself is routed in ``api/web/views.py``; its template (``public.html``) runs the
search through :func:`public_search`, offered to templates here, so the page and
``GET /api/v1/public/disclosures`` filter the same way. Every page renders only the records the public API
answers (:mod:`api.public.records`: the same functions, the same masking, dumped through the same schema for the
registry lists), so a page and the API can never disagree about what is masked (OGI 15). The UI strings of these pages are
added to the web's string table (existing keys are never replaced).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import render_template

from engine.clock import BEIJING

from ..services import disclosures as service
from ..web import web_blp
from ..web.i18n import STRINGS
from . import records

CATEGORIES = ("penalty", "permit", "inspection", "compulsion", "other")
PER_PAGE = 20

PUBLIC_STRINGS: dict[str, dict[str, str]] = {
    "search": {"zh": "搜索", "en": "Search"},
    "keyword": {"zh": "关键词（名称、内容、文号）", "en": "Text (title, content, number)"},
    "category": {"zh": "类别", "en": "Category"},
    "all": {"zh": "全部", "en": "All"},
    "date_from": {"zh": "公示日期自", "en": "Published from"},
    "date_to": {"zh": "至", "en": "to"},
    "status": {"zh": "状态", "en": "Status"},
    "status_published": {"zh": "公示中", "en": "Published"},
    "status_withdrawn": {"zh": "已撤回", "en": "Withdrawn"},
    "status_superseded": {"zh": "已更正", "en": "Corrected"},
    "withdrawal_reason": {"zh": "撤回理由", "en": "Reason for withdrawal"},
    "basis_changed": {"zh": "决定已变更", "en": "decision changed"},
    "basis_revoked": {"zh": "决定已撤销", "en": "decision revoked"},
    "basis_illegal": {"zh": "决定被确认违法", "en": "decision found illegal"},
    "basis_other": {"zh": "其他", "en": "other"},
    "superseded_by": {"zh": "更正后的公示", "en": "Corrected version"},
    "correction_of": {"zh": "更正说明", "en": "Correction"},
    "cat_penalty": {"zh": "行政处罚", "en": "Penalty"},
    "cat_permit": {"zh": "行政许可", "en": "Permit"},
    "cat_inspection": {"zh": "行政检查", "en": "Inspection"},
    "cat_compulsion": {"zh": "行政强制", "en": "Compulsion"},
    "cat_other": {"zh": "其他", "en": "Other"},
    "agency": {"zh": "执法机关", "en": "Agency"},
    "party": {"zh": "当事人", "en": "Party"},
    "decision_number": {"zh": "决定书文号", "en": "Decision number"},
    "decision_date": {"zh": "决定日期", "en": "Decision date"},
    "legal_basis": {"zh": "法律依据", "en": "Legal basis"},
    "published_on": {"zh": "公示日期", "en": "Published"},
    "powers": {"zh": "权责清单", "en": "Powers and duties"},
    "officers": {"zh": "执法人员", "en": "Enforcement officers"},
    "statistics": {"zh": "年度执法统计", "en": "Annual statistics"},
    "power_name": {"zh": "事项名称", "en": "Item"},
    "procedure": {"zh": "办理流程", "en": "Procedure"},
    "time_limit": {"zh": "办理时限", "en": "Time limit"},
    "remedies": {"zh": "救济渠道", "en": "Remedies"},
    "name": {"zh": "姓名", "en": "Name"},
    "certificate_number": {"zh": "执法证号", "en": "Certificate no."},
    "cert_category": {"zh": "执法类别", "en": "Category"},
    "area": {"zh": "执法区域", "en": "Area"},
    "valid_to": {"zh": "有效期至", "en": "Valid to"},
    "request_correction": {"zh": "申请纠错", "en": "Request a correction"},
    "contact": {"zh": "联系方式", "en": "Contact"},
    "reason": {"zh": "理由", "en": "Reason"},
    "sent": {"zh": "已提交，感谢您的反馈。", "en": "Sent, thank you."},
    "prev": {"zh": "上一页", "en": "Previous"},
    "next": {"zh": "下一页", "en": "Next"},
    "bad_date": {"zh": "日期格式应为 YYYY-MM-DD", "en": "Dates are YYYY-MM-DD"},
    "none": {"zh": "暂无", "en": "None"},
    "original_text": {"zh": "原文（已标出遮蔽的片段）", "en": "Original (masked spans marked)"},
    "masked_preview": {"zh": "脱敏后（发布时的样子）", "en": "Masked (as it will be published)"},
    "facts": {"zh": "主要违法事实", "en": "Main facts"},
    "penalty": {"zh": "处罚种类和金额", "en": "Penalty"},
    "fulfilment": {"zh": "履行方式和期限", "en": "How and by when to fulfil"},
    "event_reconsideration": {"zh": "行政复议决定", "en": "administrative reconsideration"},
    "event_litigation": {"zh": "人民法院裁判", "en": "court judgment"},
    "event_self_correction": {"zh": "本机关自行纠正", "en": "corrected by the bureau"},
    "event_other": {"zh": "其他", "en": "other"},
}
for _key, _text in PUBLIC_STRINGS.items():
    STRINGS.setdefault(_key, _text)


def _date(text: str | None) -> tuple[date | None, bool]:
    """(the date, whether the text was bad)."""
    if not text:
        return None, False
    try:
        return date.fromisoformat(text.strip()), False
    except ValueError:
        return None, True


def public_search(args: Any) -> dict[str, Any]:
    """The public list for the query string ``args`` (q, category, date_from, date_to, status, org, page)."""
    date_from, bad_from = _date(args.get("date_from"))
    date_to, bad_to = _date(args.get("date_to"))
    status = args.get("status") if args.get("status") in (*service.STATUSES, "all") else "all"
    category = args.get("category") if args.get("category") in CATEGORIES else None
    try:
        page = max(1, int(args.get("page", 1)))
    except (TypeError, ValueError):
        page = 1
    q = (args.get("q") or "").strip()[:200]
    bureaus = records.organisations()
    org = args.get("org") if args.get("org") in {b["code"] for b in bureaus} else None
    rows = records.disclosures(q=q or None, category=category, date_from=date_from, date_to=date_to, status=status,
                               page=page, per_page=PER_PAGE + 1, org=org)
    return {"items": rows[:PER_PAGE], "has_next": len(rows) > PER_PAGE, "page": page,
            "bureaus": bureaus,
            "filters": {"q": q, "category": category or "", "status": status, "org": org or "",
                        "date_from": args.get("date_from") or "", "date_to": args.get("date_to") or ""},
            "bad_date": bad_from or bad_to}


@web_blp.app_template_filter("bjdate")
def _bjdate(value: datetime | None) -> str:
    """A stored (aware UTC) timestamp as its Beijing date."""
    if value is None:
        return ""
    return value.astimezone(BEIJING).date().isoformat()


@web_blp.app_context_processor
def _public_helpers() -> dict[str, Any]:
    return {"public_search": public_search, "public_categories": CATEGORIES}


@web_blp.route("/public/powers")
def public_powers():
    """The list of powers as ``GET /api/v1/public/powers`` answers it."""
    powers = records.dumped(records.SCHEMAS["powers"], records.powers())
    return render_template("public.html", section="powers", powers=powers)


@web_blp.route("/public/officers")
def public_officers():
    """The officers as ``GET /api/v1/public/officers`` answers them."""
    officers = records.dumped(records.SCHEMAS["officers"], records.officers())
    return render_template("public.html", section="officers", officers=officers)
