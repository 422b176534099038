"""The casework as a queueing network, a discrete-event simulation (SimPy) replayed many times.

The network. A request arrives (a Poisson stream a day, the history's rate or the scenario's) and joins
the case officers' queue. The officers are one server with a number of places (the cases they can hold
at once, ``OfficersResource``): a case holds a place while an officer decides whether to assess, then
again to decide whether to issue once its advice is in, to draft, and to finalise, each step for a time
drawn from the officers' observed times; first come first served. An assessed case asks a set of
provider teams for advice at once (a set as seen in the history). An advice request is ready after its
lead time (the work itself, drawn from the team's times); a team that kept up returns it then; a team
with a limited capacity (``TeamResource``) returns at most its capacity a week (the history's, or the
scenario's over its period; spread over the days of the week it was seen to return on), first come
first served (a day's newcomers the oldest asked first), so demand above capacity builds a queue that
persists and delays later cases. A case may be withdrawn on the way: it leaves its place or its queue,
and its outstanding advice requests stop (they take no more of any team's capacity and no longer count
as awaited). Open cases start where they are at the forecast date, with their real dates: a step under
way goes on for the time still to go (drawn from the observed times longer than it has already taken),
advice awaited is awaited, in the team's queue if its work is done.

How it runs. The domain counts calendar days, and so does the simulation: SimPy's clock is the day,
and each server is a SimPy process (the withdrawals, the arrivals, each provider team, the officers)
that does a day's work and waits for the next. A run of the network is many cases whose steps are
events on those days; the runs of a chunk (CHUNK) are replayed side by side in the same SimPy
environment, each server acting on all of them at once (numpy arrays indexed by run), so that the
cost of an event is shared by the chunk's runs instead of paid once per case per run (a bare SimPy
process per case costs more than the whole forecast: ``bench/forecast.py``). Each chunk has its own
seed spawned from the forecast's, so the figures do not depend on how chunks are spread over processes.

Times are day offsets after the forecast date (the end of ``as_of``): day 1 is the day after. Whether a
plan or an advice is in time is the KPIs' rule (``domain.kpis``); numpy aggregates the runs.
"""

from collections.abc import Callable, Generator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import simpy

from domain.kpis import ADVICE_IN_TIME_DAYS, IN_TIME_PLAN_DAYS, OPEN_BANDS
from ehcna.forecast.calibration import Calibration, Durations
from ehcna.forecast.history import History
from ehcna.forecast.scenario import Scenario

CHUNK = 100  # runs replayed together; the unit of seeding and of spreading over processes
TAIL_DAYS = 365  # after the horizon, no new request: the cases already in go on to their end
BACKLOG_DAYS = OPEN_BANDS[-1].after_days  # K9: open past day 0 + 140
UNLIMITED = -1  # officers' places when they are never short
Array = np.ndarray[Any, Any]

# the officers' steps
DECIDE, ISSUE, DRAFT, FINAL = range(4)


@dataclass(frozen=True)
class Network:
    """Everything a run needs, made once from the calibration, the start state and the scenario."""

    as_of: date
    horizon: int  # days with arrivals (to the end of the last month)
    month_starts: tuple[int, ...]  # day offsets (1-based) of each month's first day; last is the end + 1
    # open cases at the date: (n_open,)
    open_day0: Array  # offset of day 0 (<= 0)
    open_exception: Array
    open_stage: Array  # 0 request, 1 advice, 2 drafting, 3 draft served
    open_step: Array  # the officers' step under way (DECIDE...FINAL), -1 none (advice awaited)
    open_elapsed: Array  # days the step under way has taken by the date
    open_needs_set: Array  # assessed, no advice asked yet
    # advice awaited by the open cases, one row each: (n_jobs,)
    job_case: Array
    job_pair: Array
    job_requested: Array  # offset (<= 0)
    # the network
    pairs: tuple[tuple[str, str], ...]
    pair_team: Array  # pair -> team index
    pair_kind: Array  # pair -> kind index
    kinds: tuple[str, ...]
    teams: tuple[str, ...]
    set_table: Array  # (sets, max jobs) pair indexes, -1 none
    set_weights: Array
    lead_flat: Array  # every team's lead times, sorted within its segment
    lead_start: Array  # team -> first index in lead_flat
    lead_len: Array
    capacity: dict[int, Array]  # limited team -> advice it can return on each day 0..G
    officer_places: int  # UNLIMITED, or the cases the officers can hold at once
    not_received: Array  # team -> share
    excepted: Array  # kind -> share
    arrivals_per_day: Array  # day 1..horizon -> requests expected that day
    officer_times: tuple[Durations, Durations, Durations, Durations]  # DECIDE, ISSUE, DRAFT, FINAL
    withdraw_age: Durations
    p_assess: float
    p_issue: float
    p_withdraw: float
    p_exception: float

    @property
    def last_day(self) -> int:
        return self.horizon + TAIL_DAYS


@dataclass
class RunsResult:
    """The runs' figures: per run and month, per open case, per team and month end."""

    k1_in_time: Array  # (runs, months)
    k1_plans: Array
    k5_in_time: Array  # (runs, months, kinds)
    k5_counted: Array
    k9: Array  # (runs, months): open past 20 weeks at each month's end
    queue: Array  # (runs, months, teams): advice awaited at each month's end
    officers_queue: Array  # (runs, months): cases waiting for an officer at each month's end
    open_final: Array  # (runs, n_open): day offset of the final plan, NaN if none
    open_close: Array  # (runs, n_open): day offset the case closed, inf if still open at the end

    @classmethod
    def join(cls, parts: list["RunsResult"]) -> "RunsResult":
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in cls.__dataclass_fields__))


def _month_starts(as_of: date, months: int) -> tuple[int, ...]:
    """Offsets of the first day of each month ahead (the month after ``as_of``'s, unless ``as_of`` is
    not its month's last day: then that month too, counted whole), and of the day after the last."""
    first = as_of + timedelta(days=1)
    year, month = first.year, first.month
    starts = []
    for _ in range(months + 1):
        starts.append((date(year, month, 1) - as_of).days)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(starts)


def officer_places(calibration: Calibration, factor: float) -> int:
    """The officers' places under a scenario's factor: their capacity when limited; when they kept up,
    more keeps them so, and a cut is taken from the most cases they held at once."""
    off = calibration.officers
    if off.capacity is None and factor >= 1:
        return UNLIMITED
    base = off.capacity if off.capacity is not None else float(off.peak)
    return max(1, round(base * factor))


def build_network(history: History, calibration: Calibration, scenario: Scenario, months: int) -> Network:
    h, cal = history, calibration
    as_day = h.day
    starts = _month_starts(h.as_of, months)
    horizon = starts[-1] - 1
    open_idx = np.flatnonzero(h.open)
    position = {int(i): k for k, i in enumerate(open_idx)}

    # teams and pairs: the calibration's, and any met among the open cases' advice
    teams = list(cal.teams)
    pairs = list(cal.pairs)
    for j in range(len(h.advice_case)):
        if int(h.advice_case[j]) not in position:
            continue
        pair = (h.advice_kind[j], h.advice_team[j])
        if pair not in pairs:
            pairs.append(pair)
        if pair[1] not in teams:
            teams.append(pair[1])
    kinds = sorted({k for k, _ in pairs})
    team_index = {t: i for i, t in enumerate(teams)}

    # lead times per team (a team met only among open cases: every team's times)
    everyone = np.sort(np.concatenate([t.lead.days for t in cal.teams.values()] or [np.array([28.0])]))
    segments = [
        cal.teams[t].lead.days if t in cal.teams and cal.teams[t].lead.cases else everyone for t in teams
    ]
    lead_len = np.array([len(s) for s in segments])
    lead_start = np.concatenate([[0], np.cumsum(lead_len)[:-1]]).astype(np.int64)

    # capacity: the team's own (None: unlimited), changed by the scenario over its periods
    grid = horizon + TAIL_DAYS + 2
    capacity: dict[int, Array] = {}
    for t, team in enumerate(teams):
        info = cal.teams.get(team)
        base = info.capacity if info else None
        per_week = np.full(grid, np.inf if base is None else base)
        changed = False
        for change in scenario.teams:
            if change.team != team:
                continue
            lo = 0 if change.start is None else max(0, (change.start - h.as_of).days)
            hi = grid if change.end is None else max(0, min(grid, (change.end - h.as_of).days + 1))
            if change.value is not None:
                per_week[lo:hi] = change.value
            elif change.delta is not None:
                if base is None and change.delta > 0:
                    continue  # more capacity for a team that kept up changes nothing
                start_from = base if base is not None else (info.throughput if info else 0.0)
                per_week[lo:hi] = np.maximum(0.0, start_from + change.delta)
            changed = True
        if base is not None or changed:  # its week's capacity over the days of the week it works
            share = np.array(info.weekdays if info else (1 / 7,) * 7)
            on_day = share[(h.as_of.weekday() + np.arange(grid)) % 7]
            capacity[t] = np.where(np.isinf(per_week), np.inf, per_week * on_day)  # inf: never short

    # the open cases where they are: the step under way and how long it has taken
    n_open = len(open_idx)
    stage = np.zeros(n_open, dtype=np.int64)
    step = np.full(n_open, DECIDE, dtype=np.int64)
    elapsed = (as_day - h.day0[open_idx]).astype(float)
    needs_set = np.zeros(n_open, dtype=bool)
    has_advice = np.zeros(len(h), dtype=bool)
    has_advice[h.advice_case] = True
    awaited = np.isnan(h.settled_on)
    waiting_on = np.zeros(len(h), dtype=bool)
    waiting_on[h.advice_case[awaited]] = True
    last_settled = np.full(len(h), np.nan)
    if len(h.advice_case):
        np.fmax.at(last_settled, h.advice_case, h.settled_on)
    for k, i in enumerate(open_idx):
        if h.issued[i] == 1 and not np.isnan(h.draft_on[i]):
            stage[k], step[k], elapsed[k] = 3, FINAL, as_day - h.draft_on[i]
        elif h.issued[i] == 1:
            stage[k], step[k], elapsed[k] = 2, DRAFT, as_day - h.issue_on[i]
        elif h.assessed[i] == 1:
            stage[k] = 1
            if not has_advice[i]:
                needs_set[k], step[k] = True, -1
            elif waiting_on[i]:
                step[k] = -1
            else:  # all its advice in: deciding whether to issue
                step[k], elapsed[k] = ISSUE, as_day - np.fmax(last_settled[i], h.assess_on[i])
    jobs = np.array(
        [
            j
            for j in np.flatnonzero(awaited)
            if int(h.advice_case[j]) in position and stage[position[int(h.advice_case[j])]] == 1
        ],
        dtype=np.int64,
    )
    pair_index = {p: i for i, p in enumerate(pairs)}

    max_set = max((len(s) for s in cal.advice_sets), default=1) or 1
    table = np.full((max(1, len(cal.advice_sets)), max_set), -1, dtype=np.int64)
    for s, members in enumerate(cal.advice_sets):
        table[s, : len(members)] = members
    weights = np.array(cal.advice_set_weights or (1.0,), dtype=float)

    per_day = np.zeros(horizon)
    for d in range(horizon):
        day = h.as_of + timedelta(days=d + 1)
        rate = scenario.demand_rate if scenario.demand_rate is not None else cal.arrivals_in(day.month)
        per_day[d] = rate * scenario.demand_factor / 7
    return Network(
        as_of=h.as_of,
        horizon=horizon,
        month_starts=starts,
        open_day0=(h.day0[open_idx] - as_day).astype(float),
        open_exception=h.exception[open_idx],
        open_stage=stage,
        open_step=step,
        open_elapsed=np.maximum(elapsed, 0.0),
        open_needs_set=needs_set,
        job_case=np.array([position[int(h.advice_case[j])] for j in jobs], dtype=np.int64),
        job_pair=np.array([pair_index[(h.advice_kind[j], h.advice_team[j])] for j in jobs], dtype=np.int64),
        job_requested=(h.requested_on[jobs] - as_day).astype(float),
        pairs=tuple(pairs),
        pair_team=np.array([team_index[t] for _, t in pairs], dtype=np.int64),
        pair_kind=np.array([kinds.index(k) for k, _ in pairs], dtype=np.int64),
        kinds=tuple(kinds),
        teams=tuple(teams),
        set_table=table,
        set_weights=weights / weights.sum(),
        lead_flat=np.concatenate(segments) if segments else np.zeros(1),
        lead_start=lead_start,
        lead_len=lead_len,
        capacity=capacity,
        officer_places=officer_places(cal, scenario.officers),
        not_received=np.array([cal.teams[t].not_received if t in cal.teams else 0.0 for t in teams]),
        excepted=np.array([cal.kind_excepted.get(k, 0.0) for k in kinds]),
        arrivals_per_day=per_day,
        officer_times=(cal.decide, cal.issue_wait, cal.drafting, cal.finalising),
        withdraw_age=cal.withdraw_age,
        p_assess=cal.assess.value,
        p_issue=cal.issue.value,
        p_withdraw=cal.withdrawn.value,
        p_exception=cal.exception.value,
    )


# ---------------------------------------------------------------- sampling


def _draw(d: Durations, rng: np.random.Generator, shape: tuple[int, ...]) -> Array:
    if not len(d.days):
        return np.full(shape, 7.0)
    return d.days[rng.integers(0, len(d.days), size=shape)]


def _residual(d: Durations, elapsed: Array, rng: np.random.Generator, runs: int) -> Array:
    """Time still to go for steps already ``elapsed`` days long: drawn from the times longer than that
    (a step longer than any seen ends within the week)."""
    if not len(d.days):
        return np.full((runs, len(elapsed)), 7.0)
    first = np.searchsorted(d.days, elapsed, side="right")
    left = len(d.days) - first
    u = rng.random((runs, len(elapsed)))
    idx = np.minimum(first + (u * left).astype(np.int64), len(d.days) - 1)
    remaining = d.days[idx] - elapsed
    return np.where(left > 0, remaining, 1 + rng.random((runs, len(elapsed))) * 6)


def _lead(net: Network, team: Array, rng: np.random.Generator) -> Array:
    u = rng.random(team.shape)
    return net.lead_flat[net.lead_start[team] + (u * net.lead_len[team]).astype(np.int64)]


def _days(t: Array) -> Array:
    """Whole days, at least one: a step ends on a later day than it starts."""
    return np.maximum(1, np.ceil(t)).astype(np.int64)


# ---------------------------------------------------------------- the servers


class _Queue:
    """First come first served, one queue per run: items join in order and are taken from the head."""

    def __init__(self, runs: int, size: int) -> None:
        self.items = np.zeros((runs, max(1, size)), dtype=np.int64)
        self.joined = np.zeros(runs, dtype=np.int64)
        self.taken = np.zeros(runs, dtype=np.int64)
        self.runs = runs

    def join(self, run: Array, item: Array) -> None:
        """``item`` (sorted by ``run``, in order within a run) join the back of their run's queue."""
        if not len(item):
            return
        counts = np.bincount(run, minlength=self.runs)
        first = np.cumsum(counts) - counts
        rank = np.arange(len(item)) - first[run]
        self.items[run, self.joined[run] + rank] = item
        self.joined += counts

    @property
    def waiting(self) -> Array:
        return self.joined - self.taken

    def take(self, n: Array) -> tuple[Array, Array]:
        """The next ``n[r]`` items of each run's queue: (run, item)."""
        most = int(n.max(initial=0))
        if most <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        cols = self.taken[:, None] + np.arange(most)
        valid = np.arange(most) < n[:, None]
        run = np.broadcast_to(np.arange(self.runs)[:, None], cols.shape)[valid]
        item = self.items[run, cols[valid]]
        self.taken += n
        return run, item


class TeamResource:
    """A provider team with a capacity a week: each day it may return up to that day's share (what it
    cannot use for want of work is lost), to the advice whose work is done, first come first served.
    Advice of a withdrawn case leaves the queue without taking any capacity."""

    def __init__(self, runs: int, size: int, per_day: Array) -> None:
        self.queue = _Queue(runs, size)
        self.per_day = per_day
        self.budget = np.zeros(runs)

    def serve(self, day: int, gone: Callable[[Array, Array], Array]) -> tuple[Array, Array]:
        """The day's returns: (run, item). ``gone(run, item)`` tells the items no longer wanted."""
        q = self.queue
        rate = self.per_day[min(day, len(self.per_day) - 1)]
        if np.isinf(rate):
            n = q.waiting.copy()
        else:
            self.budget += rate
            n = np.minimum(np.floor(self.budget + 1e-9).astype(np.int64), q.waiting)
        runs, items = [], []
        while n.any():
            run, item = q.take(n)
            keep = ~gone(run, item)
            used = np.bincount(run[keep], minlength=q.runs)
            runs.append(run[keep])
            items.append(item[keep])
            if not np.isinf(rate):
                self.budget -= used
            cancelled = n - used
            n = np.minimum(cancelled, q.waiting)  # the places of withdrawn advice go to the next
        if not np.isinf(rate):
            idle = q.waiting == 0
            self.budget[idle] = self.budget[idle] - np.floor(self.budget[idle] + 1e-9)
        if not runs:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        run, item = np.concatenate(runs), np.concatenate(items)
        order = np.argsort(run, kind="stable")
        return run[order], item[order]


class OfficersResource:
    """The case officers: a number of places (cases held at once), each case holding one for its step's
    time, first come first served; ``UNLIMITED``: every case is taken up the day it arrives."""

    def __init__(self, runs: int, size: int, places: int) -> None:
        self.queue = _Queue(runs, size)
        self.places = places
        self.busy = np.zeros(runs, dtype=np.int64)

    def start(self, gone: Callable[[Array, Array], Array]) -> tuple[Array, Array]:
        """Cases taken up now: (run, item); ``gone`` tells the withdrawn, who leave without a place."""
        q = self.queue
        free = q.waiting if self.places == UNLIMITED else np.maximum(0, self.places - self.busy)
        n = np.minimum(free, q.waiting)
        runs, items = [], []
        while n.any():
            run, item = q.take(n)
            keep = ~gone(run, item)
            got = np.bincount(run[keep], minlength=q.runs)
            self.busy += got
            runs.append(run[keep])
            items.append(item[keep])
            n = np.minimum(n - got, q.waiting)
        if not runs:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        run, item = np.concatenate(runs), np.concatenate(items)
        order = np.argsort(run, kind="stable")
        return run[order], item[order]

    def leave(self, run: Array) -> None:
        """Cases held (one per entry of ``run``) give up their places."""
        self.busy -= np.bincount(run, minlength=len(self.busy))


# ---------------------------------------------------------------- one chunk of runs


class _Replay:
    """A chunk of runs of the network, side by side, in one SimPy environment."""

    def __init__(self, net: Network, runs: int, seed: np.random.SeedSequence) -> None:
        rng = np.random.default_rng(seed)
        self.net, self.runs, self.rng = net, runs, rng
        n_open = len(net.open_day0)
        horizon = net.horizon

        # new requests: a Poisson count each day, the slots padded (not real)
        counts = rng.poisson(net.arrivals_per_day, size=(runs, horizon))
        n_new = int(counts.sum(axis=1).max(initial=0))
        new_day0 = np.full((runs, n_new), np.inf)
        days = np.arange(1, horizon + 1, dtype=float)
        for r in range(runs):
            got = np.repeat(days, counts[r])
            new_day0[r, : len(got)] = got
        self.n_open, self.n = n_open, n_open + n_new
        n = self.n
        self.day0 = np.concatenate([np.broadcast_to(net.open_day0, (runs, n_open)), new_day0], axis=1)
        self.real = np.isfinite(self.day0)

        # every chance of every case, drawn before the run
        times = net.officer_times
        self.duration = np.stack([_days(_draw(d, rng, (runs, n))) for d in times])  # (4, runs, n)
        open_step = net.open_step
        for s in (DECIDE, ISSUE, DRAFT, FINAL):
            mine = open_step == s
            if mine.any():
                left = _residual(times[s], net.open_elapsed[mine], rng, runs)
                self.duration[s][:, :n_open][:, mine] = _days(left)
        self.assessed = rng.random((runs, n)) < net.p_assess
        self.issued = rng.random((runs, n)) < net.p_issue
        if n_open:
            self.assessed[:, :n_open] |= (net.open_stage >= 1)[None, :]
            self.issued[:, :n_open] |= (net.open_stage >= 2)[None, :]
        age = _draw(net.withdraw_age, rng, (runs, n))
        if n_open:
            age[:, :n_open] = -net.open_day0 + _residual(net.withdraw_age, -net.open_day0, rng, runs)
        withdraws = (rng.random((runs, n)) < net.p_withdraw) & self.real
        self.withdraw_day = np.where(withdraws, _days(np.where(self.real, self.day0, 0) + age), 0)
        self.exception = rng.random((runs, n)) < net.p_exception
        if n_open:
            self.exception[:, :n_open] = net.open_exception

        # advice: a set for each new case (and each open one assessed with none asked), the open ones'
        n_jobs = np.bincount(net.job_case, minlength=n_open) if n_open else np.zeros(0, dtype=np.int64)
        k = max(net.set_table.shape[1], int(n_jobs.max(initial=0)))
        self.k = k
        chosen = rng.choice(len(net.set_weights), p=net.set_weights, size=(runs, n))
        pair = np.full((runs, n, k), -1, dtype=np.int64)
        pair[:, :, : net.set_table.shape[1]] = net.set_table[chosen]
        if n_open:  # an open case asks a set once assessed, unless it has asked already
            pair[:, :n_open][:, ~(net.open_needs_set | (net.open_stage == 0))] = -1
        self.requested = np.full((runs, n, k), np.nan)
        self.ready = np.full((runs, n, k), np.nan)
        if len(net.job_case):
            slot = np.zeros(len(net.job_case), dtype=np.int64)
            seen: dict[int, int] = {}
            for j, c in enumerate(net.job_case.tolist()):
                slot[j] = seen.get(c, 0)
                seen[c] = slot[j] + 1
            pair[:, net.job_case, slot] = net.job_pair
            self.requested[:, net.job_case, slot] = net.job_requested
            team = net.pair_team[net.job_pair]
            ready = net.job_requested + _lead(net, np.broadcast_to(team, (runs, len(team))), rng)
            for t in set(team.tolist()) - set(net.capacity):  # a team that keeps up: the time still to go
                mine = team == t
                seg = net.lead_flat[net.lead_start[t] : net.lead_start[t] + net.lead_len[t]]
                left = _residual(Durations(seg), -net.job_requested[mine], rng, runs)
                ready[:, mine] = net.job_requested[mine] + left
            self.ready[:, net.job_case, slot] = ready
        self.pair = pair
        self.team = np.where(pair >= 0, net.pair_team[np.maximum(pair, 0)], -1)
        self.lead = np.maximum(1.0, _lead(net, np.maximum(self.team, 0), rng))
        self.done = np.full((runs, n, k), np.nan)  # the day each advice is returned

        # the state of the run
        self.closed = np.zeros((runs, n), dtype=bool)
        self.close_day = np.full((runs, n), np.nan)
        self.final_day = np.full((runs, n), np.nan)
        self.step = np.full((runs, n), -1, dtype=np.int64)  # the officers' step the case is in
        self.held = np.zeros((runs, n), dtype=bool)  # holds an officer's place
        self.outstanding = np.zeros((runs, n), dtype=np.int64)
        self.officers = OfficersResource(runs, 4 * n, net.officer_places)
        self.teams = {t: TeamResource(runs, n * k, per_day) for t, per_day in net.capacity.items()}
        last = net.last_day + 2
        self.ends: list[list[Array]] = [[] for _ in range(last)]  # officers' steps ending each day
        # advice whose work is done, by team and day
        self.arrive: list[list[list[Array]]] = [[[] for _ in range(last)] for _ in net.teams]
        self.officers_queue = np.zeros((runs, len(net.month_starts) - 1))
        self.month_ends = {int(s) - 1: m for m, s in enumerate(net.month_starts[1:])}

    # -- helpers: a case is (run, c); its advice (run, c * k + slot)

    def _gone(self, run: Array, case: Array) -> Array:
        return self.closed[run, case]

    def _advice_gone(self, run: Array, item: Array) -> Array:
        return self.closed[run, item // self.k]

    def _close(self, run: Array, case: Array, day: int) -> None:
        self.closed[run, case] = True
        self.close_day[run, case] = day

    def _to_officers(self, run: Array, case: Array, step: int) -> None:
        order = np.argsort(run, kind="stable")
        self.step[run, case] = step
        self.officers.queue.join(run[order], case[order])

    def _ask_advice(self, run: Array, case: Array, day: int) -> None:
        """The case's set of advice requested on ``day``: each ready after its team's lead time."""
        k = self.k
        asked = self.pair[run, case] >= 0  # (m, k)
        self.requested[run, case] = np.where(asked, day, self.requested[run, case])
        ready = np.where(asked, day + self.lead[run, case], np.nan)
        self.ready[run, case] = np.where(asked, ready, self.ready[run, case])
        self.outstanding[run, case] = asked.sum(axis=1)
        flat = asked.ravel()
        self._schedule_advice(np.repeat(run, k)[flat], (case[:, None] * k + np.arange(k)).ravel()[flat])
        none = asked.sum(axis=1) == 0
        if none.any():  # no advice to wait for: straight to the decision whether to issue
            self._to_officers(run[none], case[none], ISSUE)

    def _schedule_advice(self, run: Array, item: Array) -> None:
        """Each advice joins its team on the day its work is done (the first day at the start)."""
        if not len(item):
            return
        case, slot = item // self.k, item % self.k
        ready = self.ready[run, case, slot]
        team = self.team[run, case, slot]
        day = np.minimum(_days(ready), len(self.ends) - 1)
        order = np.lexsort((ready, run, day, team))
        run, item, day, team = run[order], item[order], day[order], team[order]
        flat = run * self.n * self.k + item
        key = team * len(self.ends) + day
        bounds = np.flatnonzero(np.diff(key)) + 1
        for group in np.split(np.arange(len(flat)), bounds):
            first = group[0]
            self.arrive[int(team[first])][int(day[first])].append(flat[group])

    def _returned(self, run: Array, item: Array, day: int) -> None:
        case, slot = item // self.k, item % self.k
        self.done[run, case, slot] = day
        flat, count = np.unique(run * self.n + case, return_counts=True)
        left = self.outstanding.reshape(-1)
        left[flat] -= count
        last = flat[(left[flat] == 0) & ~self.closed.reshape(-1)[flat]]
        if len(last):  # its last advice in: the decision whether to issue
            self._to_officers(last // self.n, last % self.n, ISSUE)

    # -- the servers, each a SimPy process

    def withdrawals(self, env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        run_of, case_of = np.nonzero(self.withdraw_day > 0)
        day_of = self.withdraw_day[run_of, case_of]
        order = np.argsort(day_of, kind="stable")
        run_of, case_of, day_of = run_of[order], case_of[order], day_of[order]
        while True:
            day = int(env.now)
            lo, hi = np.searchsorted(day_of, [day, day + 1])
            if hi > lo:
                run, case = run_of[lo:hi], case_of[lo:hi]
                live = ~self.closed[run, case] & (self.day0[run, case] <= day)
                run, case = run[live], case[live]
                held = self.held[run, case]
                self.officers.leave(run[held])
                self.held[run, case] = False
                self._close(run, case, day)  # its queued steps and outstanding advice stop
            yield env.timeout(1)

    def arrivals(self, env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        new = self.day0[:, self.n_open :]
        while True:
            day = int(env.now)
            if day <= self.net.horizon:
                run, case = np.nonzero(new == day)
                self._to_officers(run, case + self.n_open, DECIDE)
            yield env.timeout(1)

    def provider(self, env: simpy.Environment, t: int) -> Generator[simpy.Event, Any, None]:
        server = self.teams.get(t)
        nk = self.n * self.k
        while True:
            day = int(env.now)
            if self.arrive[t][day]:
                flat = np.concatenate(self.arrive[t][day])
                run, item = flat // nk, flat % nk
                case, slot = item // self.k, item % self.k
                # the day's newcomers in the order they were asked for (the oldest request first)
                order = np.lexsort((self.ready[run, case, slot], self.requested[run, case, slot], run))
                run, item = run[order], item[order]
                if server is None:  # never short: returned the day its work is done
                    keep = ~self._advice_gone(run, item)
                    self._returned(run[keep], item[keep], day)
                else:
                    server.queue.join(run, item)
            if server is not None:
                run, item = server.serve(day, self._advice_gone)
                if len(run):
                    self._returned(run, item, day)
            yield env.timeout(1)

    def officers_work(self, env: simpy.Environment) -> Generator[simpy.Event, Any, None]:
        o = self.officers
        while True:
            day = int(env.now)
            if self.ends[day]:
                flat = np.unique(np.concatenate(self.ends[day]))
                run, case = flat // self.n, flat % self.n
                mine = self.held[run, case] & ~self.closed[run, case]
                run, case = run[mine], case[mine]
                o.leave(run)
                self.held[run, case] = False
                self._next_step(run, case, day)
            run, case = o.start(self._gone)
            if len(run):
                self._take_up(run, case, day)
            if day in self.month_ends:
                self.officers_queue[:, self.month_ends[day]] = o.queue.waiting
            if day >= self.net.horizon and self.closed[:, : self.n_open].all():
                self.finished.succeed()  # past the horizon only the open cases' ends are wanted
                return
            yield env.timeout(1)

    def _take_up(self, run: Array, case: Array, day: int) -> None:
        self.held[run, case] = True
        step = self.step[run, case]
        end = np.minimum(day + self.duration[step, run, case], len(self.ends) - 1)
        flat = run * self.n + case
        for d in np.unique(end):
            self.ends[int(d)].append(flat[end == d])

    def _next_step(self, run: Array, case: Array, day: int) -> None:
        step = self.step[run, case]
        decided = step == DECIDE
        yes = self.assessed[run, case]
        self._close(run[decided & ~yes], case[decided & ~yes], day)
        if (decided & yes).any():
            self._ask_advice(run[decided & yes], case[decided & yes], day)
        issue = step == ISSUE
        yes = self.issued[run, case]
        self._close(run[issue & ~yes], case[issue & ~yes], day)
        self._to_officers(run[issue & yes], case[issue & yes], DRAFT)
        self._to_officers(run[step == DRAFT], case[step == DRAFT], FINAL)
        final = step == FINAL
        self.final_day[run[final], case[final]] = day
        self._close(run[final], case[final], day)

    def start_state(self) -> None:
        """The open cases where they are at the date: an officer's step under way holds its place."""
        net, runs = self.net, self.runs
        if not self.n_open:
            return
        with_step = np.flatnonzero(net.open_step >= 0)
        run = np.repeat(np.arange(runs), len(with_step))
        case = np.tile(with_step, runs)
        self.step[run, case] = np.tile(net.open_step[with_step], runs)
        self.officers.busy += len(with_step)
        self._take_up(run, case, 0)
        if len(net.job_case):
            cases = np.unique(net.job_case)
            self.outstanding[:, : self.n_open] = np.bincount(net.job_case, minlength=self.n_open)[None, :]
            asked = self.pair[:, cases] >= 0
            run = np.repeat(np.arange(runs), asked[0].sum())
            item = np.tile((cases[:, None] * self.k + np.arange(self.k))[asked[0]], runs)
            self._schedule_advice(run, item)
        needs = np.flatnonzero(net.open_needs_set)
        if len(needs):
            run = np.repeat(np.arange(runs), len(needs))
            self._ask_advice(run, np.tile(needs, runs), 1)

    def run(self) -> None:
        """Day by day from the day after the date, until the horizon and the open cases' ends (at most
        TAIL_DAYS after the horizon)."""
        env = simpy.Environment(initial_time=1)
        self.finished = env.event()
        self.start_state()
        env.process(self.withdrawals(env))
        env.process(self.arrivals(env))
        for t in range(len(self.net.teams)):
            env.process(self.provider(env, t))
        env.process(self.officers_work(env))
        env.run(until=simpy.AnyOf(env, [self.finished, env.timeout(self.net.last_day)]))


def run_chunk(net: Network, runs: int, seed: np.random.SeedSequence) -> RunsResult:
    replay = _Replay(net, runs, seed)
    replay.run()
    return _figures(replay)


# ---------------------------------------------------------------- the runs' figures (numpy)


def _figures(p: _Replay) -> RunsResult:
    net, runs, rng = p.net, p.runs, p.rng
    horizon = net.horizon
    starts = np.array(net.month_starts)
    months = len(starts) - 1
    month_of = np.full(horizon + 2, -1)
    for m in range(months):
        month_of[max(starts[m], 0) : max(starts[m + 1], 0)] = m

    def month_index(day: Array) -> Array:
        ok = np.isfinite(day) & (day >= 1) & (day <= horizon)
        return np.where(ok, month_of[np.clip(np.nan_to_num(day, nan=0), 0, horizon + 1).astype(np.int64)], -1)

    run_ix = np.arange(runs)[:, None]

    def per_month(index: Array, weights: Array) -> Array:
        index = index.reshape(runs, -1)
        weights = weights.reshape(runs, -1)
        ok = index >= 0
        flat = (np.broadcast_to(run_ix, index.shape) * months + index)[ok]
        return np.bincount(flat, weights=weights[ok], minlength=runs * months).reshape(runs, months)

    day0 = np.where(p.real, p.day0, np.nan)
    counted = np.isfinite(p.final_day) & ~p.exception
    k1_month = month_index(np.where(counted, p.final_day, np.nan))
    in_time = (p.final_day - day0) <= IN_TIME_PLAN_DAYS
    k1_plans = per_month(k1_month, np.ones_like(p.final_day))
    k1_in_time = per_month(k1_month, in_time.astype(float))

    # K5: advice returned in a month, by kind (a withdrawn case's outstanding advice never is)
    kinds = len(net.kinds)
    asked = p.pair >= 0
    kind = net.pair_kind[np.maximum(p.pair, 0)]
    not_received = rng.random(p.pair.shape) < net.not_received[np.maximum(p.team, 0)]
    excepted = rng.random(p.pair.shape) < net.excepted[kind]
    ok = asked & ~excepted & np.isfinite(p.done)
    good = ~not_received & (p.done - np.ceil(p.requested) <= ADVICE_IN_TIME_DAYS)
    k5_in = np.zeros((runs, months, kinds))
    k5_n = np.zeros((runs, months, kinds))
    for k in range(kinds):
        index = month_index(np.where(ok & (kind == k), p.done, np.nan))
        k5_n[:, :, k] = per_month(index, np.ones(index.shape))
        k5_in[:, :, k] = per_month(index, good.astype(float))

    # K9 and the teams' queues at each month's end: awaited from its request to its return, or to the
    # case's withdrawal
    ends = starts[1:] - 1
    close = np.where(np.isfinite(p.close_day), p.close_day, np.inf)
    settled = np.where(np.isfinite(p.done), p.done, close[..., None])
    requested = np.where(asked, np.ceil(np.nan_to_num(p.requested, nan=np.inf)), np.inf)
    team = np.where(asked, p.team, -1).reshape(runs, -1)
    k9 = np.zeros((runs, months))
    queue = np.zeros((runs, months, len(net.teams)))
    for m, end in enumerate(ends):
        open_then = p.real & (p.day0 <= end) & (close > end) & (end - p.day0 > BACKLOG_DAYS)
        k9[:, m] = open_then.sum(axis=1)
        waiting = ((requested <= end) & (settled > end)).reshape(runs, -1)
        queue[:, m, :] = _count_by(team, waiting, len(net.teams))

    n_open = p.n_open
    return RunsResult(
        k1_in_time=k1_in_time,
        k1_plans=k1_plans,
        k5_in_time=k5_in,
        k5_counted=k5_n,
        k9=k9,
        queue=queue,
        officers_queue=p.officers_queue,
        open_final=p.final_day[:, :n_open],
        open_close=np.where(p.closed, p.close_day, np.inf)[:, :n_open],
    )


def _count_by(labels: Array, mask: Array, groups: int) -> Array:
    runs = labels.shape[0]
    flat = (np.arange(runs)[:, None] * groups + np.maximum(labels, 0))[mask & (labels >= 0)]
    return np.bincount(flat, minlength=runs * groups).reshape(runs, groups)


# ---------------------------------------------------------------- many runs


def _chunk_job(args: tuple[Network, int, np.random.SeedSequence]) -> RunsResult:
    return run_chunk(*args)


def simulate(
    net: Network,
    runs: int,
    seed: int,
    processes: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> RunsResult:
    """``runs`` replays in chunks of CHUNK, each seeded from ``seed``: the same figures whatever
    ``processes``. ``progress(done, runs)`` is told after each chunk."""
    sizes = [min(CHUNK, runs - s) for s in range(0, runs, CHUNK)]
    seeds = np.random.SeedSequence(seed).spawn(len(sizes))
    jobs = [(net, size, s) for size, s in zip(sizes, seeds, strict=True)]
    parts: list[RunsResult] = []
    done = 0
    if processes > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(max_workers=processes) as pool:
            for size, part in zip(sizes, pool.map(_chunk_job, jobs), strict=True):
                parts.append(part)
                done += size
                if progress:
                    progress(done, runs)
    else:
        for job in jobs:
            parts.append(run_chunk(*job))
            done += job[1]
            if progress:
                progress(done, runs)
    return RunsResult.join(parts)
