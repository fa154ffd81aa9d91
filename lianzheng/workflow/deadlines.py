"""Rectification deadlines as staff give them: a date, or a number of working days."""

from __future__ import annotations

from datetime import date

from lianzheng.refusals import TransitionRefused, input_problem
from lianzheng.workdays import WorkdayCalendar

MAX_WORKING_DAYS = 250


def resolve_deadline(
    calendar: WorkdayCalendar,
    today: date,
    deadline: date | None,
    working_days: int | None,
    field: str = "deadline",
) -> tuple[date, int | None]:
    """A deadline given as a date, or as a number of working days from today (China's official
    calendar with the bureau's overrides): exactly one of the two."""
    if (deadline is None) == (working_days is None):
        raise TransitionRefused(
            [
                input_problem(
                    "请填写整改期限：日期或工作日数，二者选一",
                    "give the deadline either as a date or as a number of working days",
                    field,
                )
            ]
        )
    if working_days is not None:
        if not isinstance(working_days, int) or not 1 <= working_days <= MAX_WORKING_DAYS:
            raise TransitionRefused(
                [input_problem("工作日数应为 1 至 250", "working days: 1 to 250", field)]
            )
        return calendar.add_working_days(today, working_days), working_days
    if deadline < today:
        raise TransitionRefused(
            [input_problem("整改期限不能早于今天", "the deadline cannot be in the past", field)]
        )
    return deadline, None
