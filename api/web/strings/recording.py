"""Strings of the A/V recording list page (音像记录事项和岗位清单)."""
from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "rec_nav": {"zh": "音像记录清单", "en": "A/V recording list"},
    "rec_title": {"zh": "音像记录事项和岗位清单", "en": "A/V recording list: items and posts"},
    "rec_intro": {"zh": "清单中要求音像记录的许可、处罚事项和岗位，其执法行为须同步音像记录；清单以外的执法行为，"
                           "须经合法性论证（流程“音像记录合法性论证”）批准后方可进行音像记录。每次修改都保存为新版本。",
                  "en": "Acts of the permit items, penalty items and posts that require A/V must be recorded on "
                        "audio/video; other acts are recorded only after an approved legality argument (process "
                        "legality_argument). Every change is kept as a new version."},
    "rec_code": {"zh": "编码", "en": "Code"},
    "rec_kind": {"zh": "类别", "en": "Kind"},
    "rec_kind_permit": {"zh": "许可事项", "en": "Permit item"},
    "rec_kind_penalty": {"zh": "处罚事项", "en": "Penalty item"},
    "rec_kind_post": {"zh": "岗位", "en": "Post"},
    "rec_name": {"zh": "名称", "en": "Name"},
    "rec_required": {"zh": "需音像记录", "en": "A/V required"},
    "rec_acts": {"zh": "适用的执法行为（不选即全部）", "en": "Acts (none ticked: every act)"},
    "rec_all_acts": {"zh": "全部执法行为", "en": "every act"},
    "rec_text_only": {"zh": "文字记录", "en": "text record"},
    "rec_note": {"zh": "备注", "en": "Note"},
    "rec_retired": {"zh": "停用", "en": "Retired"},
    "rec_version": {"zh": "版本", "en": "Version"},
    "rec_changed": {"zh": "修改人 · 时间", "en": "Changed by · at"},
    "rec_save": {"zh": "保存为新版本", "en": "Save as a new version"},
    "rec_new": {"zh": "新增或修改条目", "en": "Add or change an entry"},
    "rec_saved": {"zh": "已保存 {code} 的新版本", "en": "New version of {code} saved"},
    "rec_versions": {"zh": "历史版本", "en": "Versions"},
    "rec_act_site_inspection": {"zh": "现场检查", "en": "On-site inspection"},
    "rec_act_random_inspection": {"zh": "随机抽查", "en": "Random inspection"},
    "rec_act_evidence_collection": {"zh": "调查取证", "en": "Evidence collection"},
    "rec_act_evidence_preservation": {"zh": "证据保全", "en": "Evidence preservation"},
    "rec_act_hearing": {"zh": "听证", "en": "Hearing"},
    "rec_act_service": {"zh": "送达", "en": "Service"},
    "rec_act_other_act": {"zh": "其他执法行为", "en": "Other acts"},
    "admin_field_av_acts": {"zh": "适用的执法行为", "en": "Acts"},
    "admin_field_av_required": {"zh": "需音像记录", "en": "A/V required"},
}
