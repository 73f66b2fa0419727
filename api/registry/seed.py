"""The demo bureau's own items (nj-mzj's lists; docs/DOMAIN.md §5): the permits and penalties of 宗教事务条例 (RRA) at county level.

A demo random-inspection list (随机抽查事项清单) and target directory (检查对象名录) come with them.
``seed_powers()`` adds version 1 of every item not yet in the lists (safe to run again) and commits,
like ``seed_demo``. Changing an item afterwards is a new version (``POST /api/v1/powers``,
``/api/v1/inspection-items``, ``/api/v1/inspection-targets``).

Each permit item carries the key the permit process uses (``item_key`` = ``permit_item``), its limit
(RRA 21/22: 30 days; the others ALL 42: 20 working days) and what the bureau does with it: decide it,
or forward a preliminary opinion (RRA 21: review opinion to the city-level bureau).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import PowerItem
from ..models.registry import InspectionItem, InspectionTarget
from ..services import orgs
from . import inspection
from .service import put_power

RRA = "《宗教事务条例》（2017年修订）"
PERMIT_PROCEDURE = "申请 → 受理（材料齐全、符合法定形式）→ 审查（必要时实地核查、征求意见）→ 作出决定 → 送达 → 公示（7个工作日内）"
PENALTY_PROCEDURE = ("立案 → 调查取证（执法人员不少于两人，出示执法证件）→ 告知（陈述、申辩、听证权利）→ "
                     "法制审核（重大执法决定）→ 负责人决定（必要时集体讨论）→ 送达 → 执行 → 公示（7个工作日内）")
PENALTY_LIMIT: dict[str, Any] = {"time_limit": "自立案之日起90日内作出决定（《行政处罚法》第六十条）",
                                 "time_limit_days": 90, "working_days": False}
ALL_42: dict[str, Any] = {"time_limit": "20个工作日（《行政许可法》第四十二条，可延长10个工作日）",
                          "time_limit_days": 20, "working_days": True}
DAYS_30: dict[str, Any] = {"time_limit": "30日", "time_limit_days": 30, "working_days": False}

BUREAU_ITEMS: list[dict[str, Any]] = [
    {"code": "permit-rra21", "category": "permit", "name": "筹备设立宗教活动场所审核",
     "legal_basis": f"{RRA}第二十一条", **DAYS_30, "item_key": "venue_preparation", "outcome": "forward",
     "forward_to": "设区的市级人民政府宗教事务部门",
     "procedure": "宗教团体提出申请 → 受理 → 审核并征求意见 → 自收到申请之日起30日内提出审核意见 → 报设区的市级人民政府宗教事务部门"},
    {"code": "permit-rra22", "category": "permit", "name": "宗教活动场所登记",
     "legal_basis": f"{RRA}第二十二条", **DAYS_30, "item_key": "venue_registration",
     "procedure": "建设完工后申请登记 → 受理 → 审核管理组织、规章制度建设等情况 → 予以登记，发给《宗教活动场所登记证》"},
    {"code": "permit-rra23", "category": "permit", "name": "宗教活动场所法人登记审查",
     "legal_basis": f"{RRA}第二十三条；《行政许可法》第四十二条", **ALL_42, "item_key": "venue_legal_person",
     "procedure": "经所在地宗教团体同意 → 申请 → 县级人民政府宗教事务部门审查同意 → 到民政部门办理法人登记"},
    {"code": "permit-rra33", "category": "permit", "name": "宗教活动场所内改建或者新建建筑物审批",
     "legal_basis": f"{RRA}第三十三条；《行政许可法》第四十二条", **ALL_42, "item_key": "venue_construction",
     "procedure": PERMIT_PROCEDURE},
    {"code": "permit-rra35", "category": "permit", "name": "临时活动地点指定",
     "legal_basis": f"{RRA}第三十五条；《行政许可法》第四十二条", **ALL_42, "item_key": "temporary_site",
     "procedure": "信教公民代表提出申请 → 受理 → 征求所在地宗教团体和乡级人民政府意见 → 作出指定或不予指定的决定 → 公示"},
    {"code": "permit-rra57", "category": "permit", "name": "宗教活动场所接受捐赠超过10万元审批",
     "legal_basis": f"{RRA}第五十七条；《行政许可法》第四十二条", **ALL_42, "item_key": "large_donation",
     "procedure": PERMIT_PROCEDURE},
    {"code": "penalty-rra64", "category": "penalty", "name": "对擅自举办大型宗教活动的处罚",
     "legal_basis": f"{RRA}第六十四条：责令停止活动，处10万元以上30万元以下的罚款；有违法所得、非法财物的，予以没收",
     **PENALTY_LIMIT, "procedure": PENALTY_PROCEDURE},
    {"code": "penalty-rra65", "category": "penalty", "name": "对宗教活动场所违法行为的处罚",
     "legal_basis": f"{RRA}第六十五条：责令改正；情节较重的，责令更换负责人；情节严重的，吊销登记证书或者设立许可",
     **PENALTY_LIMIT, "procedure": PENALTY_PROCEDURE},
    {"code": "penalty-rra69", "category": "penalty", "name": "对擅自设立宗教活动场所的处罚",
     "legal_basis": f"{RRA}第六十九条：予以取缔，没收违法所得、非法财物；违法所得无法确定的，处5万元以下罚款；"
                    "有违法所得的，处违法所得1倍以上3倍以下罚款",
     **PENALTY_LIMIT, "procedure": PENALTY_PROCEDURE},
    {"code": "penalty-rra70", "category": "penalty", "name": "对擅自组织出境宗教培训、朝觐等活动或者擅自开展宗教教育培训的处罚",
     "legal_basis": f"{RRA}第七十条：责令停止活动，处2万元以上20万元以下的罚款；有违法所得的，没收违法所得",
     **PENALTY_LIMIT, "procedure": PENALTY_PROCEDURE},
    {"code": "penalty-rra71", "category": "penalty", "name": "对为违法宗教活动提供条件的处罚",
     "legal_basis": f"{RRA}第七十一条：给予警告；有违法所得、非法财物的，予以没收；情节严重的，处2万元以上20万元以下的罚款",
     **PENALTY_LIMIT, "procedure": PENALTY_PROCEDURE},
    {"code": "penalty-rra74", "category": "penalty", "name": "对假冒宗教教职人员进行宗教活动或者骗取钱财的处罚",
     "legal_basis": f"{RRA}第七十四条：责令停止活动；有违法所得、非法财物的，予以没收，并处1万元以下的罚款",
     **PENALTY_LIMIT, "procedure": PENALTY_PROCEDURE},
]


VENUES = "宗教活动场所"
#: demo random-inspection list and target directory (the bureau maintains its own through the API)
INSPECTION_ITEMS: list[dict[str, Any]] = [
    {"code": "insp-venue-management", "name": "宗教活动场所遵守宗教事务条例情况检查",
     "legal_basis": f"{RRA}第三十四条、第六十五条", "target_category": VENUES, "method": "现场检查、查阅资料"},
    {"code": "insp-venue-finance", "name": "宗教活动场所财务管理情况检查",
     "legal_basis": f"{RRA}第七章", "target_category": VENUES, "method": "查阅账册、现场检查"},
]
INSPECTION_TARGETS: list[dict[str, Any]] = [
    {"code": f"venue-{n:03d}", "name": name, "category": VENUES}
    for n, name in enumerate(["城关清真寺", "大曹庄天主堂", "东汪福音堂", "凤凰寺", "贾家口观音庵", "苏家庄清真寺"], 1)]


def _bureau() -> int | None:
    """The demo bureau (religious affairs, nj-mzj): the items below are its own list."""
    found = orgs.by_code(orgs.DEFAULT_BUREAU)
    return found.id if found else None


def seed_inspection_lists(actor: str = "system") -> None:
    """Add the demo inspection items and targets that are not in the bureau's lists yet; no commit."""
    org_id = _bureau()
    for model, entries in ((InspectionItem, INSPECTION_ITEMS), (InspectionTarget, INSPECTION_TARGETS)):
        present = set(db.session.scalars(select(model.code).where(model.org_id.is_not_distinct_from(org_id))
                                         .distinct()))
        for entry in entries:
            if entry["code"] not in present:
                values = dict(entry)
                inspection.put(model, values.pop("code"), values, actor, org_id=org_id)


def seed_powers(actor: str = "system") -> int:
    """Add the bureau's items (docs/DOMAIN.md §5) that are not in the list yet, and commit; returns how many."""
    org_id = _bureau()
    known = set(db.session.scalars(select(PowerItem.code).where(PowerItem.org_id.is_not_distinct_from(org_id))
                                   .distinct()))
    added = 0
    for item in BUREAU_ITEMS:
        if item["code"] in known:
            continue
        values = dict(item)
        put_power(values.pop("code"), values, actor, org_id=org_id)
        added += 1
    seed_inspection_lists(actor)
    db.session.commit()
    return added
