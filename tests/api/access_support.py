"""Cases and users for the access tests (no tests here): three cases in two bureaus and who is on which.

- ``A``: an enforcement case of officer1 (unit nj-mzj-1, bureau nj-mzj), walked to 公示审核 (the publicity
  officer's task is open), so the legal reviewer and the publicity officer were sent tasks; an ID number typed by
  the officer stands in its title, party fields and summary; a photo and the A/V records are on it.
- ``C``: a fresh case of officer3 (unit nj-mzj-2, same bureau), at 立案登记, with a photo.
- ``B``: a fresh case of officer4 (bureau nj-scj), at 立案登记, with a photo.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from tests import cases as c
from tests.api.evidence_support import JPEG, PNG, media, photo_meta, upload
from tests.api.walk import Acts, decision_number

#: real-looking ID numbers with valid check characters (engine/people.py), typed by the officer into the case
ID_X = "13052819850615201X"
ID_DIGITS = "130528198001011238"

REGISTER = {**c.REGISTER, "case_title": f"张三（身份证号{ID_X}）未经批准举办大型宗教活动案", "party_id_number": ID_X,
            "summary": f"当事人张三，公民身份号码{ID_X}，另一当事人身份证{ID_DIGITS}，住宁晋县某村。"}

#: every demo user (None: no credentials) with their roles and bureau, as the demo seeds them (api/cli/database.py)
USERS: dict[str | None, tuple[frozenset[str], str | None]] = {
    None: (frozenset(), None),
    "officer1": (frozenset({"officer"}), "nj-mzj"),
    "officer2": (frozenset({"officer"}), "nj-mzj"),
    "officer3": (frozenset({"officer"}), "nj-mzj"),
    "reviewer1": (frozenset({"legal_reviewer"}), "nj-mzj"),
    "head1": (frozenset({"head", "chief"}), "nj-mzj"),
    "head2": (frozenset({"head"}), "nj-mzj"),
    "counsel1": (frozenset({"legal_counsel"}), "nj-mzj"),
    "publicity1": (frozenset({"publicity_officer"}), "nj-mzj"),
    "auditor1": (frozenset({"auditor"}), "nj-mzj"),
    "admin": (frozenset({"admin"}), "nj-mzj"),
    "owner1": (frozenset({"process_owner"}), "hebei"),
    "officer4": (frozenset({"officer"}), "nj-scj"),
    "head3": (frozenset({"head", "chief"}), "nj-scj"),
    "supervisor1": (frozenset({"supervisor"}), "nj-sfj"),
}

#: how each user may read each case: "full", "masked", "ro" (full, read-only: the supervising justice bureau),
#: or the status a read gets (403: in the bureau but not on the case; 404: another bureau's case)
_NJ_MZJ = ("officer1", "officer2", "officer3", "reviewer1", "head1", "head2", "counsel1", "publicity1", "auditor1",
           "admin")
READ: dict[str, dict[str | None, str | int]] = {
    "A": {"officer1": "full", "officer2": "full", "officer3": 403, "reviewer1": "full", "head1": "full",
          "head2": "full", "counsel1": 403, "publicity1": "masked", "auditor1": "full", "admin": "full",
          "owner1": 403, "officer4": 404, "head3": 404, "supervisor1": "ro"},
    "C": {"officer1": 403, "officer2": 403, "officer3": "full", "reviewer1": 403, "head1": "full", "head2": "full",
          "counsel1": 403, "publicity1": 403, "auditor1": "full", "admin": "full", "owner1": 403, "officer4": 404,
          "head3": 404, "supervisor1": "ro"},
    "B": {**{u: 404 for u in _NJ_MZJ}, "owner1": 403, "officer4": "full", "head3": "full", "supervisor1": "ro"},
}
for _table in READ.values():
    _table[None] = 401

#: the open task of each case used by the task routes, and its lane's role
OPEN_TASK = {"A": ("task_review_masked", "publicity_officer"), "C": ("task_register", "officer"),
             "B": ("task_register", "officer")}


@dataclass
class World:
    ids: dict[str, int] = field(default_factory=dict)
    tasks: dict[str, str] = field(default_factory=dict)  # case -> open task id
    sha: dict[str, str] = field(default_factory=dict)  # case -> sha256 of a file only on that case
    shared_sha: str = ""  # a file on A and on B (the same bytes uploaded in both bureaus)


def walk_a(http, acts: Acts | None = None) -> int:
    """Case A: walked to 公示审核 with the ID numbers above in it."""
    acts = acts or Acts(http)
    iid = http.start("enforcement_case", {})["id"]
    acts.complete(iid, "task_register", REGISTER)
    acts.complete(iid, "task_recusal", c.RECUSAL_NONE)
    acts.complete(iid, "task_record_start", c.RECORD_START)
    acts.complete(iid, "task_investigation", c.INVESTIGATION, "officer2")
    acts.complete(iid, "task_proposal", c.PROPOSAL_MAJOR)
    acts.complete(iid, "task_hearing_notice_right", c.RIGHT_NOTICE)
    acts.complete(iid, "task_hearing_request", c.NO_HEARING)
    acts.complete(iid, "task_submit_review", c.SUBMIT_REVIEW)
    acts.complete(iid, "task_legal_review", c.REVIEW_AGREE, "reviewer1")
    acts.complete(iid, "task_head_decision", {**c.DECISION, "decision_number": decision_number(iid)}, "head1")
    acts.complete(iid, "task_service", c.SERVICE)
    return iid


def _photo(http, iid: int, user: str, officers: list[str], content: bytes | None = None) -> str:
    name = "photo.jpg" if content and content.startswith(JPEG) else "photo.png"
    resp = upload(http, iid, content or media(PNG), name, photo_meta(officers=officers), as_user=user)
    assert resp.status_code in (200, 201), resp.get_json()
    return resp.get_json()["sha256"]


def build_world(http) -> World:
    world = World()
    world.ids["A"] = walk_a(http)
    world.ids["C"] = http.start("enforcement_case", {}, as_user="officer3")["id"]
    world.ids["B"] = http.start("enforcement_case", {}, as_user="officer4")["id"]
    for case, (element, _) in OPEN_TASK.items():  # the supervisor reads both bureaus
        tasks = http.call("GET", f"/api/v1/instances/{world.ids[case]}", "supervisor1").get_json()["tasks"]
        world.tasks[case] = next(t["id"] for t in tasks if t["element_id"] == element)
    world.sha["A"] = _photo(http, world.ids["A"], "officer1", ["officer1", "officer2"])
    world.sha["C"] = _photo(http, world.ids["C"], "officer3", ["officer3"])
    world.sha["B"] = _photo(http, world.ids["B"], "officer4", ["officer4"])
    shared = media(JPEG)
    world.shared_sha = _photo(http, world.ids["A"], "officer1", ["officer1", "officer2"], shared)
    assert _photo(http, world.ids["B"], "officer4", ["officer4"], shared) == world.shared_sha
    return world


def access_events(app, iid: int) -> list[dict]:
    """The events of the case's access stream, oldest first."""
    from sqlalchemy import select

    from api.extensions import db
    from api.models import Event

    with app.app_context():
        rows = db.session.scalars(select(Event).where(Event.stream == f"access:{iid}").order_by(Event.seq))
        out = [{"seq": e.seq, "type": e.type, "actor": e.actor, "data": e.data} for e in rows]
        db.session.remove()
    return out
