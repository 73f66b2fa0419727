"""Named locks: one row per logical resource a check-then-write must serialise on (not history)."""
from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class Lock(db.Model):
    __tablename__ = "locks"

    key: Mapped[str] = mapped_column(db.String(200), primary_key=True)
    taken: Mapped[int] = mapped_column(db.Integer, nullable=False, default=0)
