"""The replay: a team's queue against a discrete-event simulation of the same server, and runs that are
seeded and reproducible whatever the number of processes."""

import numpy as np
import simpy

from ehcna.forecast.engine import _served
from ehcna.forecast.outlook import make_outlook, outlook_json
from ehcna.forecast.scenario import parse_scenario
from tests.forecast.known import AS_OF, DATA_END


def simpy_service_starts(ready: list[float], per_week: float) -> list[float]:
    """A team as a SimPy server: requests join when ready, first come first served, one at a time, each
    taking a week's capacity share (7 / per_week days); returned when its turn comes."""
    env = simpy.Environment()
    team = simpy.Resource(env, capacity=1)
    started = [0.0] * len(ready)

    def request(i: int, at: float):
        yield env.timeout(at)
        with team.request() as turn:
            yield turn
            started[i] = env.now
            yield env.timeout(7 / per_week)

    for i in sorted(range(len(ready)), key=lambda i: ready[i]):
        env.process(request(i, ready[i]))
    env.run()
    return started


def test_a_limited_teams_queue_is_the_discrete_event_simulations():
    rng = np.random.default_rng(7)
    ready = np.sort(rng.uniform(0, 200, size=300))  # about 10 a week against 6 a week: a queue builds
    per_week = 6.0
    curve = np.concatenate([[0.0], np.cumsum(np.full(2000, per_week / 7))])
    ours = _served(rng.permutation(ready)[None, :], curve)[0]
    expected = simpy_service_starts(list(ready), per_week)
    assert np.allclose(np.sort(ours), np.sort(expected), atol=1e-6)
    # the backlog persists: the last request waits far longer than its own work
    assert np.sort(ours)[-1] - ready[-1] > 100


def test_a_team_without_capacity_for_a_while_returns_nothing_then():
    ready = np.array([[0.0, 1.0, 2.0, 30.0]])
    per_day = np.full(100, 1.0)
    per_day[5:20] = 1e-9  # no one in from day 5 to day 20
    curve = np.concatenate([[0.0], np.cumsum(per_day)])
    done = _served(ready, curve)[0]
    assert list(np.round(done, 6)) == [0.0, 1.0, 2.0, 30.0]
    crowded = _served(np.array([[0.0] * 8]), curve)[0]
    assert not any(5 < t < 20 for t in crowded) and max(crowded) > 20


def test_the_same_seed_gives_the_same_outlook_whatever_the_processes(known_store):
    engine, _ = known_store
    scenario = parse_scenario(["ep-service=+5/week"])
    with engine.connect() as conn:

        def outlook(seed: int, processes: int = 1) -> dict:
            made = make_outlook(
                conn, AS_OF, DATA_END, runs=100, seed=seed, scenario=scenario, processes=processes
            )
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
