"""What a case's recorded history implies, for a case that never ran on the engine (K10 at import)."""

from bisect import bisect_right
from collections.abc import Sequence
from datetime import date, timedelta

from domain.case import Case
from domain.deadlines import Deadline, DeadlineStatus, deadlines
from domain.statutory_calendar import Duty

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
