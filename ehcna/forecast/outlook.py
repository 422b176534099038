"""The outlook: the forecast from the store at a date, beside a scenario's, and the backtest.

``make_outlook`` checks what it is asked (``Refused`` with the field and the reason), reads the
store as it stood at the date, learns from it (``TooLittleHistory`` if it cannot), and replays the
casework from every open case. Figures per month are the median of the runs with an 80% range
(the 10th to the 90th percentile); the months are whole calendar months, the first counting what
had already happened in it by the date.
"""

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TextIO

import numpy as np
from sqlalchemy import Connection

from domain.kpis import ADVICE_IN_TIME_DAYS, IN_TIME_PLAN_DAYS, OPEN_STAGES, Figure, Period
from ehcna.forecast.calibration import RECENT_WEEKS, Calibration, Durations, calibrate, months_before
from ehcna.forecast.engine import Network, RunsResult, build_network, simulate
from ehcna.forecast.history import History, first_request, load_history
from ehcna.forecast.scenario import (
    Refused,
    Scenario,
    check_as_of,
    check_months,
    check_runs,
    check_teams,
    check_window,
)
from ehcna.store.kpi_queries import k1_by_month, k9_backlog

DEFAULT_MONTHS = 6
DEFAULT_RUNS = 500
DEFAULT_SEED = 2026
DEFAULT_WINDOW = 12
LOW, HIGH = 10, 90  # the 80% range
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Band:
    """The median of the runs and the 80% range around it (None where no run had a figure)."""

    median: float | None
    low: float | None
    high: float | None

    @classmethod
    def of(cls, values: Any, digits: int = 1) -> "Band":
        arr = np.asarray(values, dtype=float)
        arr = arr[np.isfinite(arr)]
        if not len(arr):
            return cls(None, None, None)
        low, mid, high = np.percentile(arr, [LOW, 50, HIGH])
        return cls(round(float(mid), digits), round(float(low), digits), round(float(high), digits))

    def words(self, unit: str = "") -> str:
        if self.median is None:
            return "no figure"
        return f"{self.median:g}{unit} ({self.low:g}{unit} to {self.high:g}{unit})"


@dataclass(frozen=True)
class MonthAhead:
    month: Period
    k1: Band  # percent of plans issued in the month within 20 weeks, excluding exceptions
    k1_plans: Band  # plans issued in the month, excluding exceptions
    k5: dict[str, Band]  # per advice kind, percent
    k9: Band  # open past 20 weeks at the month's end
    queues: dict[str, Band]  # per provider team: advice awaited at the month's end
    officers_waiting: Band  # cases waiting for a case officer to take them up at the month's end


@dataclass(frozen=True)
class CaseAhead:
    ref: str
    team: str
    day0: date
    stage: str
    p_in_time: float  # a final plan within 20 weeks
    p_late: float  # still open after 20 weeks (the T6 deadline missed)
    p_plan: float  # a final plan at all
    issue_median: date | None
    issue_low: date | None
    issue_high: date | None


@dataclass(frozen=True)
class Forecast:
    scenario: Scenario
    months: list[MonthAhead]
    cases: list[CaseAhead]


@dataclass(frozen=True)
class SummaryRow:
    what: str
    value: str
    rests_on: int  # cases or advice requests the figure is learnt from


@dataclass(frozen=True)
class Outlook:
    as_of: date
    runs: int
    seed: int
    window_months: int
    calibration: Calibration
    baseline: Forecast
    scenario: Forecast | None = None
    summary: list[SummaryRow] = field(default_factory=list)

    @property
    def teams(self) -> list[str]:
        return list(self.baseline.months[0].queues) if self.baseline.months else []


def _days(d: Durations) -> str:
    med = d.median()
    if med is None:
        return "none seen"
    low, high = np.percentile(d.days, [LOW, HIGH])
    return f"median {med:g} days ({low:g} to {high:g})"


def summarise(cal: Calibration) -> list[SummaryRow]:
    """What the forecast learnt, each with what it rests on: a manager can see when that is thin."""
    rows = [
        SummaryRow(
            "Requests a week",
            f"{cal.arrivals_per_week.value:.1f}"
            + (" (by month of the year, from two years)" if cal.seasonal else ""),
            cal.arrivals_per_week.cases,
        ),
        SummaryRow("Decided to assess", f"{cal.assess.value:.0%}", cal.assess.cases),
        SummaryRow("Decided to issue a plan, once assessed", f"{cal.issue.value:.0%}", cal.issue.cases),
        SummaryRow("Withdrawn or moved away", f"{cal.withdrawn.value:.0%}", cal.withdrawn.cases),
        SummaryRow("Plans with a 20-week exception", f"{cal.exception.value:.0%}", cal.exception.cases),
        SummaryRow("Time to decide whether to assess", _days(cal.decide), cal.decide.cases),
        SummaryRow(
            "Time from the last advice to the decision to issue", _days(cal.issue_wait), cal.issue_wait.cases
        ),
        SummaryRow("Time to draft the plan", _days(cal.drafting), cal.drafting.cases),
        SummaryRow("Time from draft to final plan", _days(cal.finalising), cal.finalising.cases),
        SummaryRow(
            "Sets of advice asked of assessed cases",
            f"{len(cal.advice_sets)} different sets",
            cal.advice_set_cases,
        ),
    ]
    off = cal.officers
    rows.append(
        SummaryRow(
            "Case officers: capacity",
            (
                f"limited: hold {off.capacity:.0f} cases at once "
                f"(behind on the 6-week decision in {off.behind_weeks} of the last {RECENT_WEEKS} weeks)"
                if off.capacity is not None
                else f"kept up: held at most {off.peak} cases at once (a cut is taken from that)"
            )
            + f"; {off.in_hand} in their hands now",
            off.steps,
        )
    )
    for team in cal.teams.values():
        cap = (
            f"limited: returns {team.capacity:.1f} a week "
            f"(behind in {team.backlogged_weeks} of the last {RECENT_WEEKS} weeks)"
            if team.capacity is not None
            else f"kept up: returned {team.throughput:.1f} a week"
        )
        rows.append(
            SummaryRow(
                f"{team.team}: capacity",
                f"{cap}; {team.waiting} awaited now",
                team.returned,
            )
        )
        rows.append(
            SummaryRow(
                f"{team.team}: lead time", f"{_days(team.lead)}, from {team.lead_from}", team.lead.cases
            )
        )
    return rows


def _percent(num: Any, den: Any) -> Any:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, 100 * num / den, np.nan)


def _already(history: History, month: Period) -> tuple[Figure, dict[str, tuple[int, int]]]:
    """K1 and K5 counted in ``month`` by the forecast date (its first month may have begun)."""
    h = history
    lo, hi = float(month.start.toordinal()), float(min(month.end, h.as_of).toordinal())
    with np.errstate(invalid="ignore"):
        plans = (h.final_on >= lo) & (h.final_on <= hi) & ~h.exception
        in_time = plans & (h.final_on - h.day0 <= IN_TIME_PLAN_DAYS)
        settled = (h.settled_on >= lo) & (h.settled_on <= hi) & ~h.advice_excepted
        ok = settled & ~h.not_received & (h.settled_on - h.requested_on <= ADVICE_IN_TIME_DAYS)
    kinds = np.array(h.advice_kind, dtype=object)
    k5 = {
        str(k): (int((ok & (kinds == k)).sum()), int((settled & (kinds == k)).sum()))
        for k in set(h.advice_kind)
    }
    return Figure(int(in_time.sum()), int(plans.sum())), k5


def _forecast(history: History, net: Network, result: RunsResult, scenario: Scenario) -> Forecast:
    months = []
    for m in range(len(net.month_starts) - 1):
        first = net.as_of + timedelta(days=net.month_starts[m])
        period = Period.month_of(first)
        k1_in, k1_n = result.k1_in_time[:, m].copy(), result.k1_plans[:, m].copy()
        k5_in, k5_n = result.k5_in_time[:, m, :].copy(), result.k5_counted[:, m, :].copy()
        if period.start <= history.as_of:
            k1_done, k5_done = _already(history, period)
            k1_in += k1_done.numerator
            k1_n += k1_done.denominator
            for k, kind in enumerate(net.kinds):
                got = k5_done.get(kind, (0, 0))
                k5_in[:, k] += got[0]
                k5_n[:, k] += got[1]
        months.append(
            MonthAhead(
                month=period,
                k1=Band.of(_percent(k1_in, k1_n)),
                k1_plans=Band.of(k1_n, 0),
                k5={kind: Band.of(_percent(k5_in[:, k], k5_n[:, k])) for k, kind in enumerate(net.kinds)},
                k9=Band.of(result.k9[:, m], 0),
                queues={team: Band.of(result.queue[:, m, t], 0) for t, team in enumerate(net.teams)},
                officers_waiting=Band.of(result.officers_queue[:, m], 0),
            )
        )
    open_idx = np.flatnonzero(history.open)
    cases = []
    for k, i in enumerate(open_idx):
        day0 = float(history.day0[i]) - history.day
        final = result.open_final[:, k]
        close = result.open_close[:, k]
        planned = np.isfinite(final)
        in_time = planned & (final - day0 <= IN_TIME_PLAN_DAYS)
        late = close - day0 > IN_TIME_PLAN_DAYS
        issue: list[date | None] = [None, None, None]
        if planned.any():
            issue = [
                history.as_of + timedelta(days=round(v))
                for v in np.percentile(final[planned], [50, LOW, HIGH])
            ]
        cases.append(
            CaseAhead(
                ref=history.refs[i],
                team=history.teams[i],
                day0=date.fromordinal(int(history.day0[i])),
                stage=OPEN_STAGES[int(net.open_stage[k])],
                p_in_time=round(float(in_time.mean()), 3),
                p_late=round(float(late.mean()), 3),
                p_plan=round(float(planned.mean()), 3),
                issue_median=issue[0],
                issue_low=issue[1],
                issue_high=issue[2],
            )
        )
    return Forecast(scenario, months, cases)


def make_outlook(
    conn: Connection,
    as_of: date,
    today: date,
    *,
    months: int = DEFAULT_MONTHS,
    scenario: Scenario | None = None,
    runs: int = DEFAULT_RUNS,
    seed: int = DEFAULT_SEED,
    window_months: int = DEFAULT_WINDOW,
    processes: int = 1,
    progress: Progress | None = None,
) -> Outlook:
    """The forecast as of ``as_of`` (and the scenario's beside it); Refused or TooLittleHistory."""
    check_months(months)
    check_runs(runs)
    check_window(window_months)
    check_as_of(as_of, today, first_request(conn))
    since = min(months_before(as_of, max(window_months, 24)), as_of)
    history = load_history(conn, as_of, since)
    cal = calibrate(history, window_months)
    if scenario is not None and not scenario.is_baseline:
        check_teams(
            scenario,
            {t: c.capacity for t, c in cal.teams.items()},
            {t: c.throughput for t, c in cal.teams.items()},
        )
    total = runs * (2 if scenario is not None and not scenario.is_baseline else 1)

    def told(offset: int) -> Progress | None:
        return None if progress is None else (lambda done, _: progress(offset + done, total))

    base_net = build_network(history, cal, Scenario(), months)
    base = _forecast(history, base_net, simulate(base_net, runs, seed, processes, told(0)), Scenario())
    other = None
    if scenario is not None and not scenario.is_baseline:
        net = build_network(history, cal, scenario, months)
        # the same seed: the runs differ only by what the scenario changes
        other = _forecast(history, net, simulate(net, runs, seed, processes, told(runs)), scenario)
    return Outlook(as_of, runs, seed, window_months, cal, base, other, summarise(cal))


# ---------------------------------------------------------------- backtest


@dataclass(frozen=True)
class BacktestMonth:
    month: Period
    forecast: Band
    actual: Figure | None  # None: the month is not over yet
    error: float | None  # forecast median - actual, in points
    inside: bool | None  # the actual within the 80% range
    k9_forecast: Band
    k9_actual: int | None


@dataclass(frozen=True)
class Backtest:
    outlook: Outlook
    months: list[BacktestMonth]
    mean_absolute_error: float | None  # K1, points, over the months over
    brier: float | None  # per-case P(plan within 20 weeks), over the open cases whose fate is known
    brier_baseline: float | None  # every case given the historic on-time rate
    cases_scored: int


def backtest(
    conn: Connection,
    as_of: date,
    today: date,
    *,
    months: int = DEFAULT_MONTHS,
    runs: int = DEFAULT_RUNS,
    seed: int = DEFAULT_SEED,
    window_months: int = DEFAULT_WINDOW,
    processes: int = 1,
    progress: Progress | None = None,
) -> Backtest:
    """A forecast as of a past date from what the store held then, against what then happened (the
    KPIs counted by the store's own queries)."""
    outlook = make_outlook(
        conn,
        as_of,
        today,
        months=months,
        runs=runs,
        seed=seed,
        window_months=window_months,
        processes=processes,
        progress=progress,
    )
    periods = [m.month for m in outlook.baseline.months]
    actual = k1_by_month(conn, periods)
    rows = []
    for m in outlook.baseline.months:
        over = m.month.end < today
        fig = actual[m.month.label] if over else None
        error = inside = None
        if fig is not None and fig.percent is not None and m.k1.median is not None:
            error = round(m.k1.median - fig.percent, 1)
            assert m.k1.low is not None and m.k1.high is not None
            inside = m.k1.low <= fig.percent <= m.k1.high
        rows.append(
            BacktestMonth(
                m.month, m.k1, fig, error, inside, m.k9, k9_backlog(conn, m.month.end) if over else None
            )
        )
    errors = [abs(r.error) for r in rows if r.error is not None]
    brier, baseline, scored = _brier(conn, outlook, today)
    return Backtest(
        outlook,
        rows,
        round(float(np.mean(errors)), 1) if errors else None,
        brier,
        baseline,
        scored,
    )


def _brier(conn: Connection, outlook: Outlook, today: date) -> tuple[float | None, float | None, int]:
    """Brier scores of the open cases' P(final plan within 20 weeks), for those whose 20 weeks are over
    by ``today`` (so whether it happened is known), without a 20-week exception."""
    now = load_history(conn, today, outlook.as_of)
    where = {ref: i for i, ref in enumerate(now.refs)}
    rate = outlook.calibration.on_time_rate.value
    forecast, truth = [], []
    for case in outlook.baseline.cases:
        i = where.get(case.ref)
        if i is None or now.exception[i] or (today - case.day0).days <= IN_TIME_PLAN_DAYS:
            continue
        happened = bool(np.isfinite(now.final_on[i]) and now.final_on[i] - now.day0[i] <= IN_TIME_PLAN_DAYS)
        forecast.append(case.p_in_time)
        truth.append(float(happened))
    if not truth:
        return None, None, 0
    f, t = np.array(forecast), np.array(truth)
    return round(float(np.mean((f - t) ** 2)), 4), round(float(np.mean((rate - t) ** 2)), 4), len(t)


# ---------------------------------------------------------------- JSON and CSV


def _band(b: Band) -> dict[str, float | None]:
    return {"median": b.median, "low": b.low, "high": b.high}


def _forecast_json(f: Forecast) -> dict[str, Any]:
    return {
        "scenario": f.scenario.text or None,
        "changes": f.scenario.words(),
        "months": [
            {
                "month": m.month.label,
                "k1_percent": _band(m.k1),
                "k1_plans": _band(m.k1_plans),
                "k5_percent": {k: _band(b) for k, b in m.k5.items()},
                "k9_backlog": _band(m.k9),
                "team_queues": {t: _band(b) for t, b in m.queues.items()},
                "officers_waiting": _band(m.officers_waiting),
            }
            for m in f.months
        ],
        "cases": [
            {
                "ref": c.ref,
                "team": c.team,
                "day0": c.day0.isoformat(),
                "stage": c.stage,
                "p_plan_within_20_weeks": c.p_in_time,
                "p_past_20_weeks": c.p_late,
                "p_plan": c.p_plan,
                "issue_date": {
                    "median": c.issue_median.isoformat() if c.issue_median else None,
                    "low": c.issue_low.isoformat() if c.issue_low else None,
                    "high": c.issue_high.isoformat() if c.issue_high else None,
                },
            }
            for c in f.cases
        ],
    }


def difference(outlook: Outlook) -> list[dict[str, Any]]:
    """Per month: the scenario's K1 and K9 medians minus the baseline's."""
    if outlook.scenario is None:
        return []
    out = []
    for b, s in zip(outlook.baseline.months, outlook.scenario.months, strict=True):
        k1 = None if b.k1.median is None or s.k1.median is None else round(s.k1.median - b.k1.median, 1)
        k9 = None if b.k9.median is None or s.k9.median is None else round(s.k9.median - b.k9.median, 1)
        out.append({"month": b.month.label, "k1_points": k1, "k9_cases": k9})
    return out


def outlook_json(outlook: Outlook) -> dict[str, Any]:
    cal = outlook.calibration
    return {
        "as_of": outlook.as_of.isoformat(),
        "runs": outlook.runs,
        "seed": outlook.seed,
        "window": {
            "months": outlook.window_months,
            "from": cal.window_start.isoformat(),
            "to": cal.as_of.isoformat(),
        },
        "learnt": [{"what": r.what, "value": r.value, "rests_on": r.rests_on} for r in outlook.summary],
        "officers": {
            "places": cal.officers.capacity,
            "most_held_at_once": cal.officers.peak,
            "in_hand": cal.officers.in_hand,
        },
        "teams": {
            t.team: {
                "capacity_per_week": None if t.capacity is None else round(t.capacity, 1),
                "throughput_per_week": round(t.throughput, 1),
                "returned": t.returned,
                "awaited": t.waiting,
                "lead_days_median": t.lead.median(),
            }
            for t in cal.teams.values()
        },
        "baseline": _forecast_json(outlook.baseline),
        "scenario": _forecast_json(outlook.scenario) if outlook.scenario else None,
        "difference": difference(outlook),
    }


def backtest_json(bt: Backtest) -> dict[str, Any]:
    return {
        "as_of": bt.outlook.as_of.isoformat(),
        "months": [
            {
                "month": r.month.label,
                "k1_forecast": _band(r.forecast),
                "k1_actual": None
                if r.actual is None
                else {
                    "percent": r.actual.percent,
                    "numerator": r.actual.numerator,
                    "denominator": r.actual.denominator,
                },
                "k1_error_points": r.error,
                "inside_80_percent_range": r.inside,
                "k9_forecast": _band(r.k9_forecast),
                "k9_actual": r.k9_actual,
            }
            for r in bt.months
        ],
        "k1_mean_absolute_error_points": bt.mean_absolute_error,
        "brier": bt.brier,
        "brier_historic_rate": bt.brier_baseline,
        "cases_scored": bt.cases_scored,
    }


def write_outlook_csv(outlook: Outlook, out: TextIO) -> None:
    """One row per forecast, month and measure: median and the 80% range."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["forecast", "month", "measure", "median", "low", "high"])
    for name, f in (("baseline", outlook.baseline), ("scenario", outlook.scenario)):
        if f is None:
            continue
        for m in f.months:
            rows: list[tuple[str, Band]] = [("K1", m.k1), ("K1 plans", m.k1_plans), ("K9", m.k9)]
            rows += [(f"K5 {k}", b) for k, b in m.k5.items()]
            rows += [(f"queue {t}", b) for t, b in m.queues.items()]
            rows.append(("officers waiting", m.officers_waiting))
            for measure, b in rows:
                w.writerow([name, m.month.label, measure, b.median, b.low, b.high])


def parse_as_of(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Refused("as_of", "a date is YYYY-MM-DD, e.g. 2026-06-30") from None
