"""The engine's clock: one instant per step, so a replay sees the same time as the original run.

The service sets :data:`CLOCK` to the request's time (and stamps that request's
events with it); the replay sets it to each recorded event's time. Script
helpers (``today()``, ``now_iso()``) and SpiffWorkflow's timers read it.
SpiffWorkflow's timer module calls ``datetime.now(timezone.utc)`` directly, so
:func:`install` points that module's ``datetime`` at :class:`ClockDatetime`.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

CLOCK: ContextVar[datetime | None] = ContextVar("sanxiang_clock", default=None)
BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


def now() -> datetime:
    """The step's instant (UTC, aware); the real time when no step clock is set."""
    fixed = CLOCK.get()
    if fixed is None:
        return datetime.now(UTC)
    return fixed if fixed.tzinfo else fixed.replace(tzinfo=UTC)


def today() -> date:
    """The step's date in Beijing (working days are local dates)."""
    return now().astimezone(BEIJING).date()


@contextmanager
def fixed(at: datetime) -> Iterator[datetime]:
    """Run a block with the clock fixed at ``at``."""
    token = CLOCK.set(at if at.tzinfo else at.replace(tzinfo=UTC))
    try:
        yield CLOCK.get()
    finally:
        CLOCK.reset(token)


class ClockDatetime(datetime):
    """A datetime whose ``now`` follows :data:`CLOCK`."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
        current = now()
        return current.astimezone(tz) if tz is not None else current.astimezone().replace(tzinfo=None)


def install() -> None:
    """Make SpiffWorkflow's timers read the engine clock (idempotent)."""
    from SpiffWorkflow.bpmn.specs.event_definitions import timer

    timer.datetime = ClockDatetime


install()
