"""The replay: its servers against SimPy's own resources, withdrawn cases' advice, the officers' queue,
and runs that are seeded and reproducible whatever the number of processes."""

from dataclasses import replace

import numpy as np
import simpy

from ehcna.forecast.calibration import calibrate, months_before
from ehcna.forecast.engine import (
    CHUNK,
    UNLIMITED,
    OfficersResource,
    TeamResource,
    _figures,
    _Replay,
    build_network,
    officer_places,
)
from ehcna.forecast.history import load_history
from ehcna.forecast.outlook import make_outlook, outlook_json
from ehcna.forecast.scenario import Scenario, parse_scenario
from ehcna.store.db import make_engine
from tests.databases import fresh_database
from tests.forecast.known import AS_OF, DATA_END, PROCESS, write
from tests.forecast.reference import play_case_by_case


def simpy_starts(arrive: list[int], hold: list[int], places: int, gone: set[int]) -> dict[int, int]:
    """Cases as SimPy processes asking a ``simpy.Resource`` of ``places``: the day each is taken up.
    A case in ``gone`` is withdrawn the day it arrives, before its turn: it leaves the queue."""
    env = simpy.Environment()
    officers = simpy.Resource(env, capacity=places)
    started: dict[int, int] = {}

    def case(i: int):
        yield env.timeout(arrive[i])
        with officers.request() as turn:
            if i in gone:
                return
            yield turn
            started[i] = int(env.now)
            yield env.timeout(hold[i])

    for i in range(len(arrive)):
        env.process(case(i))
    env.run()
    return started


def test_the_officers_are_simpys_resource_replayed_side_by_side():
    rng = np.random.default_rng(5)
    runs, n, places = 3, 400, 12
    arrive = rng.integers(1, 120, size=(runs, n))
    hold = rng.integers(3, 40, size=(runs, n))  # about 3.3 a day against 12 / 21.5 a day: a queue builds
    gone = rng.random((runs, n)) < 0.05
    officers = OfficersResource(runs, n, places)
    started = np.full((runs, n), -1)
    ends: dict[int, list[tuple[int, int]]] = {}
    for day in range(1, 2000):
        leaving = ends.pop(day, [])
        officers.leave(np.array([r for r, _ in leaving], dtype=np.int64))
        run, case = np.nonzero(arrive == day)
        officers.queue.join(run, case)
        run, case = officers.start(lambda r, c: gone[r, c])
        for r, c in zip(run.tolist(), case.tolist(), strict=True):
            started[r, c] = day
            ends.setdefault(day + int(hold[r, c]), []).append((r, c))
    for r in range(runs):
        order = np.argsort(arrive[r], kind="stable")  # the queue's order: by day, then as they came
        expected = simpy_starts(
            arrive[r][order].tolist(), hold[r][order].tolist(), places, set(np.flatnonzero(gone[r][order]))
        )
        ours = {i: int(started[r, c]) for i, c in enumerate(order) if started[r, c] >= 0}
        assert ours == expected
    assert (started - np.where(started >= 0, arrive, 0)).max() > 30  # cases did wait for a place


def test_a_team_returns_at_most_its_capacity_first_come_first_served_and_withdrawn_advice_takes_none():
    runs, per_week = 2, 7.0
    days = 120
    team = TeamResource(runs, 2000, np.full(days + 1, per_week / 7))
    rng = np.random.default_rng(3)
    ready = np.sort(rng.integers(1, 60, size=(runs, 300)), axis=1)  # 5 a day against 1 a day
    withdrawn = np.zeros((runs, 300), dtype=bool)
    withdrawn[1, ::2] = True  # run 1: every other request withdrawn before its turn
    returned = np.full((runs, 300), -1)
    for day in range(1, days + 1):
        run, item = np.nonzero(ready == day)
        team.queue.join(run, item)
        run, item = team.serve(day, lambda r, i: withdrawn[r, i])
        returned[run, item] = day
        assert np.bincount(run, minlength=runs).max() <= 1  # its capacity: one a day
    for r in range(runs):
        got = np.flatnonzero(returned[r] >= 0)
        assert np.all(np.diff(returned[r][got]) > 0)  # in the order they were ready
        assert not (withdrawn[r] & (returned[r] >= 0)).any()
    # the first run's queue builds and persists; the second's places went to the requests still wanted
    assert (returned[0] >= 0).sum() == days and returned[0, days - 1] == days
    assert (returned[1] >= 0).sum() == days and list(np.flatnonzero(returned[1] >= 0)[:3]) == [1, 3, 5]
    # a day without capacity returns nothing, and an idle team does not save up what it did not use
    idle = TeamResource(1, 10, np.array([0.0, 1.0, 1.0, 0.0, 1.0, 1.0]))
    idle.queue.join(np.zeros(3, dtype=np.int64), np.arange(3))
    served = [len(idle.serve(day, lambda r, i: np.zeros(len(i), dtype=bool))[0]) for day in range(1, 6)]
    assert served == [1, 1, 0, 1, 0]


def _replay(engine, scenario: Scenario | None = None, runs: int = 20, **changes) -> _Replay:
    with engine.connect() as conn:
        history = load_history(conn, AS_OF, months_before(AS_OF, 24))
    net = build_network(history, calibrate(history), scenario or Scenario(), 6)
    replay = _Replay(replace(net, **changes), runs, np.random.SeedSequence(1))
    replay.run()
    return replay


def test_a_withdrawn_cases_outstanding_advice_stops(known_store):
    engine, _ = known_store
    replay = _replay(engine, p_withdraw=0.3)
    advice = replay.pair >= 0
    closed = np.where(replay.closed, replay.close_day, np.inf)[..., None]
    returned = np.isfinite(replay.done)
    assert (advice & returned).sum() > 10_000
    assert not (returned & (replay.done > closed)).any()  # nothing returned after the case was withdrawn
    cut_short = advice & ~returned & (replay.requested <= closed) & np.isfinite(closed)
    assert cut_short.sum() > 500  # many withdrawn with advice outstanding: it stopped there
    # the EP service gave its capacity to the advice still wanted: as many returned a day as without
    # withdrawals, while its queue is shorter
    keep = _replay(engine, p_withdraw=0.0)
    ep = replay.net.teams.index("ep-service")

    def ep_returns(r: _Replay) -> float:
        mine = (r.team == ep) & (r.done >= 1) & (r.done <= 150)
        return mine.sum() / r.runs

    assert abs(ep_returns(replay) - ep_returns(keep)) < 0.03 * ep_returns(keep)
    assert ep_returns(keep) <= replay.net.capacity[ep][1:151].sum() + 1  # its capacity, no more
    # and its queue at the end of the six months (advice awaited) holds none of the withdrawn cases'
    assert _figures(replay).queue[:, -1, ep].mean() < _figures(keep).queue[:, -1, ep].mean() - 100


def test_the_officers_capacity_acts_on_their_queue(known_store):
    engine, _ = known_store
    with engine.connect() as conn:
        more = make_outlook(conn, AS_OF, DATA_END, runs=20, scenario=parse_scenario(["officers=+10%"]))
        fewer = make_outlook(conn, AS_OF, DATA_END, runs=20, scenario=parse_scenario(["officers=x0.7"]))
    assert more.scenario is not None and fewer.scenario is not None
    officers = more.calibration.officers
    assert officers.capacity is None and officers.peak > 300  # they kept up: never short in the history
    # more places for officers who kept up changes nothing; fewer than they held leaves cases waiting
    assert outlook_json(more)["scenario"]["months"] == outlook_json(more)["baseline"]["months"]
    assert all(m.officers_waiting.median == 0 for m in fewer.baseline.months)
    assert fewer.scenario.months[-1].officers_waiting.median > 50
    k1_base = [m.k1.median for m in fewer.baseline.months]
    k1_fewer = [m.k1.median for m in fewer.scenario.months]
    assert sum(k1_fewer) < sum(k1_base) - 20
    replay = _replay(engine, Scenario(officers=0.7))
    assert replay.officers.places == round(officers.peak * 0.7) != UNLIMITED
    assert replay.officers.busy.max() <= replay.officers.places


def test_the_same_seed_gives_the_same_outlook_whatever_the_processes(known_store):
    engine, _ = known_store
    with engine.connect() as conn:

        def outlook(seed: int, processes: int = 1) -> dict:
            made = make_outlook(conn, AS_OF, DATA_END, runs=CHUNK + 10, seed=seed, processes=processes)
            return outlook_json(made)

        one, two, other = outlook(3), outlook(3, processes=2), outlook(4)
    assert one == two
    assert one["baseline"]["months"] != other["baseline"]["months"]


def test_every_open_case_has_its_chance_and_likely_issue_date(known_store):
    engine, _ = known_store
    with engine.connect() as conn:
        outlook = make_outlook(conn, AS_OF, DATA_END, runs=50)
    cases = outlook.baseline.cases
    assert len(cases) > 500
    for c in cases:
        assert 0 <= c.p_in_time <= c.p_plan <= 1 and 0 <= c.p_late <= 1
        assert c.p_in_time + c.p_late <= 1.0001  # in time and past 20 weeks exclude each other
        if c.issue_median:
            assert c.issue_low <= c.issue_median <= c.issue_high and c.issue_low > AS_OF
    already_late = [c for c in cases if (AS_OF - c.day0).days > 140]
    assert all(c.p_late == 1 and c.p_in_time == 0 for c in already_late)
    months = outlook.baseline.months
    assert set(months[0].k5) == {"EDUCATION", "EP", "HEALTH", "SOCIAL_CARE"}
    assert set(months[0].queues) == {"ep-service", "icb-health", "schools", "social-care"}
    # the EP queue grows month on month: demand above capacity
    ep = [m.queues["ep-service"].median for m in months]
    assert ep == sorted(ep) and ep[-1] > ep[0] + 100


def test_the_replay_is_the_network_played_case_by_case_in_simpy(known_store):
    """The engine's side-by-side replay and the plain SimPy model (a process per case, simpy.Resource for
    the officers: tests/forecast/reference.py), from the same chances: the very same figures while the
    officers keep up; with too few officers, the same but for the order of cases that reach them the same
    day (and the cases in their hands at the start, which SimPy's Resource queues when they are more than
    its places, while the engine lets them finish)."""
    engine, _ = known_store
    with engine.connect() as conn:
        history = load_history(conn, AS_OF, months_before(AS_OF, 24))
    cal = calibrate(history)
    for scenario in (Scenario(), Scenario(officers=0.7)):  # the officers never short, then short
        net = build_network(history, cal, scenario, 6)
        ours = _Replay(net, 3, np.random.SeedSequence(9))
        ours.run()
        theirs = _Replay(net, 3, np.random.SeedSequence(9))  # the same draws, not yet played
        play_case_by_case(theirs)
        a, b = _figures(ours), _figures(theirs)
        assert a.k1_plans.sum() > 1000 and np.isfinite(a.open_final).sum() > 1000
        if net.officer_places == UNLIMITED:
            for figure in ("k1_in_time", "k1_plans", "k5_in_time", "k5_counted", "k9", "queue"):
                assert np.array_equal(getattr(a, figure), getattr(b, figure)), figure
            assert np.array_equal(a.open_final, b.open_final, equal_nan=True)
            assert np.array_equal(a.open_close, b.open_close)
            continue
        k1_a = 100 * a.k1_in_time.sum(0) / a.k1_plans.sum(0)
        k1_b = 100 * b.k1_in_time.sum(0) / b.k1_plans.sum(0)
        assert np.abs(k1_a - k1_b).max() <= 3, (k1_a, k1_b)
        assert np.abs(a.k9.mean(0) - b.k9.mean(0)).max() <= 0.05 * b.k9.mean(0).max(), (a.k9, b.k9)
        both = np.isfinite(a.open_final) & np.isfinite(b.open_final)
        assert abs(np.mean(a.open_final[both] - b.open_final[both])) < 2


def test_officers_behind_on_the_6_week_decision_are_limited_to_what_they_held(tmp_path):
    slow = replace(PROCESS, decide_days=(35, 70), end=AS_OF)  # many decisions past 6 weeks
    with fresh_database("sqlite", tmp_path) as url:
        engine = make_engine(url)
        write(engine, slow)
        with engine.connect() as conn:
            more = parse_scenario(["officers=+20%"])
            outlook = make_outlook(conn, AS_OF, AS_OF, runs=20, scenario=more)
        engine.dispose()
    off = outlook.calibration.officers
    assert off.capacity is not None and off.behind_weeks >= 4 and off.capacity <= off.peak
    assert officer_places(outlook.calibration, 1.2) == round(off.capacity * 1.2)
    row = next(r for r in outlook.summary if r.what == "Case officers: capacity")
    assert row.value.startswith("limited: hold") and row.rests_on > 1000
    assert outlook.scenario is not None  # more places never leave more cases waiting, nor lower K1
    waiting = [m.officers_waiting.median for m in outlook.baseline.months]
    fewer = [m.officers_waiting.median for m in outlook.scenario.months]
    assert sum(fewer) <= sum(waiting)
    k1 = [m.k1.median for m in outlook.baseline.months]
    assert sum(m.k1.median for m in outlook.scenario.months) >= sum(k1)
