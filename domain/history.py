"""What a case's recorded history implies, for a case that never ran on the engine (K10 at import)."""

from bisect import bisect_right
from collections.abc import Sequence
from datetime import date, timedelta

from domain.case import AdviceStatus, Case
from domain.deadlines import Deadline, DeadlineStatus, deadlines
from domain.errors import RuleViolation
from domain.statutory_calendar import Duty
from domain.words import advice_in_words, day_in_words, lower_first

# the duties whose breach the engine raises (T4 is a window, M14 a milestone that warns)
BREACHABLE = frozenset({Duty.T1, Duty.T2, Duty.T3, Duty.T6})


def implied_breaches(states: Sequence[tuple[date, Case]]) -> list[Deadline]:
    """The breaches the engine would have raised live, had each step been entered on its date.

    ``states`` is the case after each step with the step's date, in order, the start first. Live,
    a breach is raised when a deadline's day has ended (``Deadline.breach_at``) and the deadline is
    still open on a case still open: so it is judged on the case as the steps dated on or before
    the due day left it. A step on the due day is in time; one the day after is not.
    """
    if not states:
        return []
    days = [day for day, _ in states]
    final = states[-1][1]
    out: list[Deadline] = []
    for d in deadlines(final, final.outcome_on or days[-1]):
        if d.duty not in BREACHABLE or d.status not in (DeadlineStatus.BREACHED, DeadlineStatus.MET_LATE):
            continue
        then = states[bisect_right(days, d.due) - 1][1]  # the case when the due day ended
        if then.is_closed:
            continue
        live = next((x for x in deadlines(then, d.due + timedelta(days=1)) if x.key == d.key), None)
        if live is not None and live.is_open:
            out.append(live)
    return out


def returned_after_close(case: Case, advice_id: str, returned_on: date, document_ref: str) -> Case:
    """Advice an earlier system recorded as returned after the case had closed (a social care report
    that came days after a decision not to issue): kept with its real date, so K5 counts it late."""
    if not (case.recorded_elsewhere and case.is_closed):
        raise RuleViolation(
            "returned_on", "advice is returned after its case closed only in imported history"
        )
    advice = case.advice_by_id(advice_id)
    if advice is None:
        raise RuleViolation("advice_id", f"no advice request {advice_id} on case {case.ref}")
    if advice.status not in (AdviceStatus.CANCELLED, AdviceStatus.NOT_RECEIVED):
        raise RuleViolation(
            "returned_on",
            f"the {lower_first(advice_in_words(advice_id))} was not awaited when the case closed",
        )
    if returned_on < advice.requested_on:
        raise RuleViolation(
            "returned_on",
            f"{day_in_words(returned_on)} is before the request for this advice "
            f"({day_in_words(advice.requested_on)})",
        )
    new = case.changeable_copy()
    late = new.advice_by_id(advice_id)
    assert late is not None
    late.status, late.returned_on, late.document_ref = AdviceStatus.RECEIVED, returned_on, document_ref
    return new
