"""Form data for walking the shipped enforcement_case through HTTP."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8))
#: a test that starts this close to Beijing midnight waits for the new day (see `refresh_today`)
MIDNIGHT_MARGIN_SECONDS = 120


def _today() -> str:
    return datetime.now(BEIJING).date().isoformat()


#: the service dates an act by its own clock (Beijing): service and performance are recorded on the day
#: they are entered, never ahead (api/services/stage_rules.py). `refresh_today` renews it before each test.
TODAY = _today()

REGISTER = {
    "case_title": "某宗教活动场所未经批准举办大型宗教活动案",
    "party_type": "person",
    "party_name": "张三",
    "party_id_number": "130528198001011238",
    "act_type": "penalty",
    "officers": ["officer1", "officer2"],
    "summary": "群众举报，现场核查属实。",
}
#: on-site duties (APL 55): every task with an actKind records them (api/services/case_rules.py)
DUTIES = {"duty_certificates_shown": True, "duty_document_issued": "《现场检查笔录》宁民宗检〔2026〕1号",
          "duty_informed_reasons": True, "duty_informed_basis": True, "duty_informed_rights": True,
          "duty_informed_remedies": True}
RECORD_START = {
    **DUTIES,
    "certificate_numbers": "HB-NJ-2024-0001, HB-NJ-2024-0002",
    "record_date": "2026-11-20",
    "record_time": "09:30",
    "record_place": "宁晋县某村",
    "officers_present": ["officer1", "officer2"],
    "opening_statement": "现在是2026年11月20日9时30分，我们是宁晋县民族宗教事务局执法人员，依法进行检查。",
}
INVESTIGATION = {**DUTIES, "duty_document_issued": "《询问笔录》宁民宗询〔2026〕1号", "investigation_record": "现场检查笔录一份。", "evidence_list": "照片3张，询问笔录1份",
                 "site_inspection": True}
PROPOSAL_MINOR = {"penalty_kind": "warning", "fine_amount": 0, "facts": "情节轻微。", "legal_basis": "《宗教事务条例》第七十一条",
                  "proposal_text": "给予警告。", "complex_case": False, "hearing_held": False,
                  "criminal_referral": False}
PROPOSAL_MAJOR = {**PROPOSAL_MINOR, "penalty_kind": "fine", "fine_amount": 20000, "legal_basis": "《宗教事务条例》第六十四条",
                  "proposal_text": "罚款人民币贰万元。"}
SUBMIT_REVIEW = {"investigation_report": "调查终结报告。", "facts": "事实清楚。", "legal_basis": "《宗教事务条例》第六十四条",
                 "discretion_basis": "裁量基准第3档", "draft_decision": "罚款贰万元。", "hearing_record": ""}
CHECKLIST = {key: True for key in (
    "body_lawful", "officers_qualified", "procedure_lawful", "facts_clear", "evidence_sufficient",
    "law_applied_correctly", "discretion_proper", "within_authority", "documents_complete")}
REVIEW_PROBLEMS = {**CHECKLIST, "evidence_sufficient": False, "criminal_referral_needed": False, "problem_code": "investigate",
                   "review_outcome": "problems", "review_opinion": "证据不足，请补充询问笔录。"}
REVIEW_AGREE = {**CHECKLIST, "criminal_referral_needed": False, "review_outcome": "agree",
                "review_opinion": "同意。"}
FIX = {"fix_description": "已补充询问笔录。", "draft_decision": "罚款贰万元。"}
DECISION = {"decision": "approve", "decision_text": "经审查，决定按拟处理意见作出行政处罚。", "decision_number": "宁民宗罚〔2026〕1号"}
SERVICE = {**DUTIES, "duty_document_issued": "《行政处罚决定书》及《送达回证》", "service_method": "direct", "service_date": TODAY, "recipient": "张三"}
DISCLOSURE_OK = {"publish_choice": "release", "publish_review_note": "已核对脱敏内容。"}
EXECUTION = {"execution_outcome": "performed", "performance_date": TODAY,
             "performance_record": "罚没款缴款书号 NJ2026-0001，已全额缴纳。"}
ARCHIVE = {"archive_note": "案卷已整理。", "retention": "30y"}
RECUSAL_NONE = {"recusal_needed": False}
RIGHT_NOTICE = {**DUTIES, "duty_document_issued": "《行政处罚事先告知书》宁民宗罚告〔2026〕1号", "right_notice_number": "宁民宗罚告〔2026〕1号", "right_notice_method": "direct", "statement_right_told": True}
NO_HEARING = {"hearing_requested": "no"}

#: a major enforcement case from registration up to its legal review: (element, data, user) per step, as the tests
#: and the benchmarks (bench/) walk it
MAJOR_TO_REVIEW = [
    ("task_register", REGISTER, "officer1"),
    ("task_recusal", RECUSAL_NONE, "officer1"),
    ("task_record_start", RECORD_START, "officer1"),
    ("task_investigation", INVESTIGATION, "officer2"),
    ("task_proposal", PROPOSAL_MAJOR, "officer1"),
    ("task_hearing_notice_right", RIGHT_NOTICE, "officer1"),
    ("task_hearing_request", NO_HEARING, "officer1"),
    ("task_submit_review", SUBMIT_REVIEW, "officer1"),
]


def refresh_today() -> None:
    """Renew TODAY and the forms dated with it before a test, so a run that crosses Beijing midnight
    (16:00 UTC) does not date a service by yesterday while the app dates the decision by today.
    A test starting within MIDNIGHT_MARGIN_SECONDS of midnight first waits for the new day."""
    global TODAY
    now = datetime.now(BEIJING)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    if (midnight - now).total_seconds() < MIDNIGHT_MARGIN_SECONDS:
        time.sleep((midnight - now).total_seconds() + 1)
    TODAY = _today()
    SERVICE["service_date"] = TODAY
    EXECUTION["performance_date"] = TODAY
