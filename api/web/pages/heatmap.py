"""The heatmap of one process version: the diagram with, on each element, the cases now there and the cases that
passed it, coloured by the median time spent there (GET /api/v1/definitions/<key>/versions/<v>/stats, the same
figures, for the same caller: their bureau's cases; ``?org=<code>`` a node they read)."""
from __future__ import annotations

from flask import Response, abort, redirect, render_template, request, url_for

from engine.clock import BEIJING

from ... import permissions
from ...definitions.schemas import ElementStatsSchema
from ...extensions import db
from ...models import DefinitionFile
from ...security import current_user
from ...services import definitions as service
from ...services import element_stats, org_scope, orgs
from .. import web_blp
from ..i18n import t

#: the strings the page's script shows
SCRIPT_STRINGS = ("heatmap_active", "heatmap_passed", "heatmap_median", "heatmap_none", "heatmap_hours",
                  "heatmap_minutes", "heatmap_days", "heatmap_seconds")


@web_blp.route("/processes/<key>/versions/<int:version>/heatmap")
def definitions_heatmap(key: str, version: int):
    user = current_user(required=False)
    if user is None:
        abort(redirect(url_for("web.login")))
    if not permissions.can(user, "definition.stats"):
        abort(Response(render_template("message.html", message=t("heatmap_not_allowed")), status=403))
    try:
        ver = service.version_of(key, version)
    except Exception:  # noqa: BLE001 - engine NotFound: the page's 404
        abort(404)
    if not service.visible(user, [ver]):
        abort(404)
    org_id = org_scope.readable_org(user, request.args.get("org")) or org_scope.write_org(user)
    permissions.check_org(user, org_id, "definition.stats", "organisation")
    figures = element_stats.element_stats(ver, orgs.subtree(org_id))
    stats = ElementStatsSchema().dump({**figures, "org": org_scope.code_of(org_id)})
    data = {"key": key, "version": version, "xml": db.session.get(DefinitionFile, ver.sha256).content.decode("utf-8"),
            "stats": stats, "stats_url": f"/api/v1/definitions/{key}/versions/{version}/stats",
            "strings": {k: t(k) for k in SCRIPT_STRINGS}}
    rows = [e for e in stats["elements"] if e["active"] or e["passed"]]
    return render_template("definitions/heatmap.html", ver=ver, data=data, stats=stats, rows=rows,
                           org_name=org_scope.name_of(org_id),
                           as_of=figures["as_of"].astimezone(BEIJING).strftime("%Y-%m-%d %H:%M"))
