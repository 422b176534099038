"""When a plan reminds, alerts on a breach and re-escalates (R1, R5, R7, R8, R9, R10), as alarms of the
same kind as an assessment's, so they go through the same escalation policy and notification activity.

Each alarm's key carries its deadline's date: an R1 recurs every year under the same workflow id, and
its alerts must not be taken for last year's.
"""

from datetime import datetime, timedelta

from pydantic import BaseModel, Field

from domain.alarms import WORKDAY_HOUR, Alarm, AlarmLevel
from domain.clock import at_london_time, end_of_day, london_date
from domain.plan import Plan
from domain.plan_calendar import PlanDuty
from domain.plan_deadlines import LA_DUTIES, PlanDeadline, plan_deadlines


class PlanAlarmTiming(BaseModel):
    """Days before a plan's deadline to remind, and days after its breach to re-escalate."""

    remind_before: dict[PlanDuty, list[int]] = Field(
        default_factory=lambda: {
            PlanDuty.R1: [56, 28, 14],
            PlanDuty.R5: [7],
            PlanDuty.R7: [14, 7],
            PlanDuty.R8: [28, 14],
            PlanDuty.R9: [7],
            PlanDuty.R10: [28, 14],
        }
    )
    escalate_after: dict[PlanDuty, list[int]] = Field(
        default_factory=lambda: {
            PlanDuty.R1: [7, 28],
            PlanDuty.R5: [7],
            PlanDuty.R7: [7, 28],
            PlanDuty.R8: [7],
            PlanDuty.R9: [7],
            PlanDuty.R10: [7, 28],
        }
    )


def deadline_alarms(deadline: PlanDeadline, timing: PlanAlarmTiming) -> list[Alarm]:
    """The alarms of one open deadline the LA holds (none once its event is recorded)."""
    if not deadline.is_open or deadline.duty not in LA_DUTIES:
        return []
    due = deadline.due
    base = {"deadline_key": deadline.key, "duty": deadline.duty, "subject": None, "due": due.isoformat()}
    out = [
        Alarm(
            level=AlarmLevel.REMINDER,
            offset_days=days,
            at=at_london_time(due - timedelta(days=days), WORKDAY_HOUR),
            **base,
        )
        for days in timing.remind_before.get(deadline.duty, [])
    ]
    out.append(Alarm(level=AlarmLevel.BREACH, offset_days=0, at=end_of_day(due), **base))
    out += [
        Alarm(
            level=AlarmLevel.ESCALATION,
            offset_days=days,
            at=at_london_time(due + timedelta(days=days), WORKDAY_HOUR),
            **base,
        )
        for days in timing.escalate_after.get(deadline.duty, [])
    ]
    return out


def plan_alarms(plan: Plan, now: datetime, timing: PlanAlarmTiming) -> list[Alarm]:
    """Every alarm of the plan's open deadlines; none once it has ended."""
    out: list[Alarm] = []
    for d in plan_deadlines(plan, london_date(now)):
        out += deadline_alarms(d, timing)
    return out
