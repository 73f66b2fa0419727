"""``POST /api/v1/disclosures/<id>/withdrawals``: the bureau starts a withdrawal (APL 48).

When a published decision is changed or revoked (行政复议, 行政诉讼, 自行纠正), the publicity
officer or the head starts the withdrawal here, with the basis, the event and its date; the
withdrawal task is due 3 working days after that date. This blueprint lives beside the public
one (same resource, the bureau's side) and is registered with it.
"""
from __future__ import annotations

from datetime import date

from flask.views import MethodView

from engine.errors import NotFound

from .. import permissions
from ..blueprint import Blueprint
from ..extensions import api, db
from ..security import client_addr
from ..services.disclosures import case_org, get_disclosure
from ..services.instances import open_tasks
from ..services.withdrawals import start_withdrawal
from . import blp as public_blp
from .schemas import WithdrawalCaseSchema, WithdrawalStartSchema

withdrawals_blp = Blueprint("disclosures", __name__, url_prefix="/api/v1/disclosures",
                            description="The bureau withdraws published decisions (APL 48)")


@withdrawals_blp.route("/<int:disclosure_id>/withdrawals")
class Withdrawals(MethodView):
    @withdrawals_blp.arguments(WithdrawalStartSchema)
    @withdrawals_blp.response(201, WithdrawalCaseSchema)
    def post(self, args, disclosure_id):
        """Start the withdrawal of a published decision that was changed or revoked (publicity officer or head).

        403 for other roles, 404 for an unknown disclosure, 409 when it is already withdrawn or corrected,
        422 naming the field for a bad basis, event, a future event date or a blank reason.
        """
        user = permissions.require("withdrawal.start")
        found = get_disclosure(disclosure_id)
        try:  # another bureau's decision is not found, before any of the request is checked against it
            permissions.check_org(user, case_org(found.instance_id), "withdrawal.start", "disclosure")
        except NotFound:
            raise NotFound(f"disclosure {disclosure_id} not found") from None
        case = start_withdrawal(disclosure_id, args["withdraw_basis"], args["event_kind"], args["event_date"],
                                args["reason"], user, client_addr())
        db.session.commit()
        tasks = open_tasks(case.id)
        due = case.data.get("withdraw_due")
        return {"disclosure_id": disclosure_id, "case_id": case.id,
                "withdraw_due": date.fromisoformat(str(due)[:10]) if due else None,
                "task_id": tasks[0].id if tasks else None}


@public_blp.record_once
def _register_withdrawals(state) -> None:  # noqa: ANN001 - flask's BlueprintSetupState
    """Registered with the public blueprint (the app factory's list stays as it is)."""
    if "disclosures" not in state.app.blueprints:
        api.register_blueprint(withdrawals_blp)
