"""The time limits of the SEND Regulations 2014, as dates.

ENGINE RULE: a duty "within N weeks" is met when the event date is on or
before ``start + 7*N`` days (calendar days, Europe/London dates).
"""

from datetime import date, timedelta
from enum import StrEnum


class Duty(StrEnum):
    """The time limits the engine tracks, named as in statutory-rules.md."""

    T1 = "T1"  # reg 5(1): decide whether to assess, 6 weeks from day 0
    T2 = "T2"  # reg 8(1): advice provided, 6 weeks from its own request
    T3 = "T3"  # reg 10(1): notice that no plan will be issued, 16 weeks
    T4 = "T4"  # reg 13(1): 15 days for representations on the draft plan
    T6 = "T6"  # reg 13(2): final plan issued, 20 weeks from day 0
    M14 = "M14"  # planning milestone: draft plan by week 14 (warns only)


DUTY_TITLES: dict[Duty, str] = {
    Duty.T1: "Decision whether to assess (reg 5(1))",
    Duty.T2: "Advice provided (reg 8(1))",
    Duty.T3: "Notice that no plan will be issued (reg 10(1))",
    Duty.T4: "Family's 15 days to respond to the draft plan (reg 13(1))",
    Duty.T6: "Final EHC plan issued (reg 13(2))",
    Duty.M14: "Draft plan served (week 14 milestone)",
}

# Part 3 of the Children and Families Act 2014 and the SEND Regulations 2014 came into force
REGULATIONS_IN_FORCE = date(2014, 9, 1)

DECISION_WEEKS = 6
ADVICE_WEEKS = 6
NO_PLAN_NOTICE_WEEKS = 16
DRAFT_MILESTONE_WEEKS = 14
FINAL_PLAN_WEEKS = 20
REPRESENTATION_DAYS = 15


def within_weeks(start: date, weeks: int) -> date:
    """The last date on which a duty "within ``weeks`` weeks" of ``start`` is met."""
    return start + timedelta(days=7 * weeks)


def decision_deadline(day0: date) -> date:
    """T1: the last date to decide whether to assess and notify."""
    return within_weeks(day0, DECISION_WEEKS)


def advice_due(requested_on: date) -> date:
    """T2: the last date for advice, counted from that advice's own request."""
    return within_weeks(requested_on, ADVICE_WEEKS)


def no_plan_notice_deadline(day0: date) -> date:
    """T3: the last date to notify that no EHC plan will be issued."""
    return within_weeks(day0, NO_PLAN_NOTICE_WEEKS)


def draft_plan_milestone(day0: date) -> date:
    """M14: the planning milestone for serving the draft plan."""
    return within_weeks(day0, DRAFT_MILESTONE_WEEKS)


def final_plan_deadline(day0: date) -> date:
    """T6: the last date to issue the final EHC plan."""
    return within_weeks(day0, FINAL_PLAN_WEEKS)


def representations_window_end(draft_served_on: date) -> date:
    """T4: the last day of the 15 days beginning with the day the draft is served."""
    return draft_served_on + timedelta(days=REPRESENTATION_DAYS - 1)


def earliest_final_plan(draft_served_on: date) -> date:
    """T4 ENGINE RULE: without a recorded response, the first date a final plan may issue."""
    return draft_served_on + timedelta(days=REPRESENTATION_DAYS)


def statutory_deadline(duty: Duty, start: date) -> date:
    """The deadline of ``duty`` counted from ``start`` (day 0, or the advice request)."""
    match duty:
        case Duty.T1:
            return decision_deadline(start)
        case Duty.T2:
            return advice_due(start)
        case Duty.T3:
            return no_plan_notice_deadline(start)
        case Duty.T4:
            return representations_window_end(start)
        case Duty.T6:
            return final_plan_deadline(start)
        case Duty.M14:
            return draft_plan_milestone(start)
    raise ValueError(f"unknown duty {duty}")


def weeks_between(start: date, end: date) -> float:
    """Weeks from ``start`` to ``end``, as a fraction (for K6 and K7)."""
    return (end - start).days / 7
