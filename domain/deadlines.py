"""Which deadlines a case has, and where each stands on a given date."""

from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel

from domain.case import AdviceRequest, AdviceStatus, Case, Outcome
from domain.clock import end_of_day, london_date, start_of_day
from domain.statutory_calendar import (
    DUTY_TITLES,
    Duty,
    decision_deadline,
    draft_plan_milestone,
    final_plan_deadline,
    no_plan_notice_deadline,
    representations_window_end,
)
from domain.words import advice_in_words

# ENGINE RULE: a deadline is "at risk" when it falls within the next 14 days
# (the manager's digest uses the same horizon).
AT_RISK_WITHIN_DAYS = 14


class DeadlineStatus(StrEnum):
    DUE = "due"  # ahead, more than 14 days away
    AT_RISK = "at_risk"  # ahead, within 14 days
    BREACHED = "breached"  # passed without the event (advice NOT_RECEIVED included)
    MISSED = "missed"  # a planning milestone passed (warns, not a breach)
    MET = "met"  # done on or before the deadline
    MET_LATE = "met_late"  # done after the deadline
    NOT_APPLICABLE = "not_applicable"  # the case took another path


OPEN_STATUSES = {DeadlineStatus.DUE, DeadlineStatus.AT_RISK, DeadlineStatus.BREACHED, DeadlineStatus.MISSED}


class Deadline(BaseModel):
    duty: Duty
    subject: str | None = None  # the advice id, for T2
    title: str
    due: date
    status: DeadlineStatus
    done_on: date | None = None
    excepted: bool = False  # an exception is recorded: it counts apart, it still breaches
    holder: str | None = None  # the team that must act

    @property
    def key(self) -> str:
        return f"{self.duty}:{self.subject}" if self.subject else str(self.duty)

    @property
    def breach_at(self) -> datetime:
        """The instant the deadline is breached: the end of its last day in England."""
        return end_of_day(self.due)

    @property
    def is_open(self) -> bool:
        """Still awaiting its event (ahead or already passed)."""
        return self.status in OPEN_STATUSES

    @property
    def is_milestone(self) -> bool:
        return self.duty is Duty.M14


def _status(due: date, done_on: date | None, as_of: date, milestone: bool = False) -> DeadlineStatus:
    if done_on is not None:
        return DeadlineStatus.MET if done_on <= due else DeadlineStatus.MET_LATE
    if as_of > due:
        return DeadlineStatus.MISSED if milestone else DeadlineStatus.BREACHED
    if (due - as_of).days <= AT_RISK_WITHIN_DAYS:
        return DeadlineStatus.AT_RISK
    return DeadlineStatus.DUE


def _ended(case: Case, due: date, done_on: date | None, milestone: bool = False) -> DeadlineStatus:
    """Status of a duty whose case closed on another path before its event."""
    assert case.outcome_on is not None
    if done_on is None and case.outcome_on > due:
        return DeadlineStatus.MISSED if milestone else DeadlineStatus.BREACHED
    return DeadlineStatus.NOT_APPLICABLE


def advice_clock(advice: AdviceRequest, excepted: bool, as_of: date) -> Deadline | None:
    """T2 for one advice request on its own, or None when it has no clock.

    Advice already given (reg 6(4)) and the family's own views have no clock.
    A request cancelled because its case closed is NOT_APPLICABLE here; the
    case-level view (``advice_deadline``) knows whether it had already passed.
    """
    if not advice.has_clock:
        return None
    due = advice.due_on
    assert due is not None  # has_clock
    if advice.status is AdviceStatus.NOT_RECEIVED:
        status = DeadlineStatus.BREACHED
    elif advice.status is AdviceStatus.CANCELLED:
        status = DeadlineStatus.NOT_APPLICABLE
    else:
        status = _status(due, advice.returned_on, as_of)
    return Deadline(
        duty=Duty.T2,
        subject=advice.id,
        title=f"{advice_in_words(advice.id)} provided (reg 8(1))",
        due=due,
        status=status,
        done_on=advice.returned_on,
        excepted=excepted,
        holder=advice.provider_team,
    )


def advice_deadline(case: Case, advice: AdviceRequest, as_of: date) -> Deadline | None:
    """T2 for one advice request of ``case``."""
    deadline = advice_clock(advice, bool(case.advice_exceptions(advice.id)), as_of)
    if deadline is not None and advice.status is AdviceStatus.CANCELLED:
        deadline.status = _ended(case, deadline.due, None)
    return deadline


def deadlines(case: Case, as_of: date) -> list[Deadline]:
    """Every deadline of the case with its status on ``as_of``, soonest first."""
    excepted = case.week20_exception
    out: list[Deadline] = []

    def add(duty: Duty, due: date, done_on: date | None, applicable: bool = True) -> None:
        milestone = duty is Duty.M14
        if not applicable:
            status = DeadlineStatus.NOT_APPLICABLE
        elif done_on is None and case.is_closed:
            status = _ended(case, due, done_on, milestone)
        else:
            status = _status(due, done_on, as_of, milestone)
        out.append(
            Deadline(
                duty=duty,
                title=DUTY_TITLES[duty],
                due=due,
                status=status,
                done_on=done_on,
                excepted=excepted and duty in (Duty.T1, Duty.T3, Duty.T6),
                holder=case.team,
            )
        )

    day0 = case.day0
    decision = case.decision_to_assess
    add(Duty.T1, decision_deadline(day0), decision.on if decision else None)
    assessed = decision is None or decision.yes
    for advice in case.advice:
        t2 = advice_deadline(case, advice, as_of)
        if t2 is not None:
            out.append(t2)
    issue = case.decision_to_issue
    add(
        Duty.T3,
        no_plan_notice_deadline(day0),
        issue.on if issue and not issue.yes else None,
        applicable=assessed and not (issue and issue.yes),
    )
    plan_possible = assessed and not (issue and not issue.yes)
    add(Duty.M14, draft_plan_milestone(day0), case.draft_served_on, applicable=plan_possible)
    if case.draft_served_on is not None:
        end = representations_window_end(case.draft_served_on)
        done = case.family_response_on or (end if as_of > end or case.is_closed else None)
        out.append(
            Deadline(
                duty=Duty.T4,
                title=DUTY_TITLES[Duty.T4],
                due=end,
                status=DeadlineStatus.MET if done else DeadlineStatus.DUE,
                done_on=done,
                holder=case.team,
            )
        )
    add(Duty.T6, final_plan_deadline(day0), case.final_plan_issued_on, applicable=plan_possible)
    out.sort(key=lambda d: (d.due, d.duty))
    return out


def next_deadline(case: Case, as_of: date) -> Deadline | None:
    """The soonest statutory deadline still ahead (not a milestone, not the T4 window)."""
    ahead = [
        d
        for d in deadlines(case, as_of)
        if d.status in (DeadlineStatus.DUE, DeadlineStatus.AT_RISK) and d.duty not in (Duty.M14, Duty.T4)
    ]
    return min(ahead, key=lambda d: d.due, default=None)


def is_breached(case: Case, as_of: date) -> bool:
    """Any statutory deadline of the case breached (milestones do not count)."""
    return any(d.status is DeadlineStatus.BREACHED for d in deadlines(case, as_of))


def outcome_week(case: Case) -> float | None:
    """Weeks from day 0 to the final plan (K6, K7)."""
    if case.outcome is not Outcome.PLAN_ISSUED or case.final_plan_issued_on is None:
        return None
    return (case.final_plan_issued_on - case.day0) / timedelta(weeks=1)


def next_status_change(case: Case, now: datetime) -> datetime | None:
    """The next instant a deadline of the case turns at risk or breached.

    The workflow wakes then to refresh what the UI lists (``Breached``,
    ``NextDeadline``) even when no alarm is configured for that moment.
    """
    instants: list[datetime] = []
    for d in deadlines(case, london_date(now)):
        if d.status in (DeadlineStatus.DUE, DeadlineStatus.AT_RISK) and d.duty is not Duty.T4:
            instants += [start_of_day(d.due - timedelta(days=AT_RISK_WITHIN_DAYS)), d.breach_at]
    return min((i for i in instants if i > now), default=None)


def next_step(case: Case) -> Deadline | None:
    """The worklist's next step: the statutory deadline still awaiting its event that falls soonest,
    whether ahead or passed (not a milestone, not the family's window); None once the case is closed.

    Advice counts only while it is awaited (REQUESTED): advice recorded as not received is breached
    for good but nobody is waiting for it any more. Ties on the due date go by the duty, then by the
    advice id, so the store's backfill (migration 0010) picks the same step. It changes only with the
    case's events, never with the clock, so the store keeps it beside the case row."""
    if case.is_closed:
        return None
    awaited = {a.id for a in case.advice if a.status is AdviceStatus.REQUESTED}
    waiting = [
        d
        for d in deadlines(case, case.day0)
        if d.done_on is None
        and d.status in OPEN_STATUSES
        and d.duty not in (Duty.M14, Duty.T4)
        and (d.duty is not Duty.T2 or d.subject in awaited)
    ]
    return min(waiting, key=lambda d: (d.due, d.duty, d.subject or ""), default=None)
