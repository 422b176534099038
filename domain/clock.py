"""Calendar dates in Europe/London and the instants they begin at.

Statutory duties are counted in calendar dates in England; the engine keeps
instants in UTC and converts here, at the edge.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def london_date(instant: datetime) -> date:
    """The calendar date in England at ``instant`` (which must be aware)."""
    if instant.tzinfo is None:
        raise ValueError("instant must carry a time zone")
    return instant.astimezone(LONDON).date()


def start_of_day(day: date) -> datetime:
    """The UTC instant at which ``day`` begins in England."""
    return datetime.combine(day, time(0, 0), tzinfo=LONDON).astimezone(UTC)


def at_london_time(day: date, hour: int) -> datetime:
    """The UTC instant of ``hour``:00 on ``day`` in England."""
    return datetime.combine(day, time(hour, 0), tzinfo=LONDON).astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """The first instant after ``day`` has ended in England.

    A duty due "on or before" ``day`` is breached from this instant on.
    """
    return start_of_day(day + timedelta(days=1))
