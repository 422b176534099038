"""Exceptions to the time limits (regs 5(4), 8(2), 10(4), 13(3)).

An exception never moves a deadline; it changes what the deadline's outcome
counts towards (statutory-rules.md, "Exceptions"). This module only says
whether a recorded exception is valid.
"""

from datetime import date, timedelta
from enum import StrEnum

from pydantic import BaseModel

from domain.errors import RuleViolation
from domain.statutory_calendar import advice_due
from domain.words import day_in_words, exception_in_words, period_in_words

CONTINUOUS_ABSENCE_DAYS = 28
MIN_CLOSURE_DAYS = 28
CLOSURE_WINDOW_LEAD_DAYS = 7


class ExceptionCode(StrEnum):
    E_SCH = "E-SCH"  # reg 10(4)(a): school or post-16 institution closure
    E_EY = "E-EY"  # reg 10(4)(b): early years provider closure
    E_PERS = "E-PERS"  # reg 10(4)(c): exceptional personal circumstances
    E_ABS = "E-ABS"  # reg 10(4)(d): absence from the area, 4+ weeks
    A_PERS = "A-PERS"  # reg 8(2)(a): exceptional circumstances in the advice period
    A_ABS = "A-ABS"  # reg 8(2)(b): absence of 4+ weeks in the advice period
    A_APPT = "A-APPT"  # reg 8(2)(c): a missed appointment for an examination or test

    @property
    def applies_to_case(self) -> bool:
        """An exception to T1, T3 and T6 (and so SEN2 ``Week20``)."""
        return self.value.startswith("E-")

    @property
    def applies_to_advice(self) -> bool:
        """A reg 8(2) exception to one advice request's T2."""
        return self.value.startswith("A-")


class RecordedException(BaseModel):
    """An exception as recorded on a case, with the facts its validation needs.

    ``start``/``end`` hold the closure (start, reopening date) for E-SCH and
    E-EY, and the period of circumstances or absence for the others.
    """

    code: ExceptionCode
    recorded_on: date
    description: str | None = None
    start: date | None = None
    end: date | None = None
    advice_id: str | None = None
    requested_on: date | None = None  # E-SCH/E-EY: when the setting was asked
    appointment_on: date | None = None  # A-APPT


def _overlaps(a_start: date, a_end: date, b_start: date, b_end: date) -> bool:
    return a_start <= b_end and b_start <= a_end


def _require(value: object, field: str, reason: str) -> None:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RuleViolation(field, reason)


def validate_closure(exc: RecordedException, setting: str) -> None:
    """E-SCH / E-EY: the request fell in the window around a closure of 4+ weeks."""
    name = exception_in_words(exc.code)
    _require(exc.start, "start", f"{name}: the date the {setting} closed is required")
    _require(exc.end, "end", f"{name}: the date the {setting} reopened is required")
    _require(
        exc.requested_on,
        "requested_on",
        f"{name}: the date advice was requested from the {setting} is required",
    )
    assert exc.start and exc.end and exc.requested_on
    if (exc.end - exc.start).days < MIN_CLOSURE_DAYS:
        raise RuleViolation(
            "end",
            f"{name}: the closure must last at least 4 weeks ({MIN_CLOSURE_DAYS} days); "
            f"{period_in_words(exc.start, exc.end)} is {(exc.end - exc.start).days} days",
        )
    window_start = exc.start - timedelta(days=CLOSURE_WINDOW_LEAD_DAYS)
    window_end = exc.end - timedelta(days=CLOSURE_WINDOW_LEAD_DAYS)
    if not window_start <= exc.requested_on <= window_end:
        raise RuleViolation(
            "requested_on",
            f"{name}: advice requested on {day_in_words(exc.requested_on)} is outside "
            f"the window {period_in_words(window_start, window_end)} (one week before the closure to "
            "one week before reopening)",
        )


def validate_absence(exc: RecordedException, period: tuple[date, date], period_name: str) -> None:
    """E-ABS / A-ABS: a continuous absence of 4+ weeks overlapping the period."""
    name = exception_in_words(exc.code)
    _require(exc.start, "start", f"{name}: the first day of the absence is required")
    _require(exc.end, "end", f"{name}: the last day of the absence is required")
    assert exc.start and exc.end
    if exc.end < exc.start:
        raise RuleViolation("end", f"{name}: the absence ends before it starts")
    days = (exc.end - exc.start).days + 1  # the first and the last day of absence both count
    if days < CONTINUOUS_ABSENCE_DAYS:
        raise RuleViolation(
            "end",
            f"{name}: the absence must be continuous for at least 4 weeks "
            f"({CONTINUOUS_ABSENCE_DAYS} days); {period_in_words(exc.start, exc.end)} is {days} days",
        )
    if not _overlaps(exc.start, exc.end, *period):
        raise RuleViolation(
            "start",
            f"{name}: the absence {period_in_words(exc.start, exc.end)} does not overlap "
            f"{period_name} {period_in_words(*period)}",
        )


def validate_circumstances(exc: RecordedException, period: tuple[date, date], period_name: str) -> None:
    """E-PERS / A-PERS: described circumstances whose period overlaps the period."""
    name = exception_in_words(exc.code)
    _require(
        exc.description,
        "description",
        f"{name}: a description of the circumstances is required",
    )
    _require(exc.start, "start", f"{name}: the date the circumstances began is required")
    assert exc.start
    end = exc.end or exc.start
    if end < exc.start:
        raise RuleViolation("end", f"{name}: the circumstances end before they begin")
    if not _overlaps(exc.start, end, *period):
        raise RuleViolation(
            "start",
            f"{name}: the circumstances {period_in_words(exc.start, end)} do not overlap "
            f"{period_name} {period_in_words(*period)}",
        )


def validate_case_exception(exc: RecordedException, open_period: tuple[date, date]) -> None:
    """Validate an E-* exception against the case's open period (day 0 to close or today)."""
    name = exception_in_words(exc.code)
    if not exc.code.applies_to_case:
        raise RuleViolation(
            "code", f"{name}: this exception applies to a request for advice, not to the case"
        )
    match exc.code:
        case ExceptionCode.E_SCH:
            validate_closure(exc, "school or post-16 institution")
        case ExceptionCode.E_EY:
            validate_closure(exc, "early years provider")
        case ExceptionCode.E_PERS:
            validate_circumstances(exc, open_period, "the case's open period")
        case ExceptionCode.E_ABS:
            validate_absence(exc, open_period, "the case's open period")


def advice_period(clock_starts_on: date) -> tuple[date, date]:
    """The 6 weeks in which advice is due: from the day its clock starts (T2 start) to its due date."""
    return clock_starts_on, advice_due(clock_starts_on)


def validate_advice_exception(exc: RecordedException, clock_starts_on: date) -> None:
    """Validate a reg 8(2) exception against the advice period of its request."""
    name = exception_in_words(exc.code)
    if not exc.code.applies_to_advice:
        raise RuleViolation(
            "code",
            f"{name}: this exception applies to the case, not to advice (reg 8(2) has no closure exception)",
        )
    period = advice_period(clock_starts_on)
    match exc.code:
        case ExceptionCode.A_PERS:
            validate_circumstances(exc, period, "the advice period")
        case ExceptionCode.A_ABS:
            validate_absence(exc, period, "the advice period")
        case ExceptionCode.A_APPT:
            _require(
                exc.appointment_on,
                "appointment_on",
                f"{name}: the date of the missed appointment is required",
            )
            assert exc.appointment_on
            if not period[0] <= exc.appointment_on <= period[1]:
                raise RuleViolation(
                    "appointment_on",
                    f"{name}: the missed appointment on {day_in_words(exc.appointment_on)} "
                    f"is outside the advice period {period_in_words(*period)}",
                )
