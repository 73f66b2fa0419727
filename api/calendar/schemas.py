from __future__ import annotations

from marshmallow import INCLUDE, Schema, fields, validate


class YearScheduleInSchema(Schema):
    """A year's official schedule; every check (dates, the year, overlaps) is made by
    ``engine.holiday_schedule.normalize`` so each problem names its field (422)."""

    class Meta:
        unknown = INCLUDE

    holidays = fields.List(fields.Raw(), metadata={
        "description": 'holidays: "2027-01-01", {"date", "name"} or {"from", "to", "name"} (e.g. 春节)'})
    workdays = fields.List(fields.Raw(), metadata={
        "description": '调休 make-up working days (Saturdays/Sundays): "2027-02-07" or {"date", "name"}'})
    source = fields.Raw(metadata={"description": "the notice, e.g. 国务院办公厅关于2027年部分节假日安排的通知"})


class HolidaySchema(Schema):
    start = fields.String(data_key="from", attribute="from")
    to = fields.String()
    name = fields.String(allow_none=True)


class WorkdaySchema(Schema):
    date = fields.String()
    name = fields.String(allow_none=True)


class YearScheduleSchema(Schema):
    year = fields.Integer()
    version = fields.Integer(metadata={"description": "version of the calendar_years setting"})
    holidays = fields.List(fields.Nested(HolidaySchema))
    workdays = fields.List(fields.Nested(WorkdaySchema))
    source = fields.String(allow_none=True)


class UnknownYearSchema(Schema):
    year = fields.Integer()
    message = fields.String()
    message_zh = fields.String()
    tasks = fields.Integer(metadata={"description": "open tasks whose deadline reaches the year"})
    instances = fields.Integer(metadata={"description": "running cases whose deadline reaches the year"})


class CalendarStatusSchema(Schema):
    today = fields.String()
    unknown_year_policy = fields.String()
    package_years = fields.Dict()
    loaded_years = fields.List(fields.Integer())
    unknown_years_in_use = fields.List(fields.Nested(UnknownYearSchema))
    current_year_known = fields.Boolean()
    next_year_known = fields.Boolean()


class ConfirmationInSchema(Schema):
    instance_id = fields.Integer(required=True, metadata={"description": "the case whose deadlines were checked"})
    note = fields.String(required=True, validate=validate.Length(min=1, max=500), metadata={
        "description": "what was checked, e.g. 期限已按2027年节假日安排核对，无需调整"})


class ConfirmationSchema(Schema):
    instance_id = fields.Integer()
    years = fields.List(fields.Integer())
    note = fields.String()
