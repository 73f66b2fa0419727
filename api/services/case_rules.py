"""Case rules the service enforces whatever a deployed diagram says (docs/DOMAIN.md §1.2, §3, §4).

* ``on_site_duties`` (APL 55): every task with an ``actKind`` records that certificates were shown,
  which document was issued, and that the party was told the reasons, basis, rights and remedies
  (text made only of invisible characters is missing). A task **without** ``actKind`` whose form
  collects the duties is an enforcement act all the same (:data:`UNDECLARED_ACT`): the duty,
  two-officer (APL 42) and audio/video rules apply to it (the deploy-time lint refuses such a task).
* ``review_checklist`` (APL 58, 118 号文): a legal review (``kind=legal_review``) agrees only with
  every checklist item ticked and no suspected crime; "problems" names a problem code (422).
* ``collective_discussion`` / ``collective_decision`` (APL 57): a discussion of the heads records at
  least two heads from the registry and the votes of every head attending (for + against + abstain =
  heads attending, 422 otherwise); its conclusion is adopted only by more than half of the heads
  attending (403 otherwise). The conclusion binds the head's decision (:data:`COLLECTIVE_ALLOWS`), and a
  conclusion to refer the case binds the referral approval: it may not refuse the referral. A discussion
  binds and counts only for the proposal it discussed (:func:`latest_collective`: held after the latest
  ``kind=proposal`` completion); a complex case (:func:`complex_case`) is decided only after a discussion
  of its current proposal (403 ``collective_discussion``), whatever the diagram routes.
* ``preservation_deadline`` / ``execution_deadline`` / ``execution_approval``: :mod:`.stage_rules`.
* ``recusal`` (APL 43): a decided recusal removes the officer from the case (:mod:`.recusal`, derived
  from the case's history); he may no longer claim, complete, upload evidence or be named in an act
  of it; the case keeps two other certified officers.
  Who decides (the bureau's rule, after 《市场监督管理行政处罚程序规定》第5条): an officer's recusal
  a head; a head's recusal the principal head (role ``chief``, 主要负责人); the principal head's
  recusal the heads' collective discussion. Nobody decides his own recusal.

Each check raises :class:`engine.errors.RuleViolation` (403) or ``FormDataInvalid`` (422).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from engine import clock, proposal
from engine.duties import DUTIES, DUTY_TEXT_KEYS, duty_keys, missing_duties
from engine.errors import FormDataInvalid, RuleViolation
from engine.text import is_blank

from ..extensions import db
from ..models import Event, EvidenceItem, Instance, TaskRow, User
from . import org_scope, rules, stage_rules
from .gate import COLLECTIVE_KIND, is_collective, is_decision, is_review, keys_ever_true
from .recusal import (
    check_data_edit,
    check_named_officers,
    check_named_people,
    check_not_recused,
    recused_officers,
)
from .recusal import names as _names

__all__ = ["DUTIES", "DUTY_TEXT_KEYS", "check_data_edit", "check_named_officers", "check_not_recused",
           "missing_duties", "recused_officers"]

#: the act kind of a task without ``actKind`` whose form records the on-site duties
UNDECLARED_ACT = "undeclared_act"

#: the legal reviewer's checklist: every item applies to every major decision (docs/DOMAIN.md §3)
REVIEW_CHECKLIST: dict[str, str] = {
    "body_lawful": "执法主体合法",
    "officers_qualified": "执法人员具备执法资格",
    "procedure_lawful": "执法程序合法",
    "facts_clear": "案件事实清楚",
    "evidence_sufficient": "证据合法充分",
    "law_applied_correctly": "适用法律准确",
    "discretion_proper": "裁量基准运用适当",
    "within_authority": "未超越法定权限",
    "documents_complete": "执法文书完备、规范",
}
REFERRAL_ITEM = "criminal_referral_needed"
PROBLEM_CODES = ("revise", "investigate", "disagree", "refer")

#: collective_decision -> the head decisions it allows (APL 57); ``return_for_review`` is always allowed
COLLECTIVE_ALLOWS: dict[str, frozenset[str]] = {
    "approve_proposal": frozenset({"approve"}),  # on a permit: the proposed outcome (approve or deny)
    "revise": frozenset({"revise"}),              # with the penalty the discussion decided
    "no_penalty": frozenset({"deny"}),            # 不予行政处罚
    "refer": frozenset({"deny"}),                 # moved to the judicial authorities: no penalty of our own
}
ALWAYS_ALLOWED = proposal.RETURN_VALUES
MIN_HEADS = 2
MIN_OFFICERS = 2
VOTE_KEYS = ("votes_for", "votes_against", "votes_abstain")
REFERRAL_APPROVAL_KEY = "referral_approved"
MINUTES_KEYS = ("discussion_record", "conclusion")
PROPOSAL_KIND = "proposal"


# -- on-site duties (APL 55) ---------------------------------------------------------------------

def check_on_site_duties(act_kind: str | None, submitted: dict[str, Any]) -> None:
    """An enforcement act records the on-site duties (APL 55), whatever its form asks."""
    if not act_kind:
        return
    missing = missing_duties(submitted)
    if missing:
        named = "; ".join(f"{DUTIES[k][0]} / {DUTIES[k][1]} ({k})" for k in missing)
        raise RuleViolation("on_site_duties",
                            f"an enforcement act ({act_kind}) must record the on-site duties (APL 55); missing: {named}")


def check_undeclared_act(act_kind: str | None, task: TaskRow, instance: Instance, submitted: dict[str, Any]) -> None:
    """A task whose form records the on-site duties is an act even without ``actKind`` (a diagram deployed
    before the lint): duties, two certified officers and an audio/video record of the act (the strictest
    recording requirement, as its kind is unknown) are required."""
    if act_kind or not duty_keys(submitted):
        return
    check_on_site_duties(UNDECLARED_ACT, submitted)
    rules.check_two_officers(UNDECLARED_ACT, submitted, instance)
    found = db.session.scalar(select(EvidenceItem.id).where(
        EvidenceItem.instance_id == instance.id, EvidenceItem.task_id == task.id,
        EvidenceItem.kind == "audio_video").limit(1))
    if found is None:
        raise RuleViolation("av_required",
                            f"'{task.name}' records the on-site duties, so it is an enforcement act although its "
                            f"diagram declares no actKind: attach an audio/video record to this task first "
                            f"(POST /api/v1/instances/{instance.id}/evidence with task_id={task.id})")


# -- the legal review checklist ---------------------------------------------------------------

def check_review_checklist(task: TaskRow, submitted: dict[str, Any]) -> None:
    """"agree" needs every checklist item ticked and no suspected crime; "problems" a problem code."""
    if not is_review(task, submitted):
        return
    outcome = submitted.get("review_outcome")
    referral = submitted.get(REFERRAL_ITEM) is True
    if outcome == "agree":
        unticked = [k for k in REVIEW_CHECKLIST if submitted.get(k) is not True]
        if unticked:
            named = "; ".join(f"{REVIEW_CHECKLIST[k]} ({k})" for k in unticked)
            raise RuleViolation("review_checklist",
                                f"'agree' needs every checklist item ticked; not ticked: {named}")
        if referral:
            raise RuleViolation("review_checklist",
                                f"涉嫌犯罪，需移送 ({REFERRAL_ITEM}) is ticked: the review cannot agree; choose "
                                "'problems' with problem code 'refer' (APL 27)")
    elif outcome == "problems":
        if submitted.get("problem_code") not in PROBLEM_CODES:
            raise FormDataInvalid({"problem_code": [f"required when the outcome is 'problems': one of {PROBLEM_CODES}"]},
                                  "a review that finds problems names the problem code")
        if referral and submitted.get("problem_code") != "refer":
            raise RuleViolation("review_checklist",
                                f"{REFERRAL_ITEM} is ticked: the problem code must be 'refer' (移送司法机关, APL 27)")


# -- collective discussion (APL 57) -------------------------------------------------------------

def _heads(names: list[str]) -> list[str]:
    """The active heads among ``names`` — of the case's bureau only (bound by the step, api/services/org_scope.py)."""
    users = db.session.scalars(select(User).where(User.username.in_(names),
                                                  org_scope.users_clause(org_scope.effective_org()))) if names else []
    return sorted(u.username for u in users if u.active and (u.has_role("head") or u.has_role("chief")))


def _vote(value: Any) -> int | None:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value) or value < 0:
        return None
    return int(value)


def check_votes(submitted: dict[str, Any], heads: list[str]) -> None:
    """Every head attending votes once; the conclusion is adopted by more than half of the heads attending."""
    counts = {key: _vote(submitted.get(key)) for key in VOTE_KEYS}
    bad = {key: ["a whole number of heads, 0 or more"] for key, n in counts.items() if n is None}
    if bad:
        raise FormDataInvalid(bad, "votes are counted in heads")
    total = sum(n or 0 for n in counts.values())
    if total != len(heads):
        message = (f"for {counts['votes_for']} + against {counts['votes_against']} + abstaining "
                   f"{counts['votes_abstain']} = {total}, but {len(heads)} heads attended ({', '.join(heads)}): "
                   "every head attending votes once (APL 57)")
        raise FormDataInvalid({key: [message] for key in VOTE_KEYS}, "the votes do not add up to the heads attending")
    if 2 * (counts["votes_for"] or 0) <= len(heads):
        raise RuleViolation("collective_discussion",
                            f"the conclusion '{submitted.get('collective_decision')}' was not adopted: "
                            f"{counts['votes_for']} of {len(heads)} heads attending voted for it; a collective "
                            "decision needs more than half of the heads attending (APL 57)")


def check_collective_discussion(task: TaskRow, submitted: dict[str, Any], recused: set[str]) -> None:
    """A collective discussion is held by at least two heads of the registry, none of them recused."""
    if not is_collective(task, submitted):
        return
    attendees = _names(submitted.get("attendees"))
    barred = sorted(set(attendees) & recused)
    if barred:
        raise RuleViolation("recusal", f"{', '.join(barred)} withdrew from this case (APL 43) and may not attend")
    heads = _heads(attendees)
    if len(heads) < MIN_HEADS:
        raise RuleViolation("collective_discussion",
                            f"a collective discussion (APL 57) needs at least {MIN_HEADS} heads (负责人) of the "
                            f"registry present; heads among the attendees: {heads or 'none'}")
    blank = {key: ["must say something (invisible characters only)"] for key in MINUTES_KEYS
             if key in submitted and is_blank(submitted[key])}
    if blank:
        raise FormDataInvalid(blank, "a collective discussion records its minutes and conclusion")
    check_votes(submitted, heads)
    if submitted.get("collective_decision") == "revise" and not submitted.get("collective_penalty_kind"):
        raise FormDataInvalid({"collective_penalty_kind": ["required when the discussion revises the proposal"]},
                              "a revising discussion names the penalty it decides")


def latest_collective(instance: Instance, current: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The submission of the collective discussion of the **current** proposal, from the history: the latest
    one held after the latest proposal (a completion of ``kind=proposal``), else — given the case's
    ``current`` data — the latest earlier one that discussed exactly the same content (its recorded digest):
    a return and an identical re-proposal do not shake off what the heads decided. A discussion of
    different content neither binds nor counts (APL 57). None if there is none."""
    stmt = (select(Event.data).where(
        Event.instance_id == instance.id, Event.type == "task_completed",
        or_(Event.data["kind"].as_string().in_((PROPOSAL_KIND, COLLECTIVE_KIND)),  # only these rows matter
            Event.data[("submitted", "collective_decision")].as_string().is_not(None)))
            .order_by(Event.seq.desc()))
    digest = proposal.digest(current) if current is not None else None
    crossed = False
    for (data,) in db.session.execute(stmt):
        data = data or {}
        if data.get("kind") == PROPOSAL_KIND:
            if digest is None:
                return None
            crossed = True
            continue
        submitted = data.get("submitted") or {}
        if data.get("kind") == COLLECTIVE_KIND or submitted.get("collective_decision"):
            if not crossed or (data.get("approval") or {}).get("digest") == digest:
                return submitted
    return None


def complex_case(instance: Instance, current: dict[str, Any]) -> bool:
    """A case flagged complex (案情复杂) by its data or, once, by its history stays so (as for the catalogue's
    ``complex_case`` input: unticking the box or an admin edit does not undo it)."""
    if current.get("complex_case") is True:
        return True
    return "complex_case" in keys_ever_true(instance, ("complex_case",))


def check_collective_binds(task: TaskRow, instance: Instance, submitted: dict[str, Any],
                           current: dict[str, Any]) -> None:
    """A head decision may not contradict the collective discussion's conclusion (APL 57)."""
    if not is_decision(task, submitted):
        return
    choice = submitted.get(proposal.DECISION_KEY)
    if choice in ALWAYS_ALLOWED:
        return
    held = latest_collective(instance, current)
    if held is None:
        if current.get("act_type") != "permit" and complex_case(instance, current):
            raise RuleViolation("collective_discussion",
                                "a complex case (案情复杂) is decided after the heads' collective discussion of the "
                                f"current proposal (APL 57); none has discussed it, so '{choice}' cannot be decided "
                                "— return it for a new proposal and discussion")
        return
    conclusion = held.get("collective_decision")
    allowed = COLLECTIVE_ALLOWS.get(conclusion, frozenset())
    if conclusion == "approve_proposal" and current.get("act_type") == "permit" and current.get("permit_decision"):
        allowed = frozenset({current["permit_decision"]})
    if choice not in allowed:
        raise RuleViolation("collective_decision",
                            f"the collective discussion decided '{conclusion}' (APL 57); the head's decision "
                            f"'{choice}' contradicts it (allowed: {sorted(allowed) or 'none'})")
    if conclusion == "revise":
        decided = proposal.content(proposal.decided(current, submitted))
        agreed = proposal.content({"penalty_kind": held.get("collective_penalty_kind"),
                                   "fine_amount": held.get("collective_fine_amount") or 0})
        differ = [k for k in ("penalty_kind", "fine_amount") if decided[k] != agreed[k]]
        if differ:
            raise RuleViolation("collective_decision",
                                f"the collective discussion revised the penalty to {agreed['penalty_kind']} "
                                f"{agreed['fine_amount']}; the decision differs in {', '.join(differ)} (APL 57)")


def check_referral_binds(instance: Instance, submitted: dict[str, Any]) -> None:
    """A collective discussion that referred the case to the judicial authorities binds the referral
    approval: one head may not refuse what the heads decided together (APL 57, APL 27)."""
    if REFERRAL_APPROVAL_KEY not in submitted or submitted[REFERRAL_APPROVAL_KEY] == "yes":
        return
    held = latest_collective(instance)
    if held is not None and held.get("collective_decision") == "refer":
        raise RuleViolation("collective_decision",
                            "the heads' collective discussion decided to refer the case to the judicial authorities "
                            f"(APL 57, APL 27): the referral approval may not refuse it ({REFERRAL_APPROVAL_KEY} "
                            f"'{submitted[REFERRAL_APPROVAL_KEY]}'); only a new collective discussion could")


# -- recusal (APL 43) ----------------------------------------------------------------------------

def _subject_level(username: str) -> str:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise FormDataInvalid({"recused_officer": [f"unknown user {username}"]})
    return "chief" if user.has_role("chief") else "head" if user.has_role("head") else "officer"


def _certified(names: list[str]) -> list[str]:
    """The active certified officers among ``names`` — of the case's bureau only."""
    users = db.session.scalars(select(User).where(User.username.in_(names),
                                                  org_scope.users_clause(org_scope.effective_org()))) if names else []
    day = clock.today()
    return sorted(u.username for u in users if u.has_role("officer") and u.active and u.certificate_on(day))


def apply_recusal(user: User, submitted: dict[str, Any], current: dict[str, Any], recused: set[str]) -> None:
    """Check who decides a recusal and, when decided, take the officer off the case (updates ``submitted``).

    A declaration (``recused_officer`` without ``recusal_outcome``) gets ``recused_officer_level``
    (officer | head | chief) from the registry, so the diagram can route it to the right decider.
    """
    if "recusal_outcome" not in submitted:
        if submitted.get("recusal_needed") is True:
            named = submitted.get("recused_head") if submitted.get("recusal_of_head") else submitted.get("recused_officer")
            if not named:
                key = "recused_head" if submitted.get("recusal_of_head") else "recused_officer"
                raise FormDataInvalid({key: ["name who is to withdraw (APL 43)"]})
            submitted["recused_officer"] = named  # the one key naming who withdraws, officer or head
            submitted["recused_officer_level"] = _subject_level(named)
        return
    subject = submitted.get("recused_officer") or current.get("recused_officer")
    if not subject:
        raise FormDataInvalid({"recused_officer": ["the recusal decision must name who is to withdraw (APL 43)"]})
    if subject == user.username:
        raise RuleViolation("recusal", f"{user.username} may not decide his own recusal (APL 43)")
    level = _subject_level(subject)
    if level == "chief":
        heads = [h for h in _heads(_names(submitted.get("attendees"))) if h != subject]
        if len(heads) < MIN_HEADS:
            raise RuleViolation("recusal", f"the recusal of the principal head {subject} is decided by the heads' "
                                           f"collective discussion (at least {MIN_HEADS} other heads attending)")
    elif level == "head" and not user.has_role("chief"):
        raise RuleViolation("recusal", f"the recusal of the head {subject} is decided by the principal head "
                                       "(role chief, 主要负责人), not by another head")
    if submitted["recusal_outcome"] != "recuse":
        return
    submitted["recused_officer"] = subject  # the decision's event names who withdrew (the history is the record)
    gone = recused | {subject}
    named = _names(submitted.get("officers")) or _names(current.get("officers"))
    remaining = [o for o in named if o not in gone]
    if len(_certified(remaining)) < MIN_OFFICERS:
        raise RuleViolation("recusal", f"after {subject} withdraws the case needs at least {MIN_OFFICERS} other "
                                       f"officers with valid certificates (APL 42, 43); named: {remaining or 'none'}")
    submitted["officers"] = remaining
    submitted["recused_officers"] = sorted(gone)


# -- one entry point for tasks.complete --------------------------------------------------------

def check_completion(user: User, task: TaskRow, instance: Instance, act_kind: str | None,
                     submitted: dict[str, Any], current: dict[str, Any]) -> None:
    """Every case rule of this module for one completion (may add keys to ``submitted``)."""
    recused = recused_officers(instance)
    if user.username in recused:
        raise RuleViolation("recusal", f"{user.username} withdrew from case {instance.id} (APL 43) and may not "
                                       f"complete its tasks")
    check_on_site_duties(act_kind, submitted)
    check_undeclared_act(act_kind, task, instance, submitted)
    check_review_checklist(task, submitted)
    check_collective_discussion(task, submitted, recused)
    check_collective_binds(task, instance, submitted, current)
    check_referral_binds(instance, submitted)
    apply_recusal(user, submitted, current, recused)
    check_named_people(submitted, instance, recused)
    stage_rules.check_completion(task, instance, submitted, current)
