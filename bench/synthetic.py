"""Synthetic closed cases for the KPI benchmark, as the store's rows.

Deterministic for a seed, produced in chunks so a million cases never sit in
memory at once. Columns and derived values follow ``store.records``: the
same deadlines (``t1_due``, ``due_on``...), ``plan_days``, status values and
breach rows the activities write. About half the plans are late, a tenth of
the cases carry a 20-week exception, each assessed case asks four bodies
for advice, and day 0 is spread over 30 months.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from domain.clock import end_of_day
from domain.statutory_calendar import (
    advice_due,
    decision_deadline,
    final_plan_deadline,
    no_plan_notice_deadline,
)

FIRST_DAY0 = date(2024, 1, 1)
SPAN_DAYS = 912  # about 30 months of requests
TEAMS = ("north", "south", "east", "west", "central", "county")
SOURCES = ("PARENT", "PARENT", "PARENT", "SCHOOL", "SCHOOL", "YOUNG_PERSON", "HEALTH", "OTHER")
BODIES = {"EDUCATION": "schools", "HEALTH": "icb-health", "EP": "ep-service", "SOCIAL_CARE": "social-care"}
UPDATED_AT = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)

CASE_COLUMNS = (
    "ref workflow_id team request_source year_group day0 t1_due t3_due t6_due stage decided_to_assess "
    "decision_to_assess_on decided_to_issue decision_to_issue_on draft_served_on family_response_on "
    "final_plan_on plan_days outcome outcome_on week20_exception request_mediation request_tribunal "
    "assessment_mediation assessment_tribunal version updated_at"
).split()
ADVICE_COLUMNS = (
    "case_ref advice_id kind provider_team requested_on due_on status returned_on not_received_on "
    "existing_advice_date excepted document_ref"
).split()
DECISION_COLUMNS = "case_ref decision yes decided_on due_on".split()
EXCEPTION_COLUMNS = (
    "case_ref position code recorded_on advice_id start end requested_on appointment_on description"
).split()
BREACH_COLUMNS = (
    "case_ref deadline_key duty advice_kind due_on raised_at raised_on team holder excepted".split()
)

TABLES = {
    "cases": CASE_COLUMNS,
    "advice_requests": ADVICE_COLUMNS,
    "decisions": DECISION_COLUMNS,
    "case_exceptions": EXCEPTION_COLUMNS,
    "breaches": BREACH_COLUMNS,
}


@dataclass
class Chunk:
    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=lambda: {t: [] for t in TABLES})
    plans: int = 0
    late_plans: int = 0


class _Case:
    """The rows of one case, built step by step."""

    def __init__(self, rng: random.Random, number: int, chunk: Chunk) -> None:
        self.rng = rng
        self.chunk = chunk
        self.ref = f"B{number:08d}"
        self.team = TEAMS[number % len(TEAMS)]
        self.day0 = FIRST_DAY0 + timedelta(days=rng.randrange(SPAN_DAYS))
        self.exception = rng.random() < 0.10
        self.positions = 0
        self.v: dict[str, Any] = dict.fromkeys(CASE_COLUMNS)
        self.v.update(
            ref=self.ref,
            workflow_id=f"ehcna-{self.ref}",
            team=self.team,
            request_source=rng.choice(SOURCES),
            year_group=rng.randrange(0, 12),
            day0=self.day0,
            t1_due=decision_deadline(self.day0),
            t3_due=no_plan_notice_deadline(self.day0),
            t6_due=final_plan_deadline(self.day0),
            stage="closed",
            week20_exception=self.exception,
            request_mediation=False,
            request_tribunal=False,
            assessment_mediation=False,
            assessment_tribunal=False,
            version=1,
            updated_at=UPDATED_AT,
        )

    def day(self, n: int) -> date:
        return self.day0 + timedelta(days=n)

    def breach(self, key: str, duty: str, due: date, holder: str, kind: str | None = None, exc: bool = False):
        raised = due + timedelta(days=1)
        row = (self.ref, key, duty, kind, due, end_of_day(due), raised, self.team, holder, exc)
        self.chunk.rows["breaches"].append(row)

    def decide(self, decision: str, yes: bool, on: date, due: date) -> None:
        self.chunk.rows["decisions"].append((self.ref, decision, yes, on, due))

    def close(self, outcome: str, on: date) -> None:
        self.v.update(outcome=outcome, outcome_on=on)
        if self.exception:
            self.exception_row("E-PERS", self.day(self.rng.randint(5, 40)), None)
        self.v["version"] = 6 + 4 * len(BODIES)
        self.chunk.rows["cases"].append(tuple(self.v[c] for c in CASE_COLUMNS))

    def exception_row(self, code: str, on: date, advice_id: str | None) -> None:
        row = (self.ref, self.positions, code, on, advice_id, on, None, None, None, "synthetic")
        self.chunk.rows["case_exceptions"].append(row)
        self.positions += 1

    def assess(self, day: int, yes: bool) -> date:
        on = self.day(day)
        self.v.update(decided_to_assess=yes, decision_to_assess_on=on)
        self.decide("TO_ASSESS", yes, on, self.v["t1_due"])
        if on > self.v["t1_due"]:
            self.breach("T1", "T1", self.v["t1_due"], self.team)
        return on

    def advice(self, requested: date, cancel_on: date | None = None) -> date:
        """Four bodies asked on ``requested``; the date the last one was settled."""
        last = requested
        due = advice_due(requested)
        for kind, provider in BODIES.items():
            aid = f"{kind}-1"
            excepted = self.rng.random() < 0.05
            returned = not_received = None
            u = self.rng.random()
            if cancel_on is not None:
                status = "CANCELLED"
            elif u < 0.70:
                status, returned = "RECEIVED", requested + timedelta(days=self.rng.randint(10, 42))
            elif u < 0.95:
                status, returned = "RECEIVED", requested + timedelta(days=self.rng.randint(43, 80))
            else:
                status, not_received = "NOT_RECEIVED", requested + timedelta(days=self.rng.randint(43, 60))
            settled = returned or not_received
            if cancel_on is None and settled is not None:
                last = max(last, settled)
                if settled > due:
                    self.breach(f"T2:{aid}", "T2", due, provider, kind, excepted)
            if excepted:
                self.exception_row("A-PERS", requested + timedelta(days=7), aid)
            self.chunk.rows["advice_requests"].append(
                (
                    self.ref,
                    aid,
                    kind,
                    provider,
                    requested,
                    due,
                    status,
                    returned,
                    not_received,
                    None,
                    excepted,
                    None,
                )
            )
        return last


def _one_case(rng: random.Random, number: int, chunk: Chunk) -> None:
    c = _Case(rng, number, chunk)
    u = rng.random()
    if u < 0.03:  # withdrawn before the decision
        c.close("WITHDRAWN", c.day(rng.randint(5, 40)))
        return
    assess_day = rng.randint(10, 50)  # about a fifth decided after day 42
    if u < 0.13:
        on = c.assess(assess_day, yes=False)
        c.close("NOT_ASSESSED", on)
        return
    assessed = c.assess(assess_day, yes=True)
    requested = assessed + timedelta(days=1)
    if u < 0.15:  # moved out of the area during the assessment
        left = requested + timedelta(days=rng.randint(5, 30))
        c.advice(requested, cancel_on=left)
        c.close("TRANSFERRED_OUT", left)
        return
    settled = c.advice(requested)
    decided = settled + timedelta(days=rng.randint(1, 10))
    if u < 0.23:  # no plan after assessment
        c.v.update(decided_to_issue=False, decision_to_issue_on=decided)
        c.decide("TO_ISSUE", False, decided, c.v["t3_due"])
        if decided > c.v["t3_due"]:
            c.breach("T3", "T3", c.v["t3_due"], c.team)
        c.close("PLAN_NOT_ISSUED", decided)
        return
    c.v.update(decided_to_issue=True, decision_to_issue_on=decided)
    c.decide("TO_ISSUE", True, decided, c.v["t3_due"])
    draft = decided + timedelta(days=rng.randint(3, 12))
    target = c.day(rng.randint(95, 140) if rng.random() < 0.58 else rng.randint(141, 420))
    final = max(target, draft + timedelta(days=15))
    c.v.update(
        draft_served_on=draft,
        family_response_on=final - timedelta(days=rng.randint(0, 5)),
        final_plan_on=final,
        plan_days=(final - c.day0).days,
    )
    chunk.plans += 1
    if final > c.v["t6_due"]:
        chunk.late_plans += 1
        c.breach("T6", "T6", c.v["t6_due"], c.team, exc=c.exception)
    c.close("PLAN_ISSUED", final)


def chunks(count: int, size: int = 20_000, seed: int = 20261123) -> Iterator[Chunk]:
    """``count`` closed cases in chunks of ``size``; the same seed gives the same rows."""
    rng = random.Random(seed)
    for start in range(0, count, size):
        chunk = Chunk()
        for number in range(start, min(start + size, count)):
            _one_case(rng, number, chunk)
        yield chunk
