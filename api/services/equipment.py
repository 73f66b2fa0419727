"""The A/V equipment ledger (音像记录设备的配备、领用、管理).

Devices are registered once; each checkout (领用) and return (归还) is a new
``DeviceMovement`` row stamped with the server's UTC time (a client cannot
back-date a movement, so the ledger cannot be arranged after the fact to fit a
recording). Every registration and movement is also an event on the device's
own hash-chained stream ``device:<code>``: two concurrent checkouts of one
device collide on that stream's next seq, and the loser gets a 409.

Times: stored and compared in UTC; a naive datetime passed in is taken as UTC.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from engine import clock
from engine.errors import FormDataInvalid, NotFound, RuleViolation, StateConflict

from ..extensions import db
from ..models import Device, DeviceMovement, Instance, User
from ..models.types import as_utc, utcnow
from . import org_scope, orgs
from .history import append_event
from .locks import hold
from .rules import case_officers

DEVICE_KINDS = ("camera", "recorder", "body_cam")
LEDGER_RULE = "equipment_ledger"



def device_stream(code: str) -> str:
    return f"device:{code}"


def _register_role(user: User) -> str | None:
    """The role under which ``user`` registers and hands out devices (api/permissions.py ``device.register``)."""
    from ..permissions import acting_role  # permissions -> services: import late

    return acting_role(user, "device.register")


def get_device(code: str, user: User | None = None, action: str = "device.read") -> Device:
    """The device with this code (for ``user``: one of their bureau's, or for a read a supervised bureau's).

    Raises:
        NotFound: no such device, or another bureau's. RuleViolation(read_only): a supervisor's change.
    """
    device = db.session.scalar(select(Device).where(Device.code == code))
    if device is None:
        raise NotFound(f"device '{code}' is not in the equipment ledger")
    if user is not None:
        from ..permissions import check_org  # permissions -> services: import late

        check_org(user, device.org_id, action, "device")
    return device


def list_devices(user: User) -> list[Device]:
    """The devices of the organisations ``user`` reads (their bureau; a supervisor: the supervised bureaus)."""
    return list(db.session.scalars(select(Device).where(Device.org_id.in_(list(orgs.read_scope(user))))
                                   .order_by(Device.code)))


def register_device(code: str, name: str, kind: str, user: User, client_addr: str | None) -> Device:
    """Register a device (roles admin, head); no commit.

    Raises:
        RuleViolation: the user is neither admin nor head. StateConflict: the code is taken.
    """
    role = _register_role(user)
    if role is None:
        raise RuleViolation("role", "registering a device needs the role admin or head")
    if db.session.scalar(select(Device.id).where(Device.code == code)) is not None:
        raise StateConflict(f"device '{code}' is already registered")
    device = Device(code=code, org_id=orgs.user_bureau(user), name=name, kind=kind, registered_by=user.username,
                    registered_at=utcnow())
    db.session.add(device)
    db.session.flush()
    append_event(device_stream(code), None, "device_registered", actor=user.username, role=role,
                 data={"code": code, "name": name, "kind": kind}, client_addr=client_addr)
    return device


def last_movement(device: Device, when: datetime | None = None) -> DeviceMovement | None:
    """The device's latest movement (at or before ``when``, if given)."""
    stmt = select(DeviceMovement).where(DeviceMovement.device_id == device.id)
    if when is not None:
        stmt = stmt.where(DeviceMovement.at <= as_utc(when))
    return db.session.scalar(stmt.order_by(DeviceMovement.at.desc(), DeviceMovement.id.desc()).limit(1))


def current_holders(devices: list[Device]) -> dict[int, str]:
    """Device id -> the officer holding it now, for the devices currently checked out."""
    if not devices:
        return {}
    latest = (select(DeviceMovement.device_id, func.max(DeviceMovement.id).label("last_id"))
              .where(DeviceMovement.device_id.in_([d.id for d in devices]))
              .group_by(DeviceMovement.device_id).subquery())
    rows = db.session.execute(select(DeviceMovement.device_id, DeviceMovement.action, DeviceMovement.officer)
                              .join(latest, DeviceMovement.id == latest.c.last_id))
    return {device_id: officer for device_id, action, officer in rows if action == "checkout"}


def holder_at(device_code: str, when: datetime) -> str | None:
    """Who held the device at ``when`` (naive = UTC), from the movements; None if nobody or unknown device."""
    device = db.session.scalar(select(Device).where(Device.code == device_code))
    if device is None:
        return None
    move = last_movement(device, when)
    return move.officer if move is not None and move.action == "checkout" else None


def _movement(device: Device, action: str, officer: str, user: User, role: str | None, note: str | None,
              client_addr: str | None) -> DeviceMovement:
    # the step's instant (engine/clock.py: the request's server time), the same as the movement's event
    move = DeviceMovement(device_id=device.id, action=action, officer=officer, at=clock.now(), by=user.username,
                          note=note)
    db.session.add(move)
    db.session.flush()
    append_event(device_stream(device.code), None, f"device_{action}", actor=user.username, role=role,
                 data={"code": device.code, "movement_id": move.id, "officer": officer, "note": note},
                 client_addr=client_addr)
    return move


def _last_before_now(device: Device, code: str) -> DeviceMovement | None:
    """The device's last movement, read under its lock; a movement is dated by its request's instant, so one that
    waited for the lock while a later-started request wrote is refused (409): the ledger's order by time is the
    order its movements were recorded in (a checkout dated before the one it followed read as the last).

    Raises:
        StateConflict: the last movement is dated after this request's instant.
    """
    last = last_movement(device)
    if last is not None and as_utc(last.at) > clock.now():
        raise StateConflict(f"another movement of device '{code}' was recorded at the same time; reload and retry")
    return last


def checkout(code: str, officer: str, user: User, note: str | None, client_addr: str | None) -> DeviceMovement:
    """Check a device out to ``officer``; no commit.

    Admin and head may check out to any officer; an officer only to themself.

    Raises:
        NotFound: no such device (another bureau's included). FormDataInvalid: ``officer`` is not an active
        officer of the device's bureau. RuleViolation: the caller may not record this. StateConflict: the
        device is already checked out.
    """
    device = get_device(code, user, "device.checkout")
    role = _register_role(user)
    if role is None:
        if not (user.has_role("officer") and user.username == officer):
            raise RuleViolation("role", "an officer may only check a device out to themself; "
                                        "admin or head records checkouts for others")
        role = "officer"
    holder = db.session.scalar(select(User).where(User.username == officer))
    if (holder is None or not holder.active or not holder.has_role("officer")
            or not org_scope.in_bureau(holder, device.org_id)):  # one answer: no oracle for another bureau's users
        raise FormDataInvalid({"officer": [f"'{officer}' is not an active officer of the bureau the device "
                                           "belongs to"]})
    hold(f"device:{device.id}")  # movements of one device take turns: each reads the last one written before it
    last = _last_before_now(device, code)
    if last is not None and last.action == "checkout":
        raise StateConflict(f"device '{code}' is checked out to {last.officer} since {last.at.isoformat()}; "
                            "return it first")
    return _movement(device, "checkout", officer, user, role, note, client_addr)


def return_device(code: str, user: User, note: str | None, client_addr: str | None) -> DeviceMovement:
    """Record the return of a checked-out device; no commit.

    Admin and head may record any return; an officer only the return of a device they hold.

    Raises:
        NotFound: no such device (another bureau's included). StateConflict: not checked out. RuleViolation: the
        caller may not record it.
    """
    device = get_device(code, user, "device.return")
    hold(f"device:{device.id}")  # as checkout: two returns at once record one
    last = _last_before_now(device, code)
    if last is None or last.action != "checkout":
        raise StateConflict(f"device '{code}' is not checked out")
    role = _register_role(user)
    if role is None:
        if not (user.has_role("officer") and user.username == last.officer):
            raise RuleViolation("role", f"device '{code}' is held by {last.officer}; only they, admin or head "
                                        "may record its return")
        role = "officer"
    return _movement(device, "return", last.officer, user, role, note, client_addr)


def ledger(code: str, user: User | None = None) -> list[DeviceMovement]:
    """Every movement of the device, oldest first.

    Raises:
        NotFound: no such device (for ``user``: another bureau's too).
    """
    device = get_device(code, user)
    return list(db.session.scalars(select(DeviceMovement).where(DeviceMovement.device_id == device.id)
                                   .order_by(DeviceMovement.at, DeviceMovement.id)))


def check_recording_device(instance: Instance, device_code: str, captured_at: datetime) -> str:
    """The officer who held ``device_code`` at ``captured_at``, if they are an officer of the case.

    Raises:
        RuleViolation(equipment_ledger): the device is unknown, was not checked out at that time,
        or was held by someone who is not an officer of the case.
    """
    when = as_utc(captured_at)
    device = db.session.scalar(select(Device).where(Device.code == device_code))
    if device is None:
        raise RuleViolation(LEDGER_RULE, f"device '{device_code}' is not in the equipment ledger")
    holder = holder_at(device_code, when)
    if holder is None:
        raise RuleViolation(LEDGER_RULE, f"device '{device_code}' was not checked out to anyone at "
                                         f"{when.isoformat()} (UTC) according to the equipment ledger")
    officers = case_officers(instance)
    if holder not in officers:
        raise RuleViolation(LEDGER_RULE, f"device '{device_code}' was checked out to {holder} at {when.isoformat()} "
                                         f"(UTC), who is not an officer of this case ({', '.join(sorted(officers))})")
    return holder
