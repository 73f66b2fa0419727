"""Evidence preservation and execution: the limits the service enforces whatever a deployed diagram says
(docs/DOMAIN.md §2.1 "Evidence preservation", "Execution").

The dates these rules count from are the **service's**: the day of an act is the Beijing date of its
``task_completed`` event (the server's clock), never a date typed into a form; typed dates are only
checked (422 naming the field) — none may lie in the future or before the event it follows.

* ``preservation_deadline`` (APL 56, 85): the preservation date is the day of the preservation act
  (a typed ``preservation_date`` must equal it); a decision on preserved evidence more than 7 working
  days after that day may only release the items (解除先行登记保存) — anything else is refused.
* ``execution_deadline`` (APL 67, ACL 53, 54, 69; 行政诉讼法 46; 行诉解释 156): the party's default
  (``execution_outcome`` "not_performed") is recorded only after ``performance_due`` (15 days from the
  service of the decision, from the history) has passed; the reminder (催告书, ``reminder_number``) is
  served after a recorded default, as its own act; the application to the court (``court_application_number``
  or its approval) is made only after 10 working days from the reminder's service have passed (ACL 54, 69)
  **and** after the party's period to sue has passed: 6 months from the service of the decision (行政诉讼法
  46; the 60-day reconsideration period ends earlier), within the 3 months that follow (ACL 53, 行诉解释 156).
* ``execution_approval`` (ACL 55): the application is approved (signed) by the head, in the head's lane —
  ``compulsory_application_approved`` or a ``head_signed`` tick from any other lane is refused.
"""
from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select

from engine import clock
from engine.errors import FormDataInvalid, RuleViolation

from ..extensions import db
from ..models import Event, Instance, TaskRow
from .runtime import calendar

PRESERVATION_DAYS = 7          # working days (APL 56, 85)
PERFORMANCE_DAYS = 15          # days from service (APL 67)
REMINDER_WORKING_DAYS = 10     # ACL 54; "十日以内" are working days (ACL 69)
LITIGATION_MONTHS = 6          # 行政诉讼法 46
APPLICATION_MONTHS = 3         # ACL 53, 行诉解释 156
RELEASE = "release"
#: submission keys that mark each act in the history (whatever the task is called)
PRESERVATION_ACT, PRESERVATION_DECISION = "preserved_items", "preservation_outcome"
SERVICE_ACT, DEFAULT_KEY, REMINDER_ACT = "service_date", "execution_outcome", "reminder_number"
APPLICATION_KEYS = ("court_application_number", "compulsory_application_approved", "head_signed")
APPROVAL_KEY = "compulsory_application_approved"


@dataclass
class Done:
    """One completed task of the case: its day (server's clock, Beijing) and what was submitted."""

    day: date
    submitted: dict[str, Any]


#: the submission keys the checks look up in the history (``_latest``, the default's outcome)
HISTORY_KEYS = (PRESERVATION_ACT, SERVICE_ACT, DEFAULT_KEY, REMINDER_ACT)


def _history(instance: Instance) -> list[Done]:
    """The completions that submitted one of :data:`HISTORY_KEYS`, oldest first: read in SQL, so a review that
    looped a hundred times (completions without them) adds nothing to read."""
    stmt = (select(Event.at, Event.data).where(
        Event.instance_id == instance.id, Event.type == "task_completed",
        or_(*(Event.data[("submitted", key)].as_string().is_not(None) for key in HISTORY_KEYS)))
        .order_by(Event.seq))
    return [Done(_day(at), (data or {}).get("submitted") or {}) for at, data in db.session.execute(stmt)]


def _day(at: datetime) -> date:
    return at.astimezone(clock.BEIJING).date()


def _latest(done: list[Done], key: str) -> Done | None:
    return next((d for d in reversed(done) if key in d.submitted and d.submitted[key] not in (None, "")), None)


def _typed(submitted: dict[str, Any], key: str) -> date | None:
    value = submitted.get(key)
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise FormDataInvalid({key: [f"not a date: {value!r}"]}) from None


def _not_future(key: str, value: date | None, today: date) -> None:
    if value is not None and value > today:
        raise FormDataInvalid({key: [f"{value} is in the future (today is {today})"]}, "a record cannot be dated ahead")


def _not_before(key: str, value: date | None, earliest: date | None, what: str) -> None:
    if value is not None and earliest is not None and value < earliest:
        raise FormDataInvalid({key: [f"{value} is before {what} ({earliest})"]}, "a record cannot precede what it follows")


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


# -- evidence preservation (APL 56) ---------------------------------------------------------------

def check_preservation(submitted: dict[str, Any], done: list[Done], today: date) -> None:
    if PRESERVATION_ACT in submitted:
        typed = _typed(submitted, "preservation_date")
        if typed is not None and typed != today:
            raise FormDataInvalid({"preservation_date": [
                f"the preservation date is the day of the act, {today} (the service's date), not {typed}: the "
                "7-working-day limit (APL 56) counts from it"]}, "the preservation date is the day of the act")
        submitted["preservation_date"] = today.isoformat()
    if PRESERVATION_DECISION not in submitted:
        return
    act = _latest(done, PRESERVATION_ACT)
    if act is None:
        raise RuleViolation("preservation_deadline", "no preservation act (先行登记保存) is recorded in this case: "
                                                     "there is nothing to decide on (APL 56)")
    limit = calendar().add_working_days(act.day, PRESERVATION_DAYS)
    if today > limit and submitted[PRESERVATION_DECISION] != RELEASE:
        raise RuleViolation("preservation_deadline",
                            f"the evidence was preserved on {act.day}; the decision was due within "
                            f"{PRESERVATION_DAYS} working days, by {limit} (APL 56). After the limit the only "
                            f"lawful decision is to release the items (解除先行登记保存, '{RELEASE}'), not "
                            f"'{submitted[PRESERVATION_DECISION]}'")


# -- execution (APL 67, ACL 53-55) ----------------------------------------------------------------

def performance_due(done: list[Done], current: dict[str, Any]) -> tuple[date, date] | None:
    """(service date, performance deadline) of the decision's service in the history (None before service).
    A diagram's later ``performance_due`` is respected; an earlier one is not."""
    served = _latest(done, SERVICE_ACT)
    if served is None:
        return None
    day = _typed(served.submitted, SERVICE_ACT) or served.day
    due = day + timedelta(days=PERFORMANCE_DAYS)
    try:
        recorded = date.fromisoformat(str(current.get("performance_due"))[:10])
    except ValueError:
        recorded = due
    return day, max(due, recorded)


def _defaulted(done: list[Done], current: dict[str, Any], today: date, what: str) -> tuple[date, date]:
    found = performance_due(done, current)
    if found is None:
        raise RuleViolation("execution_deadline", f"{what}: the decision has not been served yet (APL 61, 67)")
    served, due = found
    if today <= due:
        raise RuleViolation("execution_deadline",
                            f"{what}: the party has until {due} to perform the decision (served {served}; APL 67); "
                            f"a default can be recorded from {due + timedelta(days=1)}, by the service's date")
    return served, due


def check_service(submitted: dict[str, Any], current: dict[str, Any], today: date) -> None:
    if SERVICE_ACT not in submitted or REMINDER_ACT in submitted:
        return
    typed = _typed(submitted, SERVICE_ACT)
    _not_future(SERVICE_ACT, typed, today)
    decided = _typed(current, "decision_date") if current.get("decision_date") else None
    _not_before(SERVICE_ACT, typed, decided, "the decision")


def check_execution(task: TaskRow, submitted: dict[str, Any], current: dict[str, Any], done: list[Done],
                    today: date) -> None:
    if submitted.get(DEFAULT_KEY) == "performed":
        typed = _typed(submitted, "performance_date")
        _not_future("performance_date", typed, today)
        decided = _typed(current, "decision_date") if current.get("decision_date") else None
        _not_before("performance_date", typed, decided, "the decision")
    elif submitted.get(DEFAULT_KEY) not in (None, ""):
        _defaulted(done, current, today, "the party's default (逾期不履行)")
    if REMINDER_ACT in submitted:
        check_reminder(submitted, current, done, today)
    if any(key in submitted for key in APPLICATION_KEYS):
        check_application(task, submitted, current, done, today)


def check_reminder(submitted: dict[str, Any], current: dict[str, Any], done: list[Done], today: date) -> None:
    """The reminder (催告书, ACL 54) is served after a recorded default; its date is not ahead nor before it."""
    _, due = _defaulted(done, current, today, "the reminder (催告书)")
    default = next((d for d in reversed(done) if d.submitted.get(DEFAULT_KEY) == "not_performed"), None)
    if default is None:
        raise RuleViolation("execution_deadline", "the reminder (催告书) follows a recorded default (逾期不履行): "
                                                  "record that the party did not perform first (ACL 54)")
    typed = _typed(submitted, "reminder_served_date")
    _not_future("reminder_served_date", typed, today)
    _not_before("reminder_served_date", typed, default.day, "the recorded default")
    submitted["reminder_served_date"] = (typed or today).isoformat()


def application_window(done: list[Done], current: dict[str, Any]) -> tuple[date, date, date] | None:
    """(earliest day by the reminder, earliest day by the period to sue, last day) or None without a reminder."""
    reminder = _latest(done, REMINDER_ACT)
    found = performance_due(done, current)
    if reminder is None or found is None:
        return None
    served_reminder = _typed(reminder.submitted, "reminder_served_date") or reminder.day
    by_reminder = calendar().add_working_days(served_reminder, REMINDER_WORKING_DAYS) + timedelta(days=1)
    period_end = add_months(found[0], LITIGATION_MONTHS)
    return by_reminder, period_end + timedelta(days=1), add_months(period_end, APPLICATION_MONTHS)


def check_application(task: TaskRow, submitted: dict[str, Any], current: dict[str, Any], done: list[Done],
                      today: date) -> None:
    """The application to the court: after the reminder period and the period to sue, approved by the head."""
    signs = submitted.get(APPROVAL_KEY) not in (None, "") or submitted.get("head_signed") is True
    if signs and task.role != "head":
        raise RuleViolation("execution_approval",
                            f"'{task.name}' sits in the '{task.role}' lane: the application for compulsory "
                            "execution is approved and signed by the head (负责人) in a head's task (ACL 55), "
                            "not ticked by an officer")
    window = application_window(done, current)
    if window is None:
        raise RuleViolation("execution_deadline", "no reminder (催告书) is recorded: the party is reminded before "
                                                  "an application to the court (ACL 54)")
    by_reminder, by_litigation, last = window
    earliest = max(by_reminder, by_litigation)
    if today < earliest:
        raise RuleViolation("execution_deadline",
                            f"the application to the court can be made from {earliest}: 10 working days after the "
                            f"reminder was served must have passed (from {by_reminder}, ACL 54, 69) and the party's "
                            f"period to sue (6 months from service, 行政诉讼法 46) must have ended (from "
                            f"{by_litigation}, ACL 53, 行诉解释 156); today is {today}")
    typed = _typed(submitted, "court_application_date")
    if typed is not None and typed != today:
        raise FormDataInvalid({"court_application_date": [
            f"the application is dated the day it is made, {today} (the service's date), not {typed}"]})
    if submitted.get(APPROVAL_KEY) == "approved":
        submitted["court_application_date"] = today.isoformat()
        submitted["court_application_last_day"] = last.isoformat()


def check_completion(task: TaskRow, instance: Instance, submitted: dict[str, Any], current: dict[str, Any]) -> None:
    """Every stage rule for one completion (may set the act's date in ``submitted``)."""
    keys = (PRESERVATION_ACT, PRESERVATION_DECISION, SERVICE_ACT, DEFAULT_KEY, REMINDER_ACT, *APPLICATION_KEYS)
    if not any(key in submitted for key in keys):
        return
    today = clock.today()
    done = _history(instance)
    check_preservation(submitted, done, today)
    check_service(submitted, current, today)
    check_execution(task, submitted, current, done, today)
