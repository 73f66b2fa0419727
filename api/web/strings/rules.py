"""Rule refusals (403 ``errors.rule``) in words: what the rule is and what to do, in Chinese and English.

The codes are those raised by the services (api/services/*rules*.py, gate.py, tasks.py, equipment.py, the
registry); docs/API.md lists them. ``STRINGS`` gives ``rules_<code>`` (the rule) and ``rules_<code>_advice``
(what to do); a code missing here falls back to ``rules_unknown``."""
from __future__ import annotations

#: rule code → (zh text, en text, zh advice, en advice)
RULES: dict[str, tuple[str, str, str, str]] = {
    "av_required": (
        "该环节属于执法行为，须先上传本环节的音像记录（全过程记录制度）。",
        "This step is an enforcement act: an audio/video record of it must be attached first (whole-process "
        "recording).",
        "请在下方“音像记录”中上传本环节的录音录像（选择执法记录仪、在场执法人员和开场陈述），上传完成后再次提交。"
        "已填写的内容会保留。",
        "Upload the audio/video record of this step in the \"Audio/video records\" panel below (device, officers "
        "present, opening statement), then submit again. What you typed is kept."),
    "two_officers": (
        "执法行为须有至少两名持有效执法证件的执法人员（行政处罚法第42条）。",
        "An enforcement act needs at least two officers with valid enforcement certificates (APL 42).",
        "请在表单中选择至少两名本局持证执法人员后再提交。",
        "Choose at least two certified officers of the bureau in the form, then submit again."),
    "legal_review_gate": (
        "重大执法决定须经法制审核通过，且只能按审核通过的内容作出（行政处罚法第58条）。",
        "A major decision needs a passed legal review of exactly this content first (APL 58).",
        "请按法制审核通过的内容作出决定；如需变更处理种类、金额或依据，请选择退回重新拟定并送法制审核。",
        "Decide on the reviewed content; to change the kind, amount or basis, return the case for a new proposal "
        "and legal review."),
    "decided_content": (
        "决定内容与法制审核通过的内容不一致。",
        "The decision differs from the content the legal review passed.",
        "请保持处理种类、罚款金额和法律依据与审核通过的内容一致，或退回重新审核。",
        "Keep the kind, amount and legal basis as reviewed, or send the case back for review."),
    "decision_by_head": (
        "执法决定只能由负责人在法制审核后作出，不能由脚本作出。",
        "Decisions are made by a head after the legal review, never by a script.",
        "请联系流程管理员检查流程图中的脚本任务。",
        "Ask the process owner to check the diagram's script tasks."),
    "role": (
        "您不具有办理该任务所需的角色。",
        "You do not hold the role this task needs.",
        "请由具有相应角色的人员办理，或联系管理员分配角色。",
        "Let a holder of the role work it, or ask an administrator for the role."),
    "assignee": (
        "该任务已由其他人员认领。",
        "Another user has claimed this task.",
        "请返回待办任务列表；如需接手，请联系认领人放回或由管理员改派。",
        "Go back to the inbox; ask the assignee to release it or an administrator to reassign it."),
    "legality_argument": (
        "该执法行为不在本局音像记录事项清单内，须经合法性论证并经负责人同意后，方可保存其音像记录；合法性论证只能由本案承办执法人员申请。",
        "This act is not on the bureau's A/V recording list: its audio/video is kept only after a legality argument "
        "approved by the head, requested by an officer of the case.",
        "请由本案承办执法人员发起“音像记录合法性论证”流程（填写案件编号和本环节任务编号），经法制审核人员论证、负责人同意后再上传。",
        "Let an officer of the case start the process \"legality argument\" (case number and this step's task id); "
        "upload after the legal reviewer's argument and the head's approval."),
    "separation_of_duties": (
        "承办本案的执法人员不得担任本案的法制审核人员（行政处罚法第58条）。",
        "An officer of the case may not review it (APL 58).",
        "请由未参与本案办理的法制审核人员认领并审核。",
        "Let a legal reviewer who did not work on the case claim and review it."),
    "legal_qualification": (
        "法制审核人员须具备法律职业资格，系统中未登记您的资格。",
        "Legal reviewers need a legal qualification; none is on record for you.",
        "请联系管理员登记您的法律职业资格，或由具备资格的审核人员办理。",
        "Ask an administrator to record your qualification, or let a qualified reviewer do it."),
    "review_checklist": (
        "审核结论与审核清单不一致。",
        "The review outcome does not match the checklist.",
        "“同意”须勾选全部清单项；“存在问题”须选择问题类别并至少有一项未勾选，且须填写审核意见。",
        "\"Agree\" needs every checklist item ticked; \"problems\" needs a problem category, an unticked item "
        "and an opinion."),
    "collective_discussion": (
        "集体讨论记录不符合要求（出席负责人、表决等）。",
        "The collective discussion record is incomplete (heads present, votes).",
        "请核对出席的负责人（已回避的不得出席）、表决票数和讨论结论后再提交。",
        "Check the heads present (no recused head), the votes and the conclusion, then submit again."),
    "collective_decision": (
        "决定须与集体讨论的结论一致（行政处罚法第57条）。",
        "The decision must follow the collective discussion's conclusion (APL 57).",
        "请按集体讨论决定作出决定，或重新提交集体讨论。",
        "Decide as the collective discussion concluded, or hold a new discussion."),
    "recusal": (
        "回避规则不允许此操作（行政处罚法第43条）。",
        "The recusal rules refuse this (APL 43).",
        "已回避的人员不得办理本案；回避决定须由有权的负责人作出。请改由其他人员办理。",
        "A recused person may not work on the case, and recusals are decided by the competent head; let "
        "someone else do it."),
    "on_site_duties": (
        "现场执法须履行出示证件、告知事由、依据、权利和救济途径等义务（行政处罚法第55条）。",
        "On-site acts need certificates shown and the reasons, basis, rights and remedies told (APL 55).",
        "请勾选已履行的各项现场执法义务并填写出具的执法文书后再提交。",
        "Tick every on-site duty done and name the document issued, then submit again."),
    "equipment_ledger": (
        "所选执法记录仪在录制时未登记借用给本案执法人员（设备台账）。",
        "The device was not checked out to an officer of this case at the recording time (equipment ledger).",
        "请选择录制时由本案执法人员借用的设备，或先在设备台账中办理借用登记。",
        "Choose a device an officer of the case held at that time, or check it out in the ledger first."),
    "case_access": (
        "您无权办理此案件。",
        "You may not work on this case.",
        "请由本案的承办单位人员办理。",
        "Let the case's own unit work on it."),
    "org_scope": (
        "该记录属于其他单位。",
        "The record belongs to another bureau.",
        "请在本单位的案件中操作。",
        "Work on your own bureau's records."),
    "read_only": (
        "您的账号为只读（监督）账号。",
        "Your account is read-only (supervision).",
        "监督人员只能查阅，不能办理。",
        "Supervisors read; they do not act."),
    "execution_deadline": (
        "执行环节不符合法定期限要求。",
        "The execution step does not meet its legal deadlines.",
        "请核对履行日期、催告期限等日期后再提交。",
        "Check the performance and reminder dates, then submit again."),
    "execution_approval": (
        "强制执行须经负责人批准。",
        "Compulsory execution needs a head's approval.",
        "请先提交负责人审批。",
        "Ask a head for approval first."),
    "preservation_deadline": (
        "证据先行登记保存须在七日内作出处理决定（行政处罚法第56条）。",
        "Preserved evidence needs a decision within seven days (APL 56).",
        "请核对保存日期和处理决定日期。",
        "Check the preservation and decision dates."),
    "disclosure_needs_decision": (
        "只有已作出决定的案件才能公示。",
        "Only a decided case is published.",
        "请待负责人作出决定后再公示。",
        "Wait for the head's decision before publishing."),
    "disclosure_needs_review": (
        "公示前须由公示管理员核对脱敏内容。",
        "A decision is published only after the publicity officer reviewed the masked text.",
        "请先完成脱敏内容核对。",
        "Review the masked text first."),
    "public_field_enumerated": (
        "公示字段取值不在规定范围内。",
        "A published field has a value outside its list.",
        "请选择规定的类别或处罚种类。",
        "Choose one of the listed categories or penalty kinds."),
    "minor_not_published": (
        "涉及未成年人的决定不予公示。",
        "Decisions concerning minors are not published.",
        "请选择不予公示并说明理由。",
        "Choose not to publish and give the reason."),
    "already_published": (
        "该决定已经公示。",
        "The decision is already published.",
        "如需更正，请走更正或撤回流程。",
        "Use the correction or withdrawal process instead."),
    "APL_48": (
        "已公示的决定被依法撤销、确认违法或变更的，应撤回公示（行政处罚法第48条）。",
        "A published decision that was revoked, found unlawful or changed is withdrawn (APL 48).",
        "请按撤回流程处理。",
        "Follow the withdrawal process."),
    "correction_origin": (
        "更正申请的来源不符合要求。",
        "The correction request's origin is not allowed.",
        "请通过公示页面提交更正申请。",
        "Send the correction request through the public page."),
    "history_append_only": (
        "历史记录只能追加，不能修改或删除。",
        "History is append-only: nothing recorded is changed or deleted.",
        "如需更正，请作为新的记录提交。",
        "Record a correction as a new entry."),
    "lottery_draw": (
        "抽取结果与已公布的抽查计划不一致（双随机）。",
        "The draw differs from the published inspection plan.",
        "请使用按计划抽取的检查对象和执法人员。",
        "Use the subjects and officers drawn from the plan."),
    "lottery_plan_fixed": (
        "抽查计划已确定并公布，不能修改。",
        "The inspection plan is fixed and published; it cannot change.",
        "如需调整，请由负责人废止计划后重新制定。",
        "Have a head abandon the plan and make a new one."),
    "published_decision_stands": (
        "本案决定已经公示，不能通过回退改变已公示的内容。",
        "The case's decision has been published; a rewind cannot change what was published.",
        "如需改变，请撤回公示或启动更正程序（行政处罚法第四十八条）。",
        "Withdraw the publication or start a correction (APL 48)."),
    "restore_point": (
        "记录恢复点须写明记录人和原因。",
        "A restore point names who records it and why.",
        "请填写 --by（恢复数据库的操作员）和 --reason（恢复了哪一份备份、为何恢复）。",
        "Give --by (the operator who restored the database) and --reason (which backup was restored, and why)."),
    "lottery_draw_final": (
        "抽取结果一经产生即为最终结果。",
        "A draw is final.",
        "请按抽取结果执行检查。",
        "Inspect as drawn."),
    "lottery_plan_abandoned": (
        "该抽查计划已被废止，不能抽取。",
        "The plan was abandoned and cannot be drawn.",
        "请按新的抽查计划抽取。",
        "Draw from the new plan."),
    "lottery_pool": (
        "可参与抽取的执法人员不足。",
        "Too few officers can be drawn from.",
        "请核对执法人员名录和执法证有效期。",
        "Check the officers' registry and certificates."),
    "permit_item_fixed": (
        "许可事项及其期限在受理登记时已确定，不能修改。",
        "The permit item and its deadline were fixed at registration.",
        "如登记有误，请联系管理员依法更正。",
        "If the registration was wrong, ask an administrator to correct it."),
    "statistics_year_not_finished": (
        "该年度尚未结束，不能生成年度统计。",
        "The year has not ended; its statistics cannot be made yet.",
        "请在次年1月1日后再生成。",
        "Make them from 1 January of the next year."),
    "definition_owner": (
        "该流程由其他单位管理。",
        "Another organisation owns this process.",
        "请联系流程管理员。",
        "Ask the process owner."),
    "unknown": (
        "规则不允许此操作。",
        "A rule refuses this action.",
        "请核对填写的内容；如有疑问，请联系管理员。已填写的内容会保留。",
        "Check what you entered; ask an administrator if unsure. What you typed is kept."),
}

STRINGS: dict[str, dict[str, str]] = {}
for _code, (_zh, _en, _zh_advice, _en_advice) in RULES.items():
    STRINGS[f"rules_{_code}"] = {"zh": _zh, "en": _en}
    STRINGS[f"rules_{_code}_advice"] = {"zh": _zh_advice, "en": _en_advice}


def refusal(code: str | None, lang: str) -> dict[str, str]:
    """``{"rule", "text", "advice"}`` for a refusal with rule ``code`` in language ``lang`` (zh or en)."""
    zh, en, zh_advice, en_advice = RULES.get(code or "", RULES["unknown"])
    return {"rule": code or "unknown", "text": zh if lang == "zh" else en,
            "advice": zh_advice if lang == "zh" else en_advice}
