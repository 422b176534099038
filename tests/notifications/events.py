"""Alarm events as the workflows raise them, for tests that call the port directly."""

from datetime import date, datetime, timedelta

from domain.alarms import Alarm, AlarmLevel
from domain.clock import at_london_time, end_of_day
from domain.events import AlarmEvent
from domain.statutory_calendar import Duty

DUE = date(2026, 3, 16)


def raised(level: AlarmLevel, days: int, due: date = DUE) -> datetime:
    if level is AlarmLevel.REMINDER:
        return at_london_time(due - timedelta(days=days), 9)
    if level is AlarmLevel.ESCALATION:
        return at_london_time(due + timedelta(days=days), 9)
    return end_of_day(due)


def alarm_event(
    level: AlarmLevel,
    days: int = 0,
    duty: Duty = Duty.T1,
    subject: str | None = None,
    holder: str = "north",
    ref: str = "EH-1",
    excepted: bool = False,
) -> AlarmEvent:
    at = raised(level, days)
    alarm = Alarm(
        deadline_key=f"{duty}:{subject}" if subject else str(duty),
        duty=duty,
        subject=subject,
        level=level,
        offset_days=days,
        at=at,
        due=DUE.isoformat(),
        excepted=excepted,
    )
    return AlarmEvent(
        workflow_id=f"ehcna-{ref}", case_ref=ref, team="north", holder=holder, alarm=alarm, raised_at=at
    )
