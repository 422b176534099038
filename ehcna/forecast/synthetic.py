"""A casework history from a known process, written to the store: the outlook's known truth.

A discrete-event simulation (SimPy) of a council's assessments: requests arrive as a Poisson stream;
an officer decides whether to assess; an assessed case asks a school, health, the educational
psychology service (EP) and, for some, social care; the EP service returns at most its capacity a
week, in the order asked, once each advice's own work is done (every Monday, as a team plans its
week); the others are never short. Then the decision to issue, the draft, the final plan. Each case
draws all its chances when it arrives, from its own seed, so two runs that differ only in the EP
capacity after a date have the same history before it.

The rows are the store's own (cases, advice requests, decisions), as they stand at ``end``; the cases
are fictional references only (``SYN-000001``), with no child.
"""

import random
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import simpy
from sqlalchemy import Connection, insert

from domain.case import AdviceKind, AdviceStatus, Outcome, Stage
from domain.statutory_calendar import (
    advice_due,
    decision_deadline,
    final_plan_deadline,
    no_plan_notice_deadline,
)
from ehcna.store.models import AdviceRow, CaseRow, DecisionRow

EP_TEAM = "ep-service"
TEAMS = {
    AdviceKind.EDUCATION: "schools",
    AdviceKind.HEALTH: "icb-health",
    AdviceKind.EP: EP_TEAM,
    AdviceKind.SOCIAL_CARE: "social-care",
}
LEAD_DAYS = {  # the work itself, uniform in days
    AdviceKind.EDUCATION: (10, 38),
    AdviceKind.HEALTH: (15, 42),
    AdviceKind.EP: (14, 35),
    AdviceKind.SOCIAL_CARE: (18, 45),
}
UPDATED_AT = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Process:
    """The known process. ``ep_capacity``: (from date, advice a week), the first from the start."""

    start: date = date(2024, 1, 1)
    end: date = date(2026, 1, 31)  # the last day the history is written to
    requests_per_week: float = 44.0
    p_assess: float = 0.75
    p_issue: float = 0.92
    p_withdraw: float = 0.03
    p_social_care: float = 0.5
    p_not_received: float = 0.03  # health advice marked not received instead of returned
    ep_capacity: tuple[tuple[date, float], ...] = ((date(2024, 1, 1), 38.0), (date(2025, 3, 1), 27.0))
    decide_days: tuple[int, int] = (21, 42)
    issue_wait_days: tuple[int, int] = (3, 12)
    drafting_days: tuple[int, int] = (14, 28)
    finalising_days: tuple[int, int] = (15, 25)
    withdraw_age_days: tuple[int, int] = (20, 120)
    seed: int = 15
    prefix: str = "SYN"

    def capacity_on(self, day: date) -> float:
        value = self.ep_capacity[0][1]
        for since, per_week in self.ep_capacity:
            if day >= since:
                value = per_week
        return value


@dataclass
class _Advice:
    kind: AdviceKind
    requested: date
    ready: date  # its work done: the earliest it can be returned
    done: simpy.Event
    returned: date | None = None
    not_received: bool = False


@dataclass
class _Case:
    number: int
    day0: date
    draws: dict[str, Any]
    assess_on: date | None = None
    assessed: bool | None = None
    issue_on: date | None = None
    issued: bool | None = None
    draft_on: date | None = None
    final_on: date | None = None
    outcome: str | None = None
    outcome_on: date | None = None
    advice: list[_Advice] = field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"{self.draws['prefix']}-{self.number:06d}"


def _draw_case(process: Process, number: int) -> dict[str, Any]:
    """Every chance of one case, drawn when it arrives from its own seed."""
    r = random.Random(process.seed * 1_000_003 + number)

    def uniform(span: tuple[int, int]) -> int:
        return r.randint(*span)

    return {
        "prefix": process.prefix,
        "decide": uniform(process.decide_days),
        "assess": r.random() < process.p_assess,
        "social_care": r.random() < process.p_social_care,
        "lead": {kind: uniform(span) for kind, span in LEAD_DAYS.items()},
        "not_received": r.random() < process.p_not_received,
        "issue_wait": uniform(process.issue_wait_days),
        "issue": r.random() < process.p_issue,
        "drafting": uniform(process.drafting_days),
        "finalising": uniform(process.finalising_days),
        "withdraw": r.random() < process.p_withdraw,
        "withdraw_age": uniform(process.withdraw_age_days),
    }


class _World:
    def __init__(self, process: Process) -> None:
        self.p = process
        self.env = simpy.Environment()
        self.cases: list[_Case] = []
        self.ep_waiting: list[tuple[_Advice, _Case]] = []
        self.rng = np.random.default_rng(process.seed)

    def day(self) -> date:
        return self.p.start + timedelta(days=int(self.env.now))

    def arrivals(self) -> Generator[simpy.Event, Any, None]:
        number = 0
        while True:
            for _ in range(int(self.rng.poisson(self.p.requests_per_week / 7))):
                number += 1
                case = _Case(number, self.day(), _draw_case(self.p, number))
                self.cases.append(case)
                self.env.process(self.casework(case))
            yield self.env.timeout(1)

    def ep_service(self) -> Generator[simpy.Event, Any, None]:
        """Every Monday: return up to the week's capacity of the advice whose work is done, oldest first."""
        while True:
            today = self.day()
            if today.weekday() == 0:
                budget = round(self.p.capacity_on(today))
                still = []
                for advice, case in self.ep_waiting:
                    if case.outcome is not None:
                        continue  # withdrawn: the request is cancelled
                    if budget > 0 and advice.ready <= today:
                        budget -= 1
                        advice.returned = today
                        advice.done.succeed()
                    else:
                        still.append((advice, case))
                self.ep_waiting = still
            yield self.env.timeout(1)

    def other_team(self, advice: _Advice) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout((advice.ready - self.day()).days)
        advice.returned = advice.ready
        advice.done.succeed()

    def withdrawal(self, case: _Case) -> Generator[simpy.Event, Any, None]:
        yield self.env.timeout(case.draws["withdraw_age"])
        if case.outcome is None:
            case.outcome, case.outcome_on = str(Outcome.WITHDRAWN), self.day()

    def casework(self, case: _Case) -> Generator[simpy.Event, Any, None]:
        d = case.draws
        if d["withdraw"]:
            self.env.process(self.withdrawal(case))
        yield self.env.timeout(d["decide"])
        if case.outcome is not None:
            return
        case.assess_on, case.assessed = self.day(), d["assess"]
        if not d["assess"]:
            case.outcome, case.outcome_on = str(Outcome.NOT_ASSESSED), self.day()
            return
        kinds = [AdviceKind.EDUCATION, AdviceKind.HEALTH, AdviceKind.EP]
        if d["social_care"]:
            kinds.append(AdviceKind.SOCIAL_CARE)
        for kind in kinds:
            advice = _Advice(kind, self.day(), self.day() + timedelta(days=d["lead"][kind]), self.env.event())
            case.advice.append(advice)
            if kind is AdviceKind.EP:
                self.ep_waiting.append((advice, case))
            else:
                advice.not_received = kind is AdviceKind.HEALTH and d["not_received"]
                self.env.process(self.other_team(advice))
        yield self.env.all_of([a.done for a in case.advice])
        if case.outcome is not None:
            return
        yield self.env.timeout(d["issue_wait"])
        if case.outcome is not None:
            return
        case.issue_on, case.issued = self.day(), d["issue"]
        if not d["issue"]:
            case.outcome, case.outcome_on = str(Outcome.PLAN_NOT_ISSUED), self.day()
            return
        yield self.env.timeout(d["drafting"])
        if case.outcome is not None:
            return
        case.draft_on = self.day()
        yield self.env.timeout(d["finalising"])
        if case.outcome is not None:
            return
        case.final_on = self.day()
        case.outcome, case.outcome_on = str(Outcome.PLAN_ISSUED), self.day()


def simulate_history(process: Process) -> list[_Case]:
    """The process run from its start to its end (inclusive): every case received, as it stands."""
    world = _World(process)
    world.env.process(world.arrivals())
    world.env.process(world.ep_service())
    world.env.run(until=(process.end - process.start).days + 1)
    return world.cases


def _rows(
    case: _Case, end: date, teams: dict[AdviceKind, str]
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    def known(day: date | None) -> date | None:
        return day if day is not None and day <= end else None

    closed = case.outcome is not None and case.outcome_on is not None and case.outcome_on <= end
    stage = Stage.CLOSED if closed else Stage.REQUEST
    if not closed and case.draft_on:
        stage = Stage.DRAFT_SERVED
    elif not closed and case.issued:
        stage = Stage.DRAFTING
    elif not closed and case.assessed:
        stage = Stage.ADVICE
    final = known(case.final_on)
    row = {
        "ref": case.ref,
        "workflow_id": f"ehcna-{case.ref}",
        "team": "north" if case.number % 2 else "south",
        "request_source": "PARENT",
        "year_group": 5,
        "day0": case.day0,
        "t1_due": decision_deadline(case.day0),
        "t3_due": no_plan_notice_deadline(case.day0),
        "t6_due": final_plan_deadline(case.day0),
        "stage": str(stage),
        "decided_to_assess": case.assessed if known(case.assess_on) else None,
        "decision_to_assess_on": known(case.assess_on),
        "decided_to_issue": case.issued if known(case.issue_on) else None,
        "decision_to_issue_on": known(case.issue_on),
        "draft_served_on": known(case.draft_on),
        "family_response_on": None,
        "final_plan_on": final,
        "plan_days": (final - case.day0).days if final else None,
        "outcome": case.outcome if closed else None,
        "outcome_on": case.outcome_on if closed else None,
        "week20_exception": False,
        "version": 1,
        "updated_at": UPDATED_AT,
    }
    advice = []
    for a in case.advice:
        if a.requested > end:
            continue
        returned = known(a.returned)
        cancelled = closed and returned is None
        status = AdviceStatus.CANCELLED if cancelled else AdviceStatus.REQUESTED
        if returned is not None:
            status = AdviceStatus.NOT_RECEIVED if a.not_received else AdviceStatus.RECEIVED
        advice.append(
            {
                "case_ref": case.ref,
                "advice_id": f"{a.kind}-1",
                "kind": str(a.kind),
                "provider_team": teams[a.kind],
                "requested_on": a.requested,
                "due_on": advice_due(a.requested),
                "status": str(status),
                "returned_on": returned if returned and not a.not_received else None,
                "not_received_on": returned if returned and a.not_received else None,
                "excepted": False,
            }
        )
    decisions = []
    for name, yes, on, due in (
        ("TO_ASSESS", case.assessed, known(case.assess_on), row["t1_due"]),
        ("TO_ISSUE", case.issued, known(case.issue_on), row["t3_due"]),
    ):
        if on is not None and yes is not None:
            decisions.append(
                {"case_ref": case.ref, "decision": name, "yes": yes, "decided_on": on, "due_on": due}
            )
    return row, advice, decisions


def write_history(
    conn: Connection, cases: list[_Case], end: date, teams: dict[AdviceKind, str] | None = None
) -> int:
    """Write the cases as they stood at the end of ``end`` (later steps not yet taken); the count.
    ``teams``: who was asked for each kind of advice (default: ``TEAMS``)."""
    rows, advice, decisions = [], [], []
    for case in cases:
        if case.day0 > end:
            continue
        c, a, d = _rows(case, end, teams or TEAMS)
        rows.append(c)
        advice += a
        decisions += d
    for table, values in ((CaseRow, rows), (AdviceRow, advice), (DecisionRow, decisions)):
        for i in range(0, len(values), 5000):
            conn.execute(insert(table), values[i : i + 5000])
    return len(rows)
