"""Which deadlines a plan has now (R1-R10), and where each stands on a given date.

The LA holds R1, R5, R7, R8, R9 and R10; R2-R4 are the setting's, which the LA only warns of (they are
listed here as met, met late or missed, and never breach). R6 is the family's window and R11 has no limit.
"""

from datetime import date, timedelta

from pydantic import BaseModel

from domain.deadlines import AT_RISK_WITHIN_DAYS, DeadlineStatus
from domain.phase_transfer import TRANSFER_MONTH, PhaseTransfer
from domain.plan import Plan
from domain.plan_calendar import (
    PLAN_DUTY_TITLES,
    PlanDuty,
    amended_plan_due,
    amendment_comments_end,
    latest_notice_for,
    report_due,
    review_decision_due,
    review_due,
    transfer_in_notice_due,
    transfer_in_review_due,
)

LA_DUTIES = (PlanDuty.R1, PlanDuty.R5, PlanDuty.R7, PlanDuty.R8, PlanDuty.R9, PlanDuty.R10)
SETTING_DUTIES = (PlanDuty.R2, PlanDuty.R3, PlanDuty.R4)


class PlanDeadline(BaseModel):
    duty: PlanDuty
    title: str
    due: date
    status: DeadlineStatus
    done_on: date | None = None

    @property
    def key(self) -> str:
        """Unique over the plan's life (an R1 recurs each year): the duty and its date."""
        return f"{self.duty}:{self.due.isoformat()}"

    @property
    def is_open(self) -> bool:
        return self.status in (DeadlineStatus.DUE, DeadlineStatus.AT_RISK, DeadlineStatus.BREACHED)


def open_review_due(plan: Plan) -> tuple[PlanDuty, date]:
    """The date the open review's meeting must be held by.

    R10 for the first review after a transfer in; otherwise R1, 12 months from the latest review
    meeting, or from the plan's start when it has had none.
    """
    if plan.transfer_in is not None and plan.reviews_completed == 0:
        t = plan.transfer_in
        return PlanDuty.R10, transfer_in_review_due(t.transferred_on, t.old_last_review_on)
    last = plan.last_review.held_on if plan.last_review is not None else None
    return PlanDuty.R1, review_due(last or plan.start_on)


def transfer_missed(transfer: PhaseTransfer, as_of: date) -> bool:
    """Its September has come without the amended plan naming the new setting."""
    return transfer.finalised_on is None and as_of >= date(transfer.year, TRANSFER_MONTH, 1)


def current_transfer(plan: Plan, as_of: date) -> PhaseTransfer | None:
    """The next phase transfer still to be finalised (R8), none once its September has come."""
    return next((t for t in plan.transfers if t.finalised_on is None and not transfer_missed(t, as_of)), None)


def _status(due: date, done_on: date | None, as_of: date) -> DeadlineStatus:
    if done_on is not None:
        return DeadlineStatus.MET if done_on <= due else DeadlineStatus.MET_LATE
    if as_of > due:
        return DeadlineStatus.BREACHED
    if (due - as_of).days <= AT_RISK_WITHIN_DAYS:
        return DeadlineStatus.AT_RISK
    return DeadlineStatus.DUE


def _setting_status(due: date, done_on: date | None, as_of: date) -> DeadlineStatus:
    """R2-R4 warn only: a step the setting has not taken in time is missed, never breached."""
    status = _status(due, done_on, as_of)
    return DeadlineStatus.MISSED if status is DeadlineStatus.BREACHED else status


def plan_deadlines(plan: Plan, as_of: date) -> list[PlanDeadline]:
    """Every deadline the plan has now, soonest first; none once it has ended."""
    if not plan.in_force:
        return []
    out: list[PlanDeadline] = []

    def add(duty: PlanDuty, due: date, done_on: date | None, setting: bool = False) -> None:
        status = (_setting_status if setting else _status)(due, done_on, as_of)
        out.append(
            PlanDeadline(duty=duty, title=PLAN_DUTY_TITLES[duty], due=due, status=status, done_on=done_on)
        )

    t_in = plan.transfer_in
    if t_in is not None:
        add(PlanDuty.R9, transfer_in_notice_due(t_in.transferred_on), t_in.family_told_on)
    review = plan.review
    # a plan being ceased has no next review: the decision has been made (R11)
    if plan.cease is None:
        duty, due = open_review_due(plan)
        add(duty, due, review.held_on)
    if review.meeting_on is not None:
        latest = latest_notice_for(review.meeting_on)
        add(PlanDuty.R2, latest, review.invited_on, setting=True)
        add(PlanDuty.R3, latest, review.advice_circulated_on, setting=True)
    if review.held_on is not None:
        add(PlanDuty.R4, report_due(review.held_on), review.report_on, setting=True)
        add(PlanDuty.R5, review_decision_due(review.held_on), review.decided_on)
    amendment = plan.amendment
    if amendment is not None and amendment.notice_on is not None:
        window_end = amendment_comments_end(amendment.notice_on)
        done = amendment.family_response_on or (window_end if as_of > window_end else None)
        out.append(
            PlanDeadline(
                duty=PlanDuty.R6,
                title=PLAN_DUTY_TITLES[PlanDuty.R6],
                due=window_end,
                status=DeadlineStatus.MET if done else DeadlineStatus.DUE,
                done_on=done,
            )
        )
        add(PlanDuty.R7, amended_plan_due(amendment.notice_on), amendment.issued_on)
    transfer = current_transfer(plan, as_of)
    if transfer is not None:
        add(PlanDuty.R8, transfer.due, transfer.finalised_on)
    out.sort(key=lambda d: (d.due, d.duty))
    return out


def completed_review_deadlines(plan: Plan, as_of: date) -> list[PlanDeadline]:
    """The time limits of the latest completed review (R1 or R10, R2-R5) and of the latest amended plan
    issued (R7), as they were met: the past part of a plan's timeline. None for a review imported as a
    date only."""
    out: list[PlanDeadline] = []

    def add(duty: PlanDuty, due: date, done_on: date | None, setting: bool = False) -> None:
        status = (_setting_status if setting else _status)(due, done_on, as_of)
        out.append(
            PlanDeadline(duty=duty, title=PLAN_DUTY_TITLES[duty], due=due, status=status, done_on=done_on)
        )

    review = plan.last_review
    if review is not None and review.due is not None and review.held_on is not None:
        first_after_transfer = plan.transfer_in is not None and plan.reviews_completed == 1
        add(PlanDuty.R10 if first_after_transfer else PlanDuty.R1, review.due, review.held_on)
        if review.meeting_on is not None:
            latest = latest_notice_for(review.meeting_on)
            add(PlanDuty.R2, latest, review.invited_on, setting=True)
            add(PlanDuty.R3, latest, review.advice_circulated_on, setting=True)
        add(PlanDuty.R4, report_due(review.held_on), review.report_on, setting=True)
        add(PlanDuty.R5, review_decision_due(review.held_on), review.decided_on)
    amended = plan.last_amendment
    if amended is not None and amended.notice_on is not None and amended.issued_on is not None:
        add(PlanDuty.R7, amended_plan_due(amended.notice_on), amended.issued_on)
    out.sort(key=lambda d: (d.due, d.duty))
    return out


def review_overdue(plan: Plan, as_of: date) -> bool:
    """L8: the plan is in force and its review date (R1 or R10) has passed without a meeting."""
    if not plan.in_force or plan.cease is not None or plan.review.held_on is not None:
        return False
    _, due = open_review_due(plan)
    return as_of > due


def next_plan_deadline(plan: Plan, as_of: date) -> PlanDeadline | None:
    """The soonest of the LA's deadlines still ahead."""
    ahead = [
        d
        for d in plan_deadlines(plan, as_of)
        if d.duty in LA_DUTIES and d.status in (DeadlineStatus.DUE, DeadlineStatus.AT_RISK)
    ]
    return min(ahead, key=lambda d: d.due, default=None)


def plan_breached(plan: Plan, as_of: date) -> bool:
    return any(
        d.duty in LA_DUTIES and d.status is DeadlineStatus.BREACHED for d in plan_deadlines(plan, as_of)
    )


def review_warnings(plan: Plan, as_of: date) -> list[PlanDeadline]:
    """The setting's steps of the open review taken late or missed (R2-R4): warnings, not breaches."""
    return [
        d
        for d in plan_deadlines(plan, as_of)
        if d.duty in SETTING_DUTIES and d.status in (DeadlineStatus.MET_LATE, DeadlineStatus.MISSED)
    ]


def at_risk_from(due: date) -> date:
    return due - timedelta(days=AT_RISK_WITHIN_DAYS)
