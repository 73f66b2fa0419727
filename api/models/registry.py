"""Before-the-fact publicity (事前公开) as data: the list of powers and duties (权责清单), the
random-inspection item list (随机抽查事项清单) and the directory of inspection targets (检查对象名录).

Each change of an item is a new, append-only version; the highest version of a code is
current, and a version with ``retired`` set takes the item off the public list. Every list belongs to a
bureau (``org_id``); entries set at the platform root are every bureau's until a bureau changes its own
(api/registry/lists.py). ``org`` gives the owning node's code (public lists show it). A lottery
plan (双随机) is fixed and committed before its draw; its server random value is revealed
by a later, separate row. A permit application's item values are fixed when it is registered.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .append_only import append_only
from .types import JSONType, UTCDateTime, utcnow
from .versioned_list import LATER_COLUMNS, VersionedListEntry

POWER_CATEGORIES = ("permit", "penalty", "inspection", "compulsion", "other")
#: what the bureau does on a permit item: decide it, or give a preliminary opinion forwarded upwards (RRA 21)
POWER_OUTCOMES = ("decision", "forward")
#: 救济渠道 (docs/DOMAIN.md §1.1): the default remedies text of an item
DEFAULT_REMEDIES = ("对本行政行为不服的，可以自知道之日起60日内依法申请行政复议，"
                    "或者自知道或者应当知道之日起6个月内依法提起行政诉讼。")


@append_only
class PowerItem(VersionedListEntry, db.Model):
    __tablename__ = "power_items"

    name: Mapped[str] = mapped_column(String(255), nullable=False)
    category: Mapped[str] = mapped_column(String(16), nullable=False)  # one of POWER_CATEGORIES
    legal_basis: Mapped[str] = mapped_column(Text, nullable=False)
    procedure: Mapped[str | None] = mapped_column(Text)
    #: the time limit as published (e.g. "30日", "20个工作日"); days and their kind as data for deadlines
    time_limit: Mapped[str | None] = mapped_column(String(255))
    time_limit_days: Mapped[int | None] = mapped_column(Integer)
    working_days: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    remedies: Mapped[str] = mapped_column(Text, nullable=False, default=DEFAULT_REMEDIES)
    #: the value processes and forms use for the item (e.g. permit_item = "venue_registration")
    item_key: Mapped[str | None] = mapped_column(String(64), index=True)
    outcome: Mapped[str] = mapped_column(String(16), nullable=False, default="decision")  # one of POWER_OUTCOMES
    #: for outcome "forward": the authority the preliminary opinion goes to
    forward_to: Mapped[str | None] = mapped_column(String(255))


@append_only
class InspectionItem(VersionedListEntry, db.Model):
    """One version of an item of the random-inspection list (随机抽查事项清单)."""

    __tablename__ = "inspection_items"

    name: Mapped[str] = mapped_column(String(255), nullable=False)
    legal_basis: Mapped[str] = mapped_column(Text, nullable=False)
    #: which part of the target directory the item inspects (InspectionTarget.category)
    target_category: Mapped[str] = mapped_column(String(64), nullable=False)
    method: Mapped[str | None] = mapped_column(Text)


@append_only
class InspectionTarget(VersionedListEntry, db.Model):
    """One version of an entry of the directory of inspection targets (检查对象名录)."""

    __tablename__ = "inspection_targets"

    name: Mapped[str] = mapped_column(String(255), nullable=False)
    category: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    note: Mapped[str | None] = mapped_column(Text)
    #: the target's party identifier as a keyed digest and masked (engine/parties.py; revision 0007): the
    #: inspection case of a drawn target is linked to the party's permits (审批与监管信息交换共享)
    party_key: Mapped[str | None] = mapped_column(String(64), sort_order=LATER_COLUMNS)
    party_masked: Mapped[str | None] = mapped_column(String(32), sort_order=LATER_COLUMNS)


@append_only
class LotteryPlan(db.Model):
    """A fixed lottery plan and the commitment to its server random value (双随机: committed before the draw).

    ``secret`` stays on the server until a :class:`LotteryReveal` row publishes it at the draw.
    """

    __tablename__ = "lottery_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    #: the bureau of the case (its lists were drawn from)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    plan: Mapped[dict] = mapped_column(JSONType, nullable=False)
    plan_digest: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    commitment: Mapped[str] = mapped_column(String(64), nullable=False)
    secret: Mapped[str] = mapped_column(String(64), nullable=False)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


@append_only
class LotteryReveal(db.Model):
    """The draw of a plan: its server random value, now public, and the pool members excluded at the draw.

    ``excluded`` lists ``{"inspector", "reason", "note"}`` (reason: ``inactive``, ``certificate_not_valid``,
    ``recused``); None on a reveal recorded before exclusions were kept (nobody was excluded then).
    """

    __tablename__ = "lottery_reveals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("lottery_plans.id"), nullable=False, unique=True)
    revealed_by: Mapped[str] = mapped_column(String(64), nullable=False)
    revealed_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    excluded: Mapped[list | None] = mapped_column(JSONType)


@append_only
class LotteryAbandonment(db.Model):
    """A plan the head abandoned before its draw (with the reason, published); it can no longer be drawn."""

    __tablename__ = "lottery_abandonments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("lottery_plans.id"), nullable=False, unique=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    abandoned_by: Mapped[str] = mapped_column(String(64), nullable=False)
    abandoned_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)


@append_only
class PermitItemRecord(db.Model):
    """The list-of-powers values of a permit application's item, fixed when the application is registered.

    Later steps of the case (acceptance, publication) use these values, whatever the list says by then
    (a retired or changed item does not change a pending application) and whatever the case data says.
    """

    __tablename__ = "permit_item_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    instance_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    item_key: Mapped[str] = mapped_column(String(64), nullable=False)
    values: Mapped[dict] = mapped_column(JSONType, nullable=False)
    recorded_by: Mapped[str] = mapped_column(String(64), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
