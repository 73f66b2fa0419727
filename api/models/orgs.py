"""Organisations: one tree per platform (province → city → county → bureau → unit).

Every user, case, definition, setting and register entry belongs to one node. A node's ``path`` lists its
ancestors' ids (``/1/3/7/``) so a subtree is one ``LIKE`` query. A supervising node (the county justice
bureau's 行政执法监督) names the node whose subtree it reads, read-only, in ``supervises_id``.
"""
from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

ORG_KINDS = ("province", "city", "county", "bureau", "unit", "justice")


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    path: Mapped[str] = mapped_column(String(512), nullable=False, default="/", index=True)
    supervises_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))

    def as_dict(self) -> dict:
        return {"id": self.id, "code": self.code, "name": self.name, "kind": self.kind,
                "parent_id": self.parent_id, "supervises_id": self.supervises_id}
