"""``/api/v1/recording-items``: the bureau's A/V recording list (音像记录事项和岗位清单, seed 四(二)1)."""
from __future__ import annotations

from flask.views import MethodView

from . import blp, recording
from .resources import _put_version, _read_org
from .schemas import OrgQuerySchema, RecordingItemInSchema, RecordingItemSchema


@blp.route("/recording-items")
class RecordingItems(MethodView):
    @blp.arguments(OrgQuerySchema, location="query")
    @blp.response(200, RecordingItemSchema(many=True))
    def get(self, query):
        """The A/V recording list of the caller's bureau (``?org=<code>``: a node the caller reads), entries set at
        the platform root included, retired ones too (login required)."""
        return recording.current(include_retired=True, org_id=_read_org(query))

    @blp.arguments(RecordingItemInSchema)
    @blp.arguments(OrgQuerySchema, location="query")
    @blp.response(201, RecordingItemSchema)
    def post(self, args, query):
        """A new version of an entry of the caller's bureau list (admin or process_owner; ``?org=<code>``: a node
        within reach, 404 another bureau's, 403 a supervisor); the earlier versions stay. 422 when invalid."""
        return _put_version(recording.put, args, query)


@blp.route("/recording-items/<code>")
class RecordingItemVersions(MethodView):
    @blp.arguments(OrgQuerySchema, location="query")
    @blp.response(200, RecordingItemSchema(many=True))
    def get(self, query, code):
        """Every version of one entry of the caller's bureau list, oldest first, each with who changed it and when
        (login required); 404 for another bureau's entry."""
        return recording.versions(code, _read_org(query))
