"""User administration: what an admin sends and what comes back (never a password hash)."""
from __future__ import annotations

import re
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from engine.roles import ROLES

from ..auth.lockout import storable

USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{1,63}")


def _username(value: str) -> None:
    if not USERNAME.fullmatch(value):
        raise ValidationError("2-64 characters: letters, digits, '_', '.', '-' (starting with a letter or digit)")


def _text(value: str) -> None:
    if not value.strip():
        raise ValidationError("must not be blank")
    if storable(value, 10_000) != value or any(ord(ch) < 32 for ch in value):
        raise ValidationError("must not contain control characters or invalid unicode")


def _roles(value: list[str]) -> None:
    unknown = sorted({r for r in value if r not in ROLES})
    if unknown:
        raise ValidationError(f"unknown role(s): {', '.join(unknown)}; known: {', '.join(ROLES)}")
    if len(set(value)) != len(value):
        raise ValidationError("a role is listed twice")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class OrgRefMixin:
    org = fields.String(validate=validate.Length(min=1, max=32),
                        metadata={"description": "the user's organisation, by code (or give org_id)"})
    org_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))


class UserCreateSchema(OrgRefMixin, _Strict):
    username = fields.String(required=True, validate=_username)
    display_name = fields.String(required=True, validate=[validate.Length(min=1, max=128), _text])
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=1024))
    roles = fields.List(fields.String(), required=True, validate=[validate.Length(max=len(ROLES)), _roles])
    legal_qualified = fields.Boolean(load_default=False)
    active = fields.Boolean(load_default=True)

    @validates_schema
    def _org(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("org") is None and data.get("org_id") is None:
            raise ValidationError({"org": ["give the user's organisation: org (code) or org_id"]})


class UserChangeSchema(OrgRefMixin, _Strict):
    display_name = fields.String(validate=[validate.Length(min=1, max=128), _text])
    roles = fields.List(fields.String(), validate=[validate.Length(max=len(ROLES)), _roles])
    legal_qualified = fields.Boolean()
    active = fields.Boolean()
    reason = fields.String(validate=[validate.Length(max=2000), _text],
                           metadata={"description": "recorded with the change"})

    @validates_schema
    def _something(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not set(data) - {"reason"}:
            raise ValidationError({"_schema": ["nothing to change"]})


class PasswordSchema(_Strict):
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=1024))


class UserCertificateInSchema(_Strict):
    number = fields.String(required=True, validate=[validate.Length(min=1, max=64), _text])
    category = fields.String(required=True, validate=[validate.Length(min=1, max=64), _text])
    area = fields.String(allow_none=True, validate=[validate.Length(max=128), _text])
    valid_from = fields.Date(required=True)
    valid_to = fields.Date(allow_none=True)

    @validates_schema
    def _period(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("valid_to") is not None and data["valid_to"] < data["valid_from"]:
            raise ValidationError({"valid_to": ["must not be before valid_from"]})


class CertificateOutSchema(Schema):
    number = fields.String()
    category = fields.String()
    area = fields.String(allow_none=True)
    valid_from = fields.String()
    valid_to = fields.String(allow_none=True)


class UserSchema(Schema):
    username = fields.String()
    display_name = fields.String()
    roles = fields.List(fields.String())
    legal_qualified = fields.Boolean()
    active = fields.Boolean()
    demo = fields.Boolean(metadata={"description": "created by the demo seed (password 'demo')"})
    org = fields.String(allow_none=True)
    org_id = fields.Integer(allow_none=True)
    certificates = fields.List(fields.Nested(CertificateOutSchema))
    locked = fields.Boolean(metadata={"description": "login locked after too many failures"})
    locked_until = fields.DateTime(allow_none=True, metadata={"description": "null: until an admin lifts it"})
    failed_logins = fields.Integer(metadata={"description": "failures in a row since the last success or lift"})
    created_at = fields.DateTime()

