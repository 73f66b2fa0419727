from __future__ import annotations

from flask.views import MethodView

from .. import permissions
from ..extensions import db
from ..security import client_addr, current_user
from ..services import calendar_rechecks
from ..services import calendar_years as service
from . import blp
from .schemas import (
    CalendarStatusSchema,
    ConfirmationInSchema,
    ConfirmationSchema,
    YearScheduleInSchema,
    YearScheduleSchema,
)

#: who loads a year's schedule: the same roles that edit the calendar settings
#: who confirms a case's deadline against a loaded calendar: the handling officer, a head, the calendar editors


@blp.route("/status")
class CalendarStatus(MethodView):
    @blp.response(200, CalendarStatusSchema)
    def get(self):
        """The caller's bureau calendar: known years (package, loaded by the bureau or above), the unknown-year
        policy, and the unknown years the bureau's open deadlines reach."""
        current_user()
        return service.status()


@blp.route("/years/<int:year>")
class CalendarYear(MethodView):
    @blp.response(200, YearScheduleSchema)
    def get(self, year):
        """The schedule loaded for ``year`` in force for the caller's bureau; 404 when none is loaded."""
        current_user()
        return service.loaded_year(year)

    @blp.arguments(YearScheduleInSchema)
    @blp.response(200, YearScheduleSchema)
    def put(self, args, year):
        """Load ``year``'s official holidays and make-up working days in one request (admin, process_owner), for
        the caller's bureau (a platform user at the root: for every bureau without its own).

        Stored as a new version of the ``calendar_years`` setting (older versions are kept). 422 naming the
        field for a bad date, a date outside the year, a date both holiday and workday, a workday on a
        weekday; 409 for a year the holiday package already has. Deadlines and flags use it at once.
        """
        user = permissions.require("calendar.edit")
        result = service.load_year(year, args, user.username, client_addr())
        db.session.commit()
        return result


@blp.route("/confirmations")
class DeadlineConfirmations(MethodView):
    @blp.arguments(ConfirmationInSchema)
    @blp.response(201, ConfirmationSchema)
    def post(self, args):
        """Confirm a case's deadlines computed before a year's calendar was loaded (officer, head, admin,
        process_owner): recorded as ``deadline_confirmed`` on the case's history; the flag "deadline computed
        before the <year> calendar was loaded — check it" goes. 409 when no deadline of the case awaits a check.
        """
        user = permissions.require("calendar.confirm")
        # the case as for any other write: another bureau's 404, a case one is not on 403, a supervisor 403
        permissions.open_case(args["instance_id"], "calendar.confirm")
        role = permissions.acting_role(user, "calendar.confirm")
        result = calendar_rechecks.confirm(args["instance_id"], args["note"], user.username, role, client_addr())
        db.session.commit()
        return result
