from __future__ import annotations

from marshmallow import Schema, fields


class OrganisationSchema(Schema):
    id = fields.Integer()
    code = fields.String()
    name = fields.String()
    kind = fields.String(metadata={"description": "province | city | county | bureau | unit | justice"})
    parent = fields.String(allow_none=True, metadata={"description": "the parent's code"})
    supervises = fields.String(allow_none=True, metadata={"description": "code of the node whose subtree it "
                                                                         "supervises (read-only)"})
    access = fields.String(metadata={"description": "write: the caller's own bureau (or below); read: a node it "
                                                    "supervises; above: an ancestor (its settings and lists are "
                                                    "inherited)"})
    own = fields.Boolean(metadata={"description": "the caller's own node"})
