"""What the history teaches: demand, routing, each provider team's capacity and times, officers' times.

Learnt over a window (the 12 months to the forecast date unless asked), each figure with the number
of cases or advice requests it rests on. Times are kept as their empirical distribution (sorted days),
never a fitted curve. A provider team is *limited* when, in the last 13 weeks, it mostly had a backlog
(more overdue advice than a week's returns): its capacity is then what it returned in those weeks,
and its lead time (the work itself) is read from the advice it returned while it had no backlog.

A team's weekly capacity is spread over the days of the week it was seen to return advice on.

Case officers are a server too: the cases in their hands (deciding whether to assess, deciding whether
to issue once the advice is in, drafting, finalising) each hold one of their places for the step's
observed time. They are *limited* when, in the last 13 weeks, they were mostly behind on the T1 duty
(more requests past 6 weeks without a decision than a week's decisions): their places are then the
most cases they held at once in those weeks. Otherwise they kept up, and the most they held at once in
the window is only the base a cut in their capacity is taken from.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from domain.kpis import ADVICE_IN_TIME_DAYS, IN_TIME_PLAN_DAYS
from domain.statutory_calendar import decision_deadline
from ehcna.forecast.history import ENDED_EARLY, ISSUED, Days, History

ADVICE_DAYS = ADVICE_IN_TIME_DAYS  # T2: 6 weeks, as K5 counts
RECENT_WEEKS = 13  # capacity is read from the last quarter
MIN_BACKLOGGED_WEEKS = 4
MIN_SAMPLE = 10  # fewer times than this: the team's times are pooled with every team's
# too little history: fewer than these in the window and no forecast is made
MIN_REQUESTS = 20
MIN_DECISIONS = 10
MIN_PLANS = 10
MIN_ADVICE = 10
SEASONAL_DAYS = 730  # two years of history: arrivals follow the month of the year
DECISION_DAYS = (decision_deadline(date(2001, 1, 1)) - date(2001, 1, 1)).days  # T1: 6 weeks


class TooLittleHistory(ValueError):
    """The store holds too little history to forecast from; the message says what is missing."""


@dataclass(frozen=True)
class Durations:
    """Empirical times in days, sorted; ``cases`` is what they rest on."""

    days: Days

    @classmethod
    def of(cls, values: Any) -> "Durations":
        arr = np.asarray(values, dtype=float)
        arr = arr[np.isfinite(arr)]
        return cls(np.sort(np.clip(arr, 0, None)))

    @property
    def cases(self) -> int:
        return len(self.days)

    def median(self) -> float | None:
        return float(np.median(self.days)) if len(self.days) else None

    def scaled(self, factor: float) -> "Durations":
        return Durations(self.days * factor)


@dataclass(frozen=True)
class TeamCalibration:
    team: str
    kinds: tuple[str, ...]  # the advice it was asked for
    returned: int  # advice settled in the window (returned or marked not received)
    throughput: float  # per week, over the window
    capacity: float | None  # per week, when limited; None: it kept up with what it was asked
    backlogged_weeks: int  # of the last RECENT_WEEKS
    lead: Durations  # days from request to return (the work, without a queue when limited)
    lead_from: str  # where the lead times come from, in words
    not_received: float  # share of its settled advice marked not received
    waiting: int  # awaited at the forecast date
    weekdays: tuple[float, ...] = (1 / 7,) * 7  # share of its returns on each day of the week, Monday first


@dataclass(frozen=True)
class OfficerCalibration:
    """The case officers as one server: the cases in their hands at once."""

    capacity: float | None  # places, when limited; None: they kept up
    peak: int  # the most cases in their hands at once in the window (a cut's base)
    in_hand: int  # in their hands at the forecast date
    behind_weeks: int  # of the last RECENT_WEEKS, weeks they were behind on T1
    steps: int  # officers' steps completed in the window (what the figures rest on)


@dataclass(frozen=True)
class Rate:
    value: float
    cases: int


@dataclass(frozen=True)
class Calibration:
    as_of: date
    window_start: date
    arrivals_per_week: Rate
    seasonal: dict[int, float] | None  # month of the year -> requests per week (two years of history)
    assess: Rate  # share of decisions that were to assess
    issue: Rate  # share of decisions after assessment that were to issue a plan
    withdrawn: Rate  # share of cases closed that were withdrawn or transferred out
    exception: Rate  # share of plans issued with a 20-week exception
    decide: Durations  # day 0 -> decision whether to assess
    issue_wait: Durations  # last advice settled -> decision whether to issue
    drafting: Durations  # decision to issue -> draft served
    finalising: Durations  # draft served -> final plan
    withdraw_age: Durations  # day 0 -> withdrawn
    pairs: tuple[tuple[str, str], ...]  # (advice kind, provider team) asked in the window
    advice_sets: tuple[tuple[int, ...], ...]  # the pairs asked of each assessed case, as seen
    advice_set_weights: tuple[float, ...]
    advice_set_cases: int
    kind_excepted: dict[str, float]  # share of advice with a reg 8(2) exception, per kind
    teams: dict[str, TeamCalibration] = field(default_factory=dict)
    officers: OfficerCalibration = OfficerCalibration(None, 0, 0, 0, 0)
    on_time_rate: Rate = Rate(
        0.0, 0
    )  # cases closed in the window (no 20-week exception): plan within 20 weeks

    def arrivals_in(self, month: int) -> float:
        """Requests per week expected in a month of the year."""
        if self.seasonal is not None:
            return self.seasonal[month]
        return self.arrivals_per_week.value


def _rate(yes: int, n: int) -> Rate:
    return Rate(yes / n if n else 0.0, n)


def _in(values: Days, start: float, end: float) -> np.ndarray[Any, np.dtype[np.bool_]]:
    with np.errstate(invalid="ignore"):
        return (values >= start) & (values <= end)


def calibrate(history: History, window_months: int = 12) -> Calibration:
    """Learn the network from ``history`` over the ``window_months`` to its date; TooLittleHistory if
    the window holds too little to forecast from."""
    h = history
    end = float(h.day)
    window_start = months_before(h.as_of, window_months)
    start = float(window_start.toordinal())
    weeks = (end - start + 1) / 7

    received = _in(h.day0, start, end)
    decided = _in(h.assess_on, start, end)
    issue_decided = _in(h.issue_on, start, end)
    plans = _in(h.final_on, start, end)
    settled = _in(h.settled_on, start, end)
    short = []
    if received.sum() < MIN_REQUESTS:
        short.append(f"{int(received.sum())} requests received (at least {MIN_REQUESTS} are needed)")
    if decided.sum() < MIN_DECISIONS:
        short.append(f"{int(decided.sum())} decisions whether to assess (at least {MIN_DECISIONS})")
    if plans.sum() < MIN_PLANS:
        short.append(f"{int(plans.sum())} final plans issued (at least {MIN_PLANS})")
    if settled.sum() < MIN_ADVICE:
        short.append(f"{int(settled.sum())} advice returned (at least {MIN_ADVICE})")
    if short:
        raise TooLittleHistory(
            f"too little history to forecast from: in the {window_months} months from "
            f"{window_start:%-d %B %Y} to {h.as_of:%-d %B %Y} the store holds " + "; ".join(short)
        )

    assessed_yes = decided & (h.assessed == 1)
    issued_yes = issue_decided & (h.issued == 1)
    closed = _in(h.outcome_on, start, end)
    ended_early = np.array([o in ENDED_EARLY for o in h.outcome], dtype=bool) & closed
    plans_issued = plans & np.array([o == ISSUED for o in h.outcome], dtype=bool)

    # the last advice settled before each case's decision whether to issue
    last_settled = np.full(len(h), np.nan)
    if len(h.advice_case):
        order = np.argsort(h.advice_case, kind="stable")
        np.fmax.at(last_settled, h.advice_case[order], h.settled_on[order])
    after = np.where(np.isnan(last_settled), h.assess_on, np.fmax(last_settled, h.assess_on))

    pairs, sets, weights, set_cases = _advice_sets(h, assessed_yes, end)
    teams = {
        team: _team(h, team, start, end, weeks)
        for team in sorted({t for _, t in pairs} | set(h.advice_team[j] for j in np.flatnonzero(settled)))
    }
    counted = closed & ~h.exception
    with np.errstate(invalid="ignore"):
        in_time = counted & (h.final_on - h.day0 <= IN_TIME_PLAN_DAYS)
    return Calibration(
        as_of=h.as_of,
        window_start=window_start,
        arrivals_per_week=Rate(float(received.sum()) / weeks, int(received.sum())),
        seasonal=_seasonal(h, received, weeks),
        assess=_rate(int(assessed_yes.sum()), int(decided.sum())),
        issue=_rate(int(issued_yes.sum()), int(issue_decided.sum())),
        withdrawn=_rate(int(ended_early.sum()), int(closed.sum())),
        exception=_rate(int((plans_issued & h.exception).sum()), int(plans_issued.sum())),
        decide=Durations.of((h.assess_on - h.day0)[decided]),
        issue_wait=Durations.of((h.issue_on - after)[issue_decided]),
        drafting=Durations.of((h.draft_on - h.issue_on)[_in(h.draft_on, start, end)]),
        finalising=Durations.of((h.final_on - h.draft_on)[plans]),
        withdraw_age=Durations.of((h.outcome_on - h.day0)[ended_early]),
        pairs=pairs,
        advice_sets=sets,
        advice_set_weights=weights,
        advice_set_cases=set_cases,
        kind_excepted=_kind_excepted(h, settled),
        teams=teams,
        officers=_officers(h, after, start, end),
        on_time_rate=_rate(int(in_time.sum()), int(counted.sum())),
    )


def _officers(h: History, after: Days, start: float, end: float) -> OfficerCalibration:
    """How many cases the officers held at once (each day of the window), and whether they were behind."""
    closed = np.where(np.isnan(h.outcome_on), np.inf, h.outcome_on)
    never = np.full(len(h), np.inf)

    def upto(step_end: Days) -> Days:
        return np.fmin(np.where(np.isnan(step_end), never, step_end), closed)

    awaited = np.zeros(len(h), dtype=bool)
    awaited[h.advice_case[np.isnan(h.settled_on)]] = True
    steps = [
        (h.day0, upto(h.assess_on)),  # deciding whether to assess
        (np.where((h.assessed == 1) & ~awaited, after, np.nan), upto(h.issue_on)),  # whether to issue
        (np.where(h.issued == 1, h.issue_on, np.nan), upto(h.draft_on)),  # drafting
        (h.draft_on, upto(h.final_on)),  # finalising
    ]
    starts = np.sort(np.concatenate([s[np.isfinite(s)] for s, _ in steps]))
    ends = np.sort(np.concatenate([np.where(np.isfinite(s), np.maximum(e, s), np.nan) for s, e in steps]))
    ends = ends[np.isfinite(ends)]
    days = np.arange(start, end + 1)
    held = np.searchsorted(starts, days, side="right") - np.searchsorted(ends, days, side="right")
    due = h.day0 + DECISION_DAYS
    decided = np.fmin(h.assess_on, h.outcome_on)
    week_starts = end + 1 - 7 * np.arange(RECENT_WEEKS, 0, -1)
    per_week = np.array([int(_in(decided, s, s + 6).sum()) for s in week_starts])
    behind = overdue_at(due, decided, week_starts) >= max(3.0, float(per_week.mean()))
    recent = held[-7 * RECENT_WEEKS :]
    limited = int(behind.sum()) >= MIN_BACKLOGGED_WEEKS
    done = sum(int(_in(np.where(np.isfinite(e), e, np.nan), start, end).sum()) for _, e in steps)
    return OfficerCalibration(
        capacity=float(recent.max()) if limited and len(recent) else None,
        peak=int(held.max()) if len(held) else 0,
        in_hand=int(held[-1]) if len(held) else 0,
        behind_weeks=int(behind.sum()),
        steps=done,
    )


def months_before(day: date, months: int) -> date:
    """The day after the same date ``months`` earlier: a window of whole months ending on ``day``."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last)) + timedelta(days=1)


def _advice_sets(
    h: History, assessed: np.ndarray[Any, np.dtype[np.bool_]], end: float
) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[int, ...], ...], tuple[float, ...], int]:
    """Which (kind, team) pairs each assessed case of the window asked, counted as distinct sets.
    Only cases decided two weeks or more before the date: their requests are all made."""
    settled_in = assessed & (h.assess_on <= end - 14)
    by_case: dict[int, set[tuple[str, str]]] = {int(i): set() for i in np.flatnonzero(settled_in)}
    for j, i in enumerate(h.advice_case):
        if int(i) in by_case:
            by_case[int(i)].add((h.advice_kind[j], h.advice_team[j]))
    pairs = tuple(sorted({p for s in by_case.values() for p in s}))
    counts: dict[tuple[int, ...], int] = {}
    for s in by_case.values():
        key = tuple(sorted(pairs.index(p) for p in s))
        counts[key] = counts.get(key, 0) + 1
    total = sum(counts.values())
    sets = tuple(counts)
    return pairs, sets, tuple(counts[s] / total for s in sets), total


def _kind_excepted(h: History, settled: np.ndarray[Any, np.dtype[np.bool_]]) -> dict[str, float]:
    kinds = np.array(h.advice_kind, dtype=object)
    out = {}
    for kind in sorted(set(h.advice_kind)):
        mine = settled & (kinds == kind)
        out[kind] = float(h.advice_excepted[mine].mean()) if mine.any() else 0.0
    return out


def _seasonal(
    h: History, received: np.ndarray[Any, np.dtype[np.bool_]], weeks: float
) -> dict[int, float] | None:
    """Requests per week by month of the year, scaled to the window's level; None under two years."""
    if h.first_day0 is None or (h.as_of - h.first_day0).days < SEASONAL_DAYS:
        return None
    start = h.day - SEASONAL_DAYS + 1
    two_years = h.day0[h.day0 >= start]
    months = np.array([date.fromordinal(int(d)).month for d in two_years])
    days_in = np.zeros(13)
    for d in range(start, h.day + 1):
        days_in[date.fromordinal(d).month] += 1
    overall = len(two_years) / SEASONAL_DAYS
    if overall == 0:
        return None
    index = {m: (np.sum(months == m) / days_in[m]) / overall if days_in[m] else 1.0 for m in range(1, 13)}
    window_months = [date.fromordinal(int(d)).month for d in h.day0[received]]
    level = float(np.mean([index[m] for m in window_months])) if window_months else 1.0
    base = float(received.sum()) / weeks / (level or 1.0)
    return {m: base * index[m] for m in range(1, 13)}


def overdue_at(due: Days, settled: Days, days: Any) -> np.ndarray[Any, np.dtype[np.int64]]:
    """How many requests were past their due date and not settled at the start of each of ``days``."""
    due_sorted = np.sort(due)
    both = np.sort(np.fmax(due, np.where(np.isnan(settled), np.inf, settled)))
    return np.searchsorted(due_sorted, days, side="left") - np.searchsorted(both, days, side="left")


def _team(h: History, team: str, start: float, end: float, weeks: float) -> TeamCalibration:
    mine = np.array([t == team for t in h.advice_team], dtype=bool)
    requested, settled = h.requested_on[mine], h.settled_on[mine]
    due = requested + ADVICE_DAYS
    in_window = _in(settled, start, end)
    returned = int(in_window.sum())
    throughput = returned / weeks
    service = settled - requested

    # the last RECENT_WEEKS weeks: settled each week, and overdue at each week's start
    week_starts = end + 1 - 7 * np.arange(RECENT_WEEKS, 0, -1)
    per_week = np.array([int(_in(settled, s, s + 6).sum()) for s in week_starts])
    recent_rate = float(per_week.mean())
    threshold = max(3.0, recent_rate)
    backlogged = overdue_at(due, settled, week_starts) >= threshold
    capacity = float(per_week[backlogged].mean()) if backlogged.sum() >= MIN_BACKLOGGED_WEEKS else None

    lead_from = "every advice it returned in the window"
    lead = Durations.of(service[in_window])
    if capacity is not None:
        calm = overdue_at(due, settled, requested) < threshold
        calm &= overdue_at(due, settled, np.nan_to_num(settled, nan=end)) < threshold
        quiet = Durations.of(service[in_window & calm])
        if quiet.cases >= MIN_SAMPLE:
            lead, lead_from = quiet, "the advice it returned while it had no backlog"
        elif lead.cases:
            half = lead.days[: max(1, lead.cases // 2)]
            lead, lead_from = Durations(half), "the quicker half of its returns (it had a backlog throughout)"
    if lead.cases < MIN_SAMPLE:
        everyone = h.settled_on - h.requested_on
        lead = Durations.of(everyone[_in(h.settled_on, start, end)])
        lead_from = "every team's returns (this team returned too few to go by)"
    kinds = tuple(sorted({h.advice_kind[j] for j in np.flatnonzero(mine)}))
    nr = h.not_received[mine][in_window]
    weekdays: tuple[float, ...] = (1 / 7,) * 7
    if returned >= MIN_SAMPLE:  # the days of the week it returns advice on (a team's working days)
        on = np.array([date.fromordinal(int(d)).weekday() for d in settled[in_window]])
        weekdays = tuple(float(x) for x in np.bincount(on, minlength=7) / len(on))
    return TeamCalibration(
        team=team,
        kinds=kinds,
        returned=returned,
        throughput=throughput,
        capacity=capacity,
        backlogged_weeks=int(backlogged.sum()),
        lead=lead,
        lead_from=lead_from,
        not_received=float(nr.mean()) if len(nr) else 0.0,
        waiting=int(np.isnan(settled).sum()),
        weekdays=weekdays,
    )
