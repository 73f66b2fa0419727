"""Users, their certificates, login credentials (API and web-session tokens) and login attempts."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import JSONType, UTCDateTime, utcnow


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    display_name: Mapped[str] = mapped_column(String(128), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(256), nullable=False)
    roles: Mapped[list] = mapped_column(JSONType, nullable=False, default=list)
    legal_qualified: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    #: the user's organisation (a bureau, a unit of one, or a supervising justice bureau); see models/orgs.py
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    #: created by ``seed_demo`` (password "demo"): outside demo mode the server refuses to start while one exists
    demo: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    certificates: Mapped[list[Certificate]] = relationship(back_populates="user", lazy="select")

    def has_role(self, role: str | None) -> bool:
        return role is not None and role in (self.roles or [])

    def certificate_on(self, day: date) -> Certificate | None:
        """The certificate valid on ``day``, if any."""
        for cert in self.certificates:
            if cert.valid_from <= day and (cert.valid_to is None or day <= cert.valid_to):
                return cert
        return None


class Certificate(db.Model):
    """An enforcement certificate (执法证)."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, nullable=False)
    number: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    category: Mapped[str] = mapped_column(String(64), nullable=False)
    area: Mapped[str | None] = mapped_column(String(128))
    valid_from: Mapped[date] = mapped_column(Date, nullable=False)
    valid_to: Mapped[date | None] = mapped_column(Date)

    user: Mapped[User] = relationship(back_populates="certificates")

    def as_dict(self) -> dict:
        return {
            "number": self.number,
            "category": self.category,
            "area": self.area,
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
        }


class ApiToken(db.Model):
    """A login credential: a Bearer token (``kind`` "api") or the token a web session cookie carries ("web").

    Only the sha256 of the token is stored. Revoking sets ``revoked_at`` once (logout, password reset,
    deactivation); a revoked or expired token authenticates nobody.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False, default="api")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")


class LoginAttempt(db.Model):
    """One login attempt, by the username typed (known or not) and the client address.

    ``outcome``: "pending" (written before the password is checked, so concurrent guesses count),
    then "ok", "failed" or "refused" (locked or rate-limited); "lifted" marks an admin lifting a lockout.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_username_id", "username", "id"),
        Index("ix_login_attempts_addr_at", "client_addr", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False)
    client_addr: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, default=utcnow)
    outcome: Mapped[str] = mapped_column(String(8), nullable=False, default="pending")
    actor: Mapped[str | None] = mapped_column(String(64))
