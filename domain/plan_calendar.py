"""The time limits on an EHC plan in force (CFA s.44, s.45; the SEND Regulations 2014 regs 15, 18-22, 31),
as dates. Each limit is computed here and nowhere else (plan-lifecycle.md, R1-R11).

ENGINE RULE (months): "within 12 months of D" is met on or before the same day of the month 12 months
later; from 29 February it is 28 February. Other whole months (R10's 3) are counted the same way, a day
the later month lacks becoming its last day.
ENGINE RULE (weeks): "within N weeks of D" is met on or before D + 7N days (as for the assessment).
"""

import calendar
from datetime import date, timedelta
from enum import StrEnum

from domain.statutory_calendar import within_weeks


class PlanDuty(StrEnum):
    """The plan's time limits, named as in plan-lifecycle.md."""

    R1 = "R1"  # CFA s.44(1): review the plan within 12 months of its start, then of each review meeting
    R2 = "R2"  # reg 20: invitations to the review meeting at least 2 weeks before it (the school's)
    R3 = "R3"  # reg 20: advice and information circulated at least 2 weeks before the meeting (the school's)
    R4 = "R4"  # reg 20: report of the meeting sent within 2 weeks after it (the school's)
    R5 = "R5"  # reg 20: the LA decides maintain, amend or cease and notifies within 4 weeks of the meeting
    R6 = "R6"  # reg 22: at least 15 days for the family to comment on proposed amendments
    R7 = "R7"  # reg 22: amended final plan issued within 8 weeks of the amendment notice
    R8 = "R8"  # reg 18: phase transfer reviewed and amended, naming the new setting, by 15 Feb (31 Mar)
    R9 = "R9"  # reg 15: plan transferred in: the family told within 6 weeks whether the LA will reassess
    R10 = "R10"  # reg 15: plan transferred in: reviewed by the later of 12 months and 3 months
    R11 = "R11"  # reg 31, CFA s.45: a decision to cease; the plan is kept while an appeal is pending


PLAN_DUTY_TITLES: dict[PlanDuty, str] = {
    PlanDuty.R1: "Annual review of the plan within 12 months (CFA s.44(1))",
    PlanDuty.R2: "Invitations to the review meeting at least 2 weeks before it (reg 20)",
    PlanDuty.R3: "Advice circulated at least 2 weeks before the review meeting (reg 20)",
    PlanDuty.R4: "Report of the review meeting within 2 weeks of it (reg 20)",
    PlanDuty.R5: "Review decision notified within 4 weeks of the meeting (reg 20)",
    PlanDuty.R6: "Family's 15 days to comment on the proposed amendments (reg 22)",
    PlanDuty.R7: "Amended plan issued within 8 weeks of the amendment notice (reg 22)",
    PlanDuty.R8: "Phase transfer: plan amended naming the new setting (reg 18)",
    PlanDuty.R9: "Plan transferred in: family told whether it will be reassessed within 6 weeks (reg 15)",
    PlanDuty.R10: "Plan transferred in: reviewed in time (reg 15)",
    PlanDuty.R11: "Decision to cease the plan, with the right of appeal (reg 31, CFA s.45)",
}

REVIEW_MONTHS = 12
NOTICE_WEEKS = 2  # R2 and R3: at least 2 weeks before the meeting
REPORT_WEEKS = 2  # R4
DECISION_WEEKS = 4  # R5
AMENDMENT_COMMENT_DAYS = 15  # R6
AMENDED_PLAN_WEEKS = 8  # R7
TRANSFER_IN_NOTICE_WEEKS = 6  # R9
TRANSFER_IN_REVIEW_MONTHS = 3  # R10


def add_months(day: date, months: int) -> date:
    """The same day of the month ``months`` later; a day that month lacks becomes its last (29 Feb -> 28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def review_due(last_review_meeting_or_start: date) -> date:
    """R1: the last date for the next review meeting, from the plan's start or its last review meeting."""
    return add_months(last_review_meeting_or_start, REVIEW_MONTHS)


def latest_notice_for(meeting_on: date) -> date:
    """R2 and R3: the last date for invitations and advice to go out, 2 weeks before the meeting."""
    return meeting_on - timedelta(days=7 * NOTICE_WEEKS)


def report_due(meeting_on: date) -> date:
    """R4: the last date for the report of the meeting."""
    return within_weeks(meeting_on, REPORT_WEEKS)


def review_decision_due(meeting_on: date) -> date:
    """R5: the last date to notify the decision to maintain, amend or cease (meeting + 28 days)."""
    return within_weeks(meeting_on, DECISION_WEEKS)


def amendment_comments_end(notice_on: date) -> date:
    """R6: the last of the 15 days beginning with the day the amendment notice is sent."""
    return notice_on + timedelta(days=AMENDMENT_COMMENT_DAYS - 1)


def earliest_amended_plan(notice_on: date) -> date:
    """R6 ENGINE RULE: without a recorded response, the first date an amended plan may issue."""
    return notice_on + timedelta(days=AMENDMENT_COMMENT_DAYS)


def amended_plan_due(notice_on: date) -> date:
    """R7: the last date to issue the amended plan."""
    return within_weeks(notice_on, AMENDED_PLAN_WEEKS)


def transfer_in_notice_due(transferred_on: date) -> date:
    """R9: the last date to tell the family whether the plan will be reassessed."""
    return within_weeks(transferred_on, TRANSFER_IN_NOTICE_WEEKS)


def transfer_in_review_due(transferred_on: date, old_last_review_or_start: date) -> date:
    """R10: the later of 12 months from the old council's last review (or the plan's start) and 3 months
    from the transfer."""
    return max(review_due(old_last_review_or_start), add_months(transferred_on, TRANSFER_IN_REVIEW_MONTHS))
