"""The network written the plain SimPy way, one run at a time: a process per case, ``simpy.Resource``
for the case officers, a process per limited team returning its day's capacity. Slow (a process per
case per run), it is what ``ehcna.forecast.engine`` replays side by side; a test checks they agree.

It takes every chance from a ``_Replay`` that has not run (the same draws), plays the cases through,
and leaves in it what the engine's own run would: the final plan's day, the day each case closed and
each advice came back. ``engine._figures`` then counts them as it counts the engine's.
"""

from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from ehcna.forecast.engine import DECIDE, DRAFT, FINAL, ISSUE, UNLIMITED, _Replay


def play_case_by_case(replay: _Replay) -> None:
    for r in range(replay.runs):
        _Run(replay, r).play()


class _Run:
    def __init__(self, replay: _Replay, r: int) -> None:
        self.p, self.r = replay, r
        self.env = simpy.Environment(initial_time=0)
        places = replay.net.officer_places
        self.officers = simpy.Resource(self.env, capacity=10**9 if places == UNLIMITED else places)
        # per limited team: (case, (day joined, day asked, day its work was done), returned)
        Waiting = list[tuple[int, tuple[int, float, float], simpy.Event]]
        self.waiting: dict[int, Waiting] = {t: [] for t in replay.net.capacity}
        self.budget = dict.fromkeys(replay.net.capacity, 0.0)
        self.procs: dict[int, simpy.Process] = {}

    def play(self) -> None:
        p, env = self.p, self.env
        for t in p.net.capacity:
            env.process(self.team(t))
        for c in range(p.n):
            if not p.real[self.r, c]:
                continue
            self.procs[c] = env.process(self.case(c))
            if p.withdraw_day[self.r, c] > 0:
                env.process(self.withdraw(c))
        env.run(until=p.net.last_day + 1)

    def closed(self, c: int) -> bool:
        return bool(self.p.closed[self.r, c])

    def close(self, c: int) -> None:
        self.p.closed[self.r, c] = True
        self.p.close_day[self.r, c] = int(self.env.now)

    def withdraw(self, c: int) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(int(self.p.withdraw_day[self.r, c]))
        if not self.closed(c):
            self.close(c)
            self.procs[c].interrupt()  # it leaves an officer's place or stops waiting for its advice

    def team(self, t: int) -> Generator[simpy.Event, Any, None]:
        """Each day, once the day's advice has come in (at midday): the day's share of the capacity to the
        advice whose work is done, first come first served."""
        per_day = self.p.net.capacity[t]
        yield self.env.timeout(0.5)
        while True:
            yield self.env.timeout(1)
            day = int(self.env.now)
            rate = per_day[min(day, len(per_day) - 1)]
            self.budget[t] += rate if np.isfinite(rate) else 10**9
            queue = [w for w in self.waiting[t] if not self.closed(w[0])]  # withdrawn: leave unserved
            queue.sort(key=lambda w: w[1])  # first come first served; a day's newcomers oldest asked first
            n = min(int(np.floor(self.budget[t] + 1e-9)), len(queue))
            for _, _, done in queue[:n]:
                done.succeed()
            self.budget[t] -= n
            self.waiting[t] = queue[n:]
            if not self.waiting[t]:
                self.budget[t] -= np.floor(self.budget[t] + 1e-9)

    def advice(self, c: int, slot: int) -> Generator[simpy.Event, Any, None]:
        """Ready when its work is done (on day 1 at the earliest), then returned by its team."""
        p, env = self.p, self.env
        yield env.timeout(max(1, int(np.ceil(p.ready[self.r, c, slot]))) - int(env.now))
        t = int(p.team[self.r, c, slot])
        if self.closed(c):
            return  # withdrawn: its outstanding advice stops
        if t in p.net.capacity:
            done = env.event()
            when = (int(env.now), p.requested[self.r, c, slot], p.ready[self.r, c, slot])
            self.waiting[t].append((c, when, done))
            yield done
        p.done[self.r, c, slot] = int(env.now)

    def officer(self, c: int, step: int) -> Generator[simpy.Event, Any, None]:
        with self.officers.request() as place:
            yield place
            yield self.env.timeout(int(self.p.duration[step, self.r, c]))

    def ask(self, c: int) -> list[simpy.Process]:
        p = self.p
        asked = np.flatnonzero(p.pair[self.r, c] >= 0)
        day = int(self.env.now)
        p.requested[self.r, c, asked] = day
        p.ready[self.r, c, asked] = day + p.lead[self.r, c, asked]
        return [self.env.process(self.advice(c, int(s))) for s in asked]

    def case(self, c: int) -> Generator[simpy.Event, Any, None]:
        p, env, r = self.p, self.env, self.r
        try:
            step = int(p.net.open_step[c]) if c < p.n_open else DECIDE
            if c >= p.n_open:
                yield env.timeout(int(p.day0[r, c]))
            if step == -1:  # assessed, its advice awaited (or not asked yet: asked on day 1)
                if p.net.open_needs_set[c]:
                    yield env.timeout(1)
                    yield env.all_of(self.ask(c))
                else:
                    slots = np.flatnonzero(p.pair[r, c] >= 0)
                    yield env.all_of([env.process(self.advice(c, int(s))) for s in slots])
                step = ISSUE
            elif step == DECIDE:
                yield from self.officer(c, DECIDE)
                if not p.assessed[r, c]:
                    self.close(c)
                    return
                yield env.all_of(self.ask(c))
                step = ISSUE
            for now in (ISSUE, DRAFT, FINAL)[(ISSUE, DRAFT, FINAL).index(step) :]:
                yield from self.officer(c, now)
                if now == ISSUE and not p.issued[r, c]:
                    self.close(c)
                    return
            p.final_day[r, c] = int(env.now)
            self.close(c)
        except simpy.Interrupt:
            return
