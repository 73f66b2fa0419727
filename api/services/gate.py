"""The APL 58 gate, bound to what was reviewed (docs/DOMAIN.md §3 "Hard gate").

* A passed legal review (or a collective discussion of the heads that approves the proposal,
  APL 57) approves one proposal: the service records :func:`approval_record` — the digest of the
  decision-relevant content (:mod:`engine.proposal`) — on the review's ``task_completed`` event.
* A **decision** is any completion whose task has ``kind=decision`` or whose submission carries
  ``decision``; it must be made in the head's lane (rule ``decision_by_head``), never by a script.
* At a decision the service computes the *decided* content (the data as the head's submission
  changes it) and evaluates the deployed review catalogue on it. When the catalogue finds it
  major, the latest approval must be a passed one **with the same digest**; otherwise the decision
  is refused (403 ``legal_review_gate``) — unless the diagram, after this completion, routes the case
  back to a proposal or a legal review, in which case the completion is recorded as not effective.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, literal, or_, select
from sqlalchemy.dialects.postgresql import JSONB

from engine import decision_text, decisions, proposal, runtime
from engine.errors import FormDataInvalid, RuleViolation

from ..extensions import db
from ..models import Event, Instance, TaskRow
from .definitions import current_catalog
from .runtime import script_engine

CATALOGUE_DECISION = "major_decision"
DECISION_KINDS = frozenset({"decision"})
REVIEW_KIND, COLLECTIVE_KIND = "legal_review", "collective_discussion"
#: collective-discussion conclusions that approve the proposal as it stands (APL 57)
APPROVING_COLLECTIVE = frozenset({"approve_proposal"})
#: kinds/processes of a task that mean "the case went back to be proposed or reviewed again"
BACK_TO_REVIEW_KINDS = frozenset({"legal_review", "proposal"})
REVIEW_PROCESSES = frozenset({"legal_review"})
#: catalogue inputs that stay true once the case made them true (see :func:`sticky_facts`)
STICKY_FACTS: dict[str, tuple[str, ...]] = {
    "hearing_held": ("hearing_held",),
    "complex_case": ("complex_case",),
    "criminal_referral": ("criminal_referral", "criminal_referral_needed"),
}
HEARING_ACT = "hearing"
#: the decision's own keys: fixed with the decided content once the decision is effective
DECISION_RECORD_KEYS = ("decision", "decision_text", "decision_number", "decision_date")


@dataclass
class GateVerdict:
    """What the gate found for one decision completion (recorded on its event as ``gate``)."""

    major: bool
    rule: str | None
    digest: str
    approved_by: int | None = None
    refusal: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.refusal is None

    def record(self, effective: bool) -> dict[str, Any]:
        return {"major": self.major, "rule": self.rule, "digest": self.digest, "approved_by_seq": self.approved_by,
                "effective": effective, **({"refused_because": self.refusal} if self.refusal else {})}


def catalogue_result(data: dict[str, Any], bundle: Any) -> dict[str, Any]:
    """The review catalogue's verdict on ``data``: the catalogue pinned in the bundle, else the latest deployed."""
    parser = (bundle.decisions or {}).get(CATALOGUE_DECISION)
    if parser is None:
        catalog = current_catalog()
        filename = catalog.decisions.get(CATALOGUE_DECISION)
        if filename is None:
            return {}
        parser = decisions.parse_decision(catalog.files[filename], filename, CATALOGUE_DECISION)
    return decisions.evaluate(parser, data, script_engine())


def _for_catalogue(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with ``fine_amount`` as a number, so the catalogue compares amounts, not strings.

    Raises:
        FormDataInvalid (422) naming ``fine_amount`` when it is not an amount.
    """
    raw = data.get("fine_amount")
    if raw in (None, ""):
        return data
    number = proposal.amount(raw)
    if number is None:
        raise FormDataInvalid({"fine_amount": [f"not an amount of yuan: {raw!r}"]},
                              "the case's fine amount is not a number; correct it before deciding")
    return {**data, "fine_amount": float(number)}


def is_review(task: TaskRow, submitted: dict[str, Any]) -> bool:
    return task.kind == REVIEW_KIND or (task.role == "legal_reviewer" and "review_outcome" in submitted)


def is_collective(task: TaskRow, submitted: dict[str, Any]) -> bool:
    return task.kind == COLLECTIVE_KIND or "collective_decision" in submitted


def is_decision(task: TaskRow, submitted: dict[str, Any]) -> bool:
    return task.kind in DECISION_KINDS or proposal.DECISION_KEY in submitted


def approval_record(task: TaskRow, submitted: dict[str, Any], current: dict[str, Any],
                    instance: Instance) -> dict[str, Any] | None:
    """For a review or collective discussion: what it approved, to store on its event; else None.

    A collective discussion (APL 57) settles a dispute about content a legal review assessed: its approval
    passes only when the content it approves is the content of the latest legal review — a handler who
    changes the proposal while disputing does not get unreviewed content approved by the heads.
    """
    digest = proposal.digest(current)
    record: dict[str, Any] = {"digest": digest, "content": proposal.content(current)}
    if is_review(task, submitted):
        return {"kind": REVIEW_KIND, "passed": submitted.get("review_outcome") == "agree", **record}
    if not is_collective(task, submitted):
        return None
    review = latest_approval(instance, (REVIEW_KIND,))
    reviewed = review is not None and review[1].get("digest") == digest
    passed = submitted.get("collective_decision") in APPROVING_COLLECTIVE and reviewed
    return {"kind": COLLECTIVE_KIND, "passed": passed, "reviewed_seq": review[0] if reviewed else None, **record}


def latest_approval(instance: Instance, kinds: tuple[str, ...] = (REVIEW_KIND, COLLECTIVE_KIND)
                    ) -> tuple[int, dict[str, Any]] | None:
    """The latest review or collective discussion of the case, as ``(seq, approval record)``."""
    stmt = (select(Event.seq, Event.data).where(Event.instance_id == instance.id, Event.type == "task_completed",
                                                Event.role.in_(("legal_reviewer", "head")),
                                                Event.data[("approval", "kind")].as_string().in_(kinds))
            .order_by(Event.seq.desc()).limit(1))
    for seq, data in db.session.execute(stmt):
        approval = (data or {}).get("approval")
        if approval and approval.get("kind") in kinds:
            return seq, approval
    return None


#: where each kind of event records the case values it set (a key's value is read at this path + the key)
_VALUE_PATHS = {"task_completed": lambda key: ("submitted", key), "data_edited": lambda key: ("changes", key, "after"),
                "instance_started": lambda key: ("data", key)}


def _is_true(path: tuple[str, ...]) -> Any:
    """SQL: the event's data holds JSON ``true`` at ``path`` (SQLite's JSON_EXTRACT would read it as 1, like a
    number 1, so the JSON type is asked there)."""
    if db.engine.dialect.name == "sqlite":
        return func.json_type(Event.data, "$." + ".".join(f'"{part}"' for part in path)) == "true"
    return Event.data[path] == literal("true").cast(JSONB)


def keys_ever_true(instance: Instance, keys: tuple[str, ...]) -> set[str]:
    """The ``keys`` that some set of case values in the history — the start data, a completion's submission, an
    admin edit's new values — set to true. The database reads the few values out of each event, so a long history
    costs a short scan, not the decoding of every event's whole data."""
    kinds = tuple(_VALUE_PATHS)
    columns = [_is_true(_VALUE_PATHS[kind](key)) for key in keys for kind in kinds]
    stmt = select(Event.type, *columns).where(Event.instance_id == instance.id, Event.type.in_(kinds),
                                              or_(*columns))  # the rows that set one
    found: set[str] = set()
    for row in db.session.execute(stmt):
        at = kinds.index(row[0])
        found.update(key for i, key in enumerate(keys) if row[1 + i * len(kinds) + at])
    return found


def sticky_facts(instance: Instance, bundle: Any) -> dict[str, bool]:
    """Catalogue inputs the case's history makes true whatever its data now says (APL 58): a hearing was
    held when a hearing act (``actKind=hearing``) was completed; a case once flagged complex, or once
    found to involve a suspected crime, stays so — unticking a box or an admin edit does not undo them."""
    facts: dict[str, bool] = {}
    hearings = {key for key, meta in bundle.user_tasks.items() if meta.properties.get("actKind") == HEARING_ACT}
    if hearings:  # only the rows of the diagram's hearing acts are read
        done = db.session.execute(select(TaskRow.process_id, TaskRow.element_id).where(
            TaskRow.instance_id == instance.id, TaskRow.state == "completed",
            TaskRow.element_id.in_(sorted({eid for _, eid in hearings})))).all()
        if any((pid, eid) in hearings for pid, eid in done):
            facts["hearing_held"] = True
    ever = keys_ever_true(instance, tuple(key for keys in STICKY_FACTS.values() for key in keys))
    for fact, keys in STICKY_FACTS.items():
        if ever.intersection(keys):
            facts[fact] = True
    return facts


def check_decision_lane(task: TaskRow, submitted: dict[str, Any]) -> None:
    """A decision is the head's (APL 58 with the bureau's rules: the handler never decides alone)."""
    if is_decision(task, submitted) and task.role != "head":
        raise RuleViolation("decision_by_head",
                            f"'{task.name}' records a decision but sits in the '{task.role}' lane; "
                            "decisions are made by the head (负责人) in a decision task (APL 58)")


def evaluate(task: TaskRow, instance: Instance, bundle: Any, submitted: dict[str, Any],
             current: dict[str, Any]) -> GateVerdict | None:
    """The gate's verdict on a decision completion (None when the completion is no decision).

    Raises:
        RuleViolation ``decision_by_head``: a decision outside the head's lane.
    """
    if not is_decision(task, submitted):
        return None
    check_decision_lane(task, submitted)
    content = proposal.decided(current, submitted)
    digest = proposal.digest(content)
    if submitted.get(proposal.DECISION_KEY) in proposal.RETURN_VALUES:
        return GateVerdict(False, None, digest, refusal="returned for a new proposal and review")
    verdict = catalogue_result({**_for_catalogue(content), **sticky_facts(instance, bundle)}, bundle)
    if verdict:  # the catalogue judges the decided content; a stale is_major in the data does not
        major = bool(verdict.get("is_major"))
        rule = (verdict.get("major_rule") or "major") if major else None
    else:  # no catalogue deployed: the diagram's own finding on unchanged content stands
        major = digest == proposal.digest(current) and current.get("is_major") is True
        rule = (current.get("major_rule") or "major") if major else None
    result = GateVerdict(major, rule, digest)
    if not major:
        return result
    found = latest_approval(instance)
    if found is None:
        result.refusal = "no legal review has approved this decision"
        return result
    seq, approval = found
    what = "legal review" if approval.get("kind") == REVIEW_KIND else "collective discussion"
    if not approval.get("passed"):
        result.refusal = f"the latest {what} (history #{seq}) did not pass"
    elif approval.get("digest") != digest:
        changed = [c["field"] for c in proposal.changes(approval.get("content") or {}, content)]
        result.refusal = (f"the decided content differs from what the {what} (history #{seq}) approved "
                          f"({', '.join(changed) or 'content'}); a new legal review is needed")
        result.detail["changed"] = changed
    else:
        result.approved_by = seq
    return result


def check_revision(submitted: dict[str, Any], current: dict[str, Any]) -> None:
    """``revised_*`` values belong to a ``revise`` decision, which on a penalty names the penalty it imposes.

    Raises:
        FormDataInvalid (422) naming the ``revised_*`` key.
    """
    choice = submitted.get(proposal.DECISION_KEY)
    if choice != "revise":
        stray = sorted(k for k in proposal.REVISION_KEYS if submitted.get(k) not in (None, ""))
        if stray:
            raise FormDataInvalid({k: [f"only with the decision 'revise' (变更后作出决定), not '{choice}'"] for k in stray},
                                  "revised values belong to a revised decision")
        return
    if current.get("act_type") != "permit" and not submitted.get("revised_penalty_kind"):
        raise FormDataInvalid({"revised_penalty_kind": ["required when the decision is 'revise' (变更后作出决定)"]},
                              "a revised decision must state the penalty it imposes")


def check_decision_text(submitted: dict[str, Any], current: dict[str, Any]) -> None:
    """The written decision names no fine and no kind of penalty other than the decided ones.

    Raises:
        FormDataInvalid (422) naming ``decision_text``.
    """
    if submitted.get(proposal.DECISION_KEY) in proposal.RETURN_VALUES or current.get("act_type") == "permit":
        return
    content = proposal.decided(current, submitted)
    problems = decision_text.contradictions(str(submitted.get("decision_text") or ""), content.get("penalty_kind"),
                                            proposal.amount(content.get("fine_amount")))
    if problems:
        raise FormDataInvalid({"decision_text": problems},
                              "the written decision must state the decided penalty (APL 58, 59)")


def decided_changes(verdict: GateVerdict | None, submitted: dict[str, Any],
                    current: dict[str, Any]) -> dict[str, Any]:
    """For an effective decision: the proposal keys whose decided value differs from the data, to write."""
    if verdict is None or submitted.get(proposal.DECISION_KEY) in proposal.RETURN_VALUES:
        return {}
    content = proposal.decided(current, submitted)
    old, new = proposal.content(current), proposal.content(content)
    # a permit's outcome stays in ``decision``: ``permit_decision`` is the proposal the diagram compares it with
    return {k: content[k] for k in proposal.PROPOSAL_KEYS if old[k] != new[k] and k != "permit_decision"}


def routed_back_to_review(instance: Instance, ready: list[runtime.ReadyTask]) -> bool:
    """After a step: is the case waiting for a legal review, or again at a proposal it already went through?

    A ``kind=proposal`` task counts only when the case completed that element before (a real loop back),
    so a deployed diagram cannot mark any next task as a "proposal" to carry a refused decision on.
    """
    if any(r.meta.kind == REVIEW_KIND or r.meta.process_id in REVIEW_PROCESSES or r.role == "legal_reviewer"
           for r in ready):
        return True
    proposals = {r.meta.element_id for r in ready if r.meta.kind in BACK_TO_REVIEW_KINDS}
    if not proposals:
        return False
    done = db.session.scalar(select(TaskRow.id).where(TaskRow.instance_id == instance.id,
                                                      TaskRow.element_id.in_(proposals),
                                                      TaskRow.state == "completed").limit(1))
    return done is not None


@cache
def _decision_gates_statement() -> Select:
    """The head's completions with a gate record, newest first (``instance_id`` bound at execution), built once."""
    return (select(Event.data).where(Event.instance_id == bindparam("instance_id"), Event.type == "task_completed",
                                     Event.role == "head", Event.data["gate"].as_string().is_not(None))
            .order_by(Event.seq.desc()))


def latest_decision_gate(instance: Instance) -> dict[str, Any] | None:
    """The gate record of the case's latest decision completion (None if it has none)."""
    for (data,) in db.session.execute(_decision_gates_statement(), {"instance_id": instance.id}):
        if (data or {}).get("gate"):
            return data["gate"]
    return None


def check_no_returned_decision_carried_on(instance: Instance, act_kind: str | None, completed: bool) -> None:
    """After a decision returned for review, nothing is served and the case does not end until a new,
    effective decision (a deployed diagram that carries a returned decision on is refused here).

    Raises:
        RuleViolation ``legal_review_gate``.
    """
    if act_kind != "service" and not completed:
        return
    latest = latest_decision_gate(instance)
    if latest is not None and latest.get("effective") is False:
        raise RuleViolation("legal_review_gate",
                            "the latest decision was returned for a new proposal and legal review (APL 58): "
                            "it cannot be served and the case cannot end before a new decision")


def enforce(verdict: GateVerdict, instance: Instance, ready_after: list[runtime.ReadyTask]) -> bool:
    """Refuse a failed verdict unless the diagram sent the case back to review; returns ``effective``.

    Raises:
        RuleViolation ``legal_review_gate`` (403).
    """
    if verdict.passed:
        return True
    if routed_back_to_review(instance, ready_after):
        return False
    raise RuleViolation(
        "legal_review_gate",
        f"this is a major decision ({verdict.rule}); it needs a passed legal review of exactly this content "
        f"first (APL 58): {verdict.refusal}. Return the case for a new proposal and review instead.")


def check_no_scripted_decision(steps: list[runtime.StepRecord]) -> None:
    """A script never makes (or changes) a decision (APL 58: the head decides after the review)."""
    for step in steps:
        if step.type != "script":
            continue
        touched = set(step.detail.get("outputs") or {}) | set(step.detail.get("changed") or [])
        if proposal.DECISION_KEY in touched:
            raise RuleViolation("decision_by_head",
                                f"script task '{step.element_id}' sets '{proposal.DECISION_KEY}'; decisions are made "
                                "by the head (负责人) in a decision task after the legal review, never by a script "
                                "(APL 58)")


def check_data_edit(instance: Instance, changes: dict[str, Any], ready: list[TaskRow]) -> None:
    """An admin data edit may not undo what binds the decision.

    * After an effective decision its content and record (proposal keys, ``decision``, ``decision_text``,
      ``decision_number``, ``decision_date``) are fixed: a changed decision is a new decision (rewind to
      the decision task, which meets the gate again), a published one goes through APL 48.
    * A catalogue input the case made true (hearing held, complex case, suspected crime, major) is never
      set back to false (APL 58).

    Raises:
        RuleViolation ``decided_content``.
    """
    undone = sorted(k for k in (*STICKY_FACTS, "is_major")
                    if k in changes and changes[k] is not True and instance.data.get(k) is True)
    if undone:
        raise RuleViolation("decided_content", f"{', '.join(undone)} made this case major or binds its review "
                                               "(APL 57, 58); an edit cannot undo it")
    touched = sorted(set(changes) & {*proposal.PROPOSAL_KEYS, *DECISION_RECORD_KEYS})
    if not touched or any(row.kind in DECISION_KINDS for row in ready):
        return
    latest = latest_decision_gate(instance)
    if latest is not None and latest.get("effective") is not False:
        raise RuleViolation("decided_content",
                            f"the case is decided; {', '.join(touched)} can change only through a new decision "
                            "(rewind to the decision task, which then meets the legal-review gate again, APL 58)")


def check_published_content(instance: Instance) -> None:
    """What is published is what was decided: the case's content has the digest the decision recorded.

    Raises:
        RuleViolation ``decided_content`` (the publish hook records it as ``disclosure_withheld``).
    """
    latest = latest_decision_gate(instance)
    if latest is None or not latest.get("digest"):
        return
    if latest.get("effective") is False:
        raise RuleViolation("decided_content", "the latest decision was returned for review: nothing to publish")
    if proposal.digest(instance.data) != latest["digest"]:
        raise RuleViolation("decided_content", "the case's content differs from what the head decided (APL 58, 59); "
                                               "it is not published")
