"""When a case must remind, alert on a breach and re-escalate.

The workflow is a scheduler over this schedule: it sleeps until the next
alarm instant and fires what is due, so a back-dated case fires its past
alarms at once and a case whose step is done fires nothing more.
"""

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from domain.case import AdviceRequest, Case
from domain.clock import at_london_time, end_of_day, london_date
from domain.deadlines import Deadline, DeadlineStatus, advice_clock, deadlines
from domain.plan_calendar import PlanDuty
from domain.statutory_calendar import Duty

WORKDAY_HOUR = 9  # reminders and escalations go out at 09:00 in England


class AlarmLevel(StrEnum):
    REMINDER = "reminder"
    BREACH = "breach"
    ESCALATION = "escalation"
    MILESTONE_MISSED = "milestone_missed"


_SEVERITY = {
    AlarmLevel.REMINDER: 0,
    AlarmLevel.MILESTONE_MISSED: 1,
    AlarmLevel.BREACH: 1,
    AlarmLevel.ESCALATION: 2,
}


class AlarmTiming(BaseModel):
    """Days before a deadline to remind, and days after a breach to re-escalate."""

    remind_before: dict[Duty, list[int]] = Field(
        default_factory=lambda: {
            Duty.T1: [7, 2],
            Duty.T2: [14, 7, 2],
            Duty.T3: [14],
            Duty.T6: [28, 14, 7],
            Duty.M14: [7],
        }
    )
    escalate_after: dict[Duty, list[int]] = Field(
        default_factory=lambda: {Duty.T1: [7], Duty.T2: [7, 14], Duty.T3: [7], Duty.T6: [7, 28]}
    )


class Alarm(BaseModel):
    deadline_key: str
    duty: Duty | PlanDuty  # an assessment's deadline, or a plan's (domain.plan_alarms)
    subject: str | None
    level: AlarmLevel
    offset_days: int  # before the deadline for a reminder, after it for an escalation
    at: datetime
    due: str  # ISO date of the deadline (kept as text for stable keys)
    excepted: bool = False

    @property
    def key(self) -> str:
        """Unique per case: the idempotency key of the alert it produces."""
        return f"{self.deadline_key}:{self.level}:{self.offset_days}"


def alarms_for(deadline: Deadline, timing: AlarmTiming) -> list[Alarm]:
    """The alarms of one open deadline (none once its event is recorded)."""
    if not deadline.is_open or deadline.duty is Duty.T4:
        return []
    base: dict[str, Any] = {
        "deadline_key": deadline.key,
        "duty": deadline.duty,
        "subject": deadline.subject,
        "due": deadline.due.isoformat(),
        "excepted": deadline.excepted,
    }
    out = [
        Alarm(
            level=AlarmLevel.REMINDER,
            offset_days=days,
            at=at_london_time(deadline.due - timedelta(days=days), WORKDAY_HOUR),
            **base,
        )
        for days in timing.remind_before.get(deadline.duty, [])
    ]
    if deadline.is_milestone:
        out.append(
            Alarm(level=AlarmLevel.MILESTONE_MISSED, offset_days=0, at=end_of_day(deadline.due), **base)
        )
        return out
    out.append(Alarm(level=AlarmLevel.BREACH, offset_days=0, at=end_of_day(deadline.due), **base))
    out += [
        Alarm(
            level=AlarmLevel.ESCALATION,
            offset_days=days,
            at=at_london_time(deadline.due + timedelta(days=days), WORKDAY_HOUR),
            **base,
        )
        for days in timing.escalate_after.get(deadline.duty, [])
    ]
    return out


def case_alarms(case: Case, now: datetime, timing: AlarmTiming) -> list[Alarm]:
    """Alarms of the case's own deadlines (T1, T3, M14, T6); advice has its own."""
    if case.is_closed:
        return []
    out: list[Alarm] = []
    for d in deadlines(case, london_date(now)):
        if d.duty is not Duty.T2:
            out += alarms_for(d, timing)
    return out


def advice_alarms(advice: AdviceRequest, excepted: bool, now: datetime, timing: AlarmTiming) -> list[Alarm]:
    """Alarms of one advice request's T2 clock (run by its own child workflow)."""
    d = advice_clock(advice, excepted, london_date(now))
    return alarms_for(d, timing) if d else []


def due_alarms(alarms: list[Alarm], fired: set[str], now: datetime) -> tuple[list[Alarm], list[Alarm]]:
    """Split the alarms due at ``now`` into (to send, superseded).

    ENGINE RULE: of several alarms of one deadline that are all due (a case
    entered late), only the most severe, latest one is sent; reminders for a
    deadline already breached are never sent.
    """
    due = [a for a in alarms if a.key not in fired and a.at <= now]
    # the most severe level each deadline has already reached
    reached: dict[str, int] = {}
    for a in alarms:
        if a.key in fired:
            reached[a.deadline_key] = max(reached.get(a.deadline_key, -1), _SEVERITY[a.level])
    stale = [a for a in due if _SEVERITY[a.level] < reached.get(a.deadline_key, -1)]
    due = [a for a in due if a not in stale]
    latest: dict[str, Alarm] = {}
    for a in due:
        cur = latest.get(a.deadline_key)
        if cur is None or (_SEVERITY[a.level], a.at) > (_SEVERITY[cur.level], cur.at):
            latest[a.deadline_key] = a
    send = sorted(latest.values(), key=lambda a: a.at)
    superseded = stale + [a for a in due if latest[a.deadline_key] is not a]
    return send, superseded


def next_alarm_at(alarms: list[Alarm], fired: set[str]) -> datetime | None:
    pending = [a.at for a in alarms if a.key not in fired]
    return min(pending, default=None)


def breached_deadlines(case: Case, now: datetime) -> list[Deadline]:
    return [d for d in deadlines(case, london_date(now)) if d.status is DeadlineStatus.BREACHED]
