"""The casework as a queueing network, replayed many times at once (Monte Carlo over numpy arrays).

A case: the decision whether to assess (an officer's time), then advice asked of several provider
teams at once, then the decision whether to issue once the last advice is in, the draft, the final
plan; it may be withdrawn on the way. Officers' steps are delays drawn from their observed times.
Each provider team is a first-come-first-served server: an advice request becomes ready after its
lead time (the work itself, drawn from the team's times) and, if the team is limited, waits for a
unit of the team's weekly capacity. Queues persist across the months, so demand above capacity
builds a backlog that delays later cases.

The network feeds forward (a team's arrivals do not depend on any queue), so each run is computed
event-exactly without an event list: a team's departures follow, in capacity time C(t) (the advice
it can have returned by t), ``u_k = max(C(e_k), u_{k-1} + 1)`` over its requests in order of
readiness, i.e. ``u = k + cummax(C(e) - k)``; then ``t = C⁻¹(u)``. Runs go in fixed chunks, each
with its own seed spawned from the forecast's, so the result does not depend on how the chunks are
spread over processes.

Times are days after the forecast date (the end of ``as_of``); an event at time t falls on day
``ceil(t)``. Whether it is in time is the KPIs' rule (``domain.kpis``).
"""

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from domain.kpis import ADVICE_IN_TIME_DAYS, IN_TIME_PLAN_DAYS, OPEN_BANDS
from ehcna.forecast.calibration import Calibration, Durations
from ehcna.forecast.history import History
from ehcna.forecast.scenario import Scenario

CHUNK = 50  # runs computed together; the unit of seeding and of spreading over processes
TAIL_DAYS = 3 * 365  # after the horizon, cases already started run on to their end
BACKLOG_DAYS = OPEN_BANDS[-1].after_days  # K9: open past day 0 + 140
UNLIMITED = 1e7  # a week's capacity that never binds
Array = np.ndarray[Any, Any]


@dataclass(frozen=True)
class Network:
    """Everything a run needs, made once from the calibration, the start state and the scenario."""

    as_of: date
    horizon: int  # days simulated for arrivals (to the end of the last month)
    month_starts: tuple[int, ...]  # day offsets (1-based) of each month's first day; last is the end + 1
    # open cases at the date: (n_open,)
    open_day0: Array  # offset of day 0 (<= 0)
    open_exception: Array
    open_stage: Array  # 0 request, 1 advice, 2 drafting, 3 draft served
    open_since: Array  # offset of the last step taken (day 0, decision, draft...)
    open_needs_set: Array  # assessed, no advice asked yet
    # open advice of the open cases, one row each: (n_jobs,)
    job_case: Array
    job_pair: Array
    job_requested: Array  # offset (<= 0)
    job_settled: Array  # offset (<= 0) or NaN while awaited
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
    capacity_curve: dict[int, Array]  # limited team -> C at day 0..G (cumulative advice returnable)
    not_received: Array  # team -> share
    excepted: Array  # kind -> share
    arrivals_per_day: Array  # day 1..horizon -> requests expected that day
    decide: Durations
    issue_wait: Durations
    drafting: Durations
    finalising: Durations
    withdraw_age: Durations
    p_assess: float
    p_issue: float
    p_withdraw: float
    p_exception: float


@dataclass
class RunsResult:
    """The runs' figures: per run and month, per open case, per team and month end."""

    k1_in_time: Array  # (runs, months)
    k1_plans: Array
    k5_in_time: Array  # (runs, months, kinds)
    k5_counted: Array
    k9: Array  # (runs, months): open past 20 weeks at each month's end
    queue: Array  # (runs, months, teams): advice awaited at each month's end
    open_final: Array  # (runs, n_open): day offset of the final plan, NaN if none
    open_close: Array  # (runs, n_open): day offset the case closed

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


def build_network(history: History, calibration: Calibration, scenario: Scenario, months: int) -> Network:
    h, cal = history, calibration
    as_day = h.day
    starts = _month_starts(h.as_of, months)
    horizon = starts[-1] - 1
    is_open = h.open
    open_idx = np.flatnonzero(is_open)
    position = {int(i): k for k, i in enumerate(open_idx)}

    # teams and pairs: the calibration's, and any met among the open cases' advice
    teams = list(cal.teams)
    pairs = list(cal.pairs)
    for j in range(len(h.advice_case)):
        pair = (h.advice_kind[j], h.advice_team[j])
        if int(h.advice_case[j]) in position and pair not in pairs:
            pairs.append(pair)
        if pair[1] not in teams and int(h.advice_case[j]) in position:
            teams.append(pair[1])
    kinds = sorted({k for k, _ in pairs})
    team_index = {t: i for i, t in enumerate(teams)}

    # lead times per team (a team met only among open cases: every team's times)
    everyone = np.sort(np.concatenate([t.lead.days for t in cal.teams.values()] or [np.array([28.0])]))
    segments = [cal.teams[t].lead.days if t in cal.teams else everyone for t in teams]
    lead_len = np.array([len(s) for s in segments])
    lead_start = np.concatenate([[0], np.cumsum(lead_len)[:-1]]).astype(np.int64)

    # capacity: the team's own (None: unlimited), changed by the scenario over its periods
    grid = horizon + TAIL_DAYS
    curves: dict[int, Array] = {}
    for t, team in enumerate(teams):
        info = cal.teams.get(team)
        base = info.capacity if info else None
        per_week = np.full(grid, UNLIMITED if base is None else base)
        changed = False
        for change in scenario.teams:
            if change.team != team:
                continue
            lo = 0 if change.start is None else max(0, (change.start - h.as_of).days - 1)
            hi = grid if change.end is None else max(0, min(grid, (change.end - h.as_of).days))
            if change.value is not None:
                per_week[lo:hi] = change.value
            elif change.delta is not None:
                if base is None and change.delta > 0:
                    continue  # more capacity for a team that kept up changes nothing
                start_from = base if base is not None else (info.throughput if info else 0.0)
                per_week[lo:hi] = np.maximum(0.0, start_from + change.delta)
            changed = True
        if base is not None or changed:
            per_day = np.maximum(per_week / 7, 1e-9)
            curves[t] = np.concatenate([[0.0], np.cumsum(per_day)])

    # the open cases where they are
    stage = np.zeros(len(open_idx), dtype=np.int64)
    since = (h.day0[open_idx] - as_day).astype(float)
    needs_set = np.zeros(len(open_idx), dtype=bool)
    has_advice = np.zeros(len(h), dtype=bool)
    has_advice[h.advice_case] = True
    for k, i in enumerate(open_idx):
        if h.issued[i] == 1 and not np.isnan(h.draft_on[i]):
            stage[k], since[k] = 3, h.draft_on[i] - as_day
        elif h.issued[i] == 1:
            stage[k], since[k] = 2, h.issue_on[i] - as_day
        elif h.assessed[i] == 1:
            stage[k], since[k] = 1, h.assess_on[i] - as_day
            needs_set[k] = not has_advice[i]
    in_open = np.array([int(i) in position for i in h.advice_case], dtype=bool)
    jobs = np.flatnonzero(in_open)
    jobs = jobs[[stage[position[int(h.advice_case[j])]] == 1 for j in jobs]] if len(jobs) else jobs
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
    officers = 1 / scenario.officers
    return Network(
        as_of=h.as_of,
        horizon=horizon,
        month_starts=starts,
        open_day0=(h.day0[open_idx] - as_day).astype(float),
        open_exception=h.exception[open_idx],
        open_stage=stage,
        open_since=since,
        open_needs_set=needs_set,
        job_case=np.array([position[int(h.advice_case[j])] for j in jobs], dtype=np.int64),
        job_pair=np.array([pair_index[(h.advice_kind[j], h.advice_team[j])] for j in jobs], dtype=np.int64),
        job_requested=(h.requested_on[jobs] - as_day).astype(float),
        job_settled=(h.settled_on[jobs] - as_day).astype(float),
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
        capacity_curve=curves,
        not_received=np.array([cal.teams[t].not_received if t in cal.teams else 0.0 for t in teams]),
        excepted=np.array([cal.kind_excepted.get(k, 0.0) for k in kinds]),
        arrivals_per_day=per_day,
        decide=cal.decide.scaled(officers),
        issue_wait=cal.issue_wait.scaled(officers),
        drafting=cal.drafting.scaled(officers),
        finalising=cal.finalising.scaled(officers),
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


def _day(t: Array) -> Array:
    """The day offset an event at time t falls on (1 at the earliest for what is still to happen)."""
    return np.ceil(t)


# ---------------------------------------------------------------- one chunk of runs


def run_chunk(net: Network, runs: int, seed: np.random.SeedSequence) -> RunsResult:
    rng = np.random.default_rng(seed)
    n_open = len(net.open_day0)
    horizon = net.horizon

    # new requests: a Poisson count each day, the slots padded with NaN
    counts = rng.poisson(net.arrivals_per_day, size=(runs, horizon))
    n_new = int(counts.sum(axis=1).max(initial=0))
    new_day0 = np.full((runs, n_new), np.nan)
    days = np.arange(1, horizon + 1, dtype=float)
    for r in range(runs):
        got = np.repeat(days, counts[r])
        new_day0[r, : len(got)] = got
    real_new = ~np.isnan(new_day0)
    n = n_open + n_new
    day0 = np.concatenate([np.broadcast_to(net.open_day0, (runs, n_open)), new_day0], axis=1)
    real = np.concatenate([np.ones((runs, n_open), dtype=bool), real_new], axis=1)
    stage = np.concatenate([np.broadcast_to(net.open_stage, (runs, n_open)), np.zeros((runs, n_new))], axis=1)
    since = np.concatenate([np.broadcast_to(net.open_since, (runs, n_open)), new_day0], axis=1)

    # the decision whether to assess
    decide = np.where(
        np.arange(n) < n_open,
        0.0,
        _draw(net.decide, rng, (runs, n)),
    )
    if n_open:
        decide[:, :n_open] = _residual(net.decide, -net.open_day0, rng, runs)
    t_decide = np.where(stage == 0, np.where(np.arange(n) < n_open, 0, day0) + decide, since)
    assessed = np.where(stage == 0, rng.random((runs, n)) < net.p_assess, True) & real

    # advice asked as part of a set: new cases, and open ones assessed with none asked yet
    needs_set = (stage == 0) & assessed
    if n_open:
        needs_set[:, :n_open] |= np.broadcast_to(net.open_needs_set, (runs, n_open))
    chosen = rng.choice(len(net.set_weights), p=net.set_weights, size=(runs, n))
    grid_pair = np.where(needs_set[..., None], net.set_table[chosen], -1)  # (runs, n, K)
    asked_at = np.maximum(t_decide, 0.0)
    grid_asked = grid_pair >= 0
    grid_team = net.pair_team[np.maximum(grid_pair, 0)]
    grid_requested = np.broadcast_to(asked_at[..., None], grid_pair.shape)
    grid_ready = np.where(grid_asked, grid_requested + _lead(net, grid_team, rng), np.inf)

    # open advice of open cases: ready after its lead (still to go, for a team that is never limited)
    job_team = net.pair_team[net.job_pair] if len(net.job_pair) else np.zeros(0, dtype=np.int64)
    awaited = np.isnan(net.job_settled)
    job_ready = np.where(
        awaited, net.job_requested + _lead(net, np.broadcast_to(job_team, (runs, len(job_team))), rng), np.nan
    )
    for t in set(job_team[awaited].tolist()) - set(net.capacity_curve):
        mine = awaited & (job_team == t)
        seg = net.lead_flat[net.lead_start[t] : net.lead_start[t] + net.lead_len[t]]
        job_ready[:, mine] = net.job_requested[mine] + _residual(
            Durations(seg), -net.job_requested[mine], rng, runs
        )
        job_ready[:, mine] = np.maximum(job_ready[:, mine], 0.0)

    # each limited team: first come first served within its capacity
    grid_done = grid_ready.copy()
    job_done = job_ready.copy()
    for t, curve in net.capacity_curve.items():
        g_mask = grid_asked & (grid_team == t)
        j_mask = awaited & (job_team == t)
        if not g_mask.any() and not j_mask.any():
            continue
        ready = np.concatenate(
            [np.where(g_mask, grid_ready, np.inf).reshape(runs, -1), np.where(j_mask, job_ready, np.inf)],
            axis=1,
        )
        done = _served(ready, curve)
        g_size = grid_ready[0].size
        grid_done = np.where(g_mask, done[:, :g_size].reshape(grid_ready.shape), grid_done)
        job_done = np.where(j_mask, done[:, g_size:], job_done)
    job_done = np.where(awaited, np.maximum(job_done, 1e-9), net.job_settled)
    grid_done = np.where(grid_asked, np.maximum(grid_done, asked_at[..., None] + 1e-9), np.nan)

    # the last advice in, then the decision whether to issue
    last = np.nanmax(np.where(grid_asked, grid_done, -np.inf), axis=2)
    if len(net.job_case):
        np.maximum.at(last.T, net.job_case, job_done.T)
    in_advice = assessed & (stage <= 1)
    started = np.maximum(last, t_decide)
    wait = _draw(net.issue_wait, rng, (runs, n))
    if n_open:  # advice all in before the date: the decision is that much nearer
        done_before = (started[:, :n_open] <= 0) & (stage[:, :n_open] == 1)
        late = _residual(net.issue_wait, np.maximum(0.0, -started[:, :n_open]).mean(axis=0), rng, runs)
        wait[:, :n_open] = np.where(done_before, late, wait[:, :n_open])
    t_issue = np.where(in_advice, np.maximum(started, 0) + wait, np.nan)
    issued = np.where(stage >= 2, True, rng.random((runs, n)) < net.p_issue) & assessed

    # the draft and the final plan
    t_draft = np.where(stage <= 1, t_issue + _draw(net.drafting, rng, (runs, n)), np.nan)
    if n_open:
        drafting = _residual(net.drafting, -net.open_since, rng, runs)
        t_draft[:, :n_open] = np.where(net.open_stage == 2, drafting, t_draft[:, :n_open])
    t_final = np.where(stage <= 2, t_draft + _draw(net.finalising, rng, (runs, n)), np.nan)
    if n_open:
        finalising = _residual(net.finalising, -net.open_since, rng, runs)
        t_final[:, :n_open] = np.where(net.open_stage == 3, finalising, t_final[:, :n_open])
    t_close = np.where(~assessed, t_decide, np.where(issued, t_final, t_issue))

    # withdrawn on the way
    withdraws = rng.random((runs, n)) < net.p_withdraw
    age = np.where(np.arange(n) < n_open, 0.0, _draw(net.withdraw_age, rng, (runs, n)))
    if n_open:
        age[:, :n_open] = -net.open_day0 + _residual(net.withdraw_age, -net.open_day0, rng, runs)
    t_withdraw = day0 + age
    withdrawn = withdraws & (t_withdraw < t_close)
    t_close = np.where(withdrawn, np.maximum(t_withdraw, 1e-9), t_close)
    plan = issued & ~withdrawn & real

    exception = rng.random((runs, n)) < net.p_exception
    if n_open:
        exception[:, :n_open] = net.open_exception
    final_day = np.where(plan, _day(t_final), np.nan)
    close_day = np.where(real, _day(t_close), np.nan)

    # ---- per month
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
        ok = index >= 0
        flat = (np.broadcast_to(run_ix, index.shape) * months + index)[ok]
        return np.bincount(flat, weights=weights[ok], minlength=runs * months).reshape(runs, months)

    counted = plan & ~exception
    k1_month = month_index(np.where(counted, final_day, np.nan))
    in_time = (final_day - day0) <= IN_TIME_PLAN_DAYS
    k1_plans = per_month(k1_month, np.ones_like(final_day))
    k1_in_time = per_month(k1_month, in_time.astype(float))

    # K5: every advice settled in a month, by kind; not received or late is not in time
    kinds = len(net.kinds)
    k5_in = np.zeros((runs, months, kinds))
    k5_n = np.zeros((runs, months, kinds))
    g_kind = net.pair_kind[np.maximum(grid_pair, 0)]
    g_day = _day(grid_done)
    g_nr = rng.random(grid_pair.shape) < net.not_received[grid_team]
    g_exc = rng.random(grid_pair.shape) < net.excepted[g_kind]
    g_ok = grid_asked & ~g_exc & np.broadcast_to(real[..., None], grid_pair.shape)
    g_in = ~g_nr & (g_day - _day(grid_requested) <= ADVICE_IN_TIME_DAYS)
    j_kind = net.pair_kind[net.job_pair] if len(net.job_pair) else np.zeros(0, dtype=np.int64)
    j_day = _day(job_done)
    j_nr = rng.random(j_day.shape) < net.not_received[job_team]
    j_exc = rng.random(j_day.shape) < net.excepted[j_kind]
    j_ok = np.broadcast_to(awaited, j_day.shape) & ~j_exc
    j_in = ~j_nr & (j_day - net.job_requested <= ADVICE_IN_TIME_DAYS)
    for k in range(kinds):
        g_m = month_index(np.where(g_ok & (g_kind == k), g_day, np.nan)).reshape(runs, -1)
        k5_n[:, :, k] += per_month(g_m, np.ones(g_m.shape))
        k5_in[:, :, k] += per_month(g_m, g_in.reshape(runs, -1).astype(float))
        if len(j_kind):
            j_m = month_index(np.where(j_ok & (j_kind == k), j_day, np.nan))
            k5_n[:, :, k] += per_month(j_m, np.ones(j_m.shape))
            k5_in[:, :, k] += per_month(j_m, j_in.astype(float))

    # K9 and the teams' queues at each month's end
    ends = starts[1:] - 1
    k9 = np.zeros((runs, months))
    queue = np.zeros((runs, months, len(net.teams)))
    g_team_flat = np.where(grid_asked, grid_team, -1).reshape(runs, -1)
    g_req = np.where(grid_asked, _day(grid_requested), np.inf).reshape(runs, -1)
    g_out = g_day.reshape(runs, -1)
    for m, end in enumerate(ends):
        open_then = real & (day0 <= end) & (close_day > end) & (end - day0 > BACKLOG_DAYS)
        k9[:, m] = open_then.sum(axis=1)
        waiting = (g_req <= end) & (g_out > end)
        queue[:, m, :] = _count_by(g_team_flat, waiting, len(net.teams))
        if len(job_team):
            j_wait = np.broadcast_to(awaited, j_day.shape) & (j_day > end)
            queue[:, m, :] += _count_by(np.broadcast_to(job_team, j_day.shape), j_wait, len(net.teams))

    return RunsResult(
        k1_in_time=k1_in_time,
        k1_plans=k1_plans,
        k5_in_time=k5_in,
        k5_counted=k5_n,
        k9=k9,
        queue=queue,
        open_final=final_day[:, :n_open],
        open_close=close_day[:, :n_open],
    )


def _count_by(labels: Array, mask: Array, groups: int) -> Array:
    runs = labels.shape[0]
    flat = (np.arange(runs)[:, None] * groups + np.maximum(labels, 0))[mask & (labels >= 0)]
    return np.bincount(flat, minlength=runs * groups).reshape(runs, groups)


def _served(ready: Array, curve: Array) -> Array:
    """When each request (ready at ``ready``; inf: none) is returned by a team whose cumulative
    capacity is ``curve`` (at day 0, 1, 2...): first come first served, one unit of capacity each."""
    order = np.argsort(ready, axis=1, kind="stable")
    e = np.take_along_axis(ready, order, axis=1)
    days = np.arange(len(curve), dtype=float)
    finite = np.isfinite(e)
    c_e = np.where(finite, np.interp(np.where(finite, e, 0.0), days, curve), np.inf)
    c_e = np.where(finite & (e <= 0), 0.0, c_e)
    k = np.arange(e.shape[1], dtype=float)
    u = k + np.maximum.accumulate(np.where(finite, c_e - k, -np.inf), axis=1)
    t = np.where(u <= curve[-1], np.interp(np.minimum(u, curve[-1]), curve, days), np.inf)
    t = np.where(finite, t, np.inf)
    out = np.empty_like(t)
    np.put_along_axis(out, order, t, axis=1)
    return out


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
