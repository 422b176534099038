"""What the store held at the end of a date: every case and advice request known then, with only the
steps taken by then (a later step reads as not taken yet), as numpy columns of day numbers.

Day numbers are ``date.toordinal()``; a step not taken (or not taken by then) is NaN. Nothing of the
child is read: a case is its reference, team and dates.

Statutory exceptions are read as they were known at the date too: an exception counts from the day it
was recorded (``case_exceptions.recorded_on``), never before, and whether its code takes a case out of
the 20-week measure (E-*) or an advice request out of its provider's (A-*) is ``domain``'s rule. A
SEN2 ``Week20`` flag imported from an earlier system carries no date: it counts once the case had
closed by the date (the return that carried it was made of closed cases), not while it was open.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from sqlalchemy import Connection, Table, func, or_, select

from domain.case import Outcome
from domain.statutory_exceptions import ExceptionCode
from ehcna.store.models import AdviceRow, CaseRow, ExceptionRow

cases: Table = CaseRow.__table__  # type: ignore[assignment]
advice: Table = AdviceRow.__table__  # type: ignore[assignment]
exceptions: Table = ExceptionRow.__table__  # type: ignore[assignment]

NO_PLAN = str(Outcome.PLAN_NOT_ISSUED)
ISSUED = str(Outcome.PLAN_ISSUED)
NOT_ASSESSED = str(Outcome.NOT_ASSESSED)
ENDED_EARLY = (str(Outcome.WITHDRAWN), str(Outcome.TRANSFERRED_OUT))

Days = np.ndarray[Any, np.dtype[np.float64]]


@dataclass(frozen=True)
class History:
    """The cases (index i) and the clocked advice requests (index j, ``advice_case`` -> i) at ``as_of``."""

    as_of: date
    first_day0: date | None  # the earliest request the store holds (None: none at all)
    refs: list[str]
    teams: list[str]
    day0: Days
    assess_on: Days  # decision whether to assess
    assessed: Days  # 1 yes, 0 no, NaN not decided
    issue_on: Days  # decision whether to issue a plan
    issued: Days
    draft_on: Days
    final_on: Days
    outcome: list[str | None]
    outcome_on: Days
    exception: np.ndarray[Any, np.dtype[np.bool_]]  # a 20-week exception known at the date (out of K1)
    advice_case: np.ndarray[Any, np.dtype[np.int64]]
    advice_kind: list[str]
    advice_team: list[str]
    requested_on: Days
    settled_on: Days  # returned or marked not received
    not_received: np.ndarray[Any, np.dtype[np.bool_]]
    advice_excepted: np.ndarray[Any, np.dtype[np.bool_]]  # a reg 8(2) exception known at the date

    @property
    def day(self) -> int:
        return self.as_of.toordinal()

    @property
    def open(self) -> np.ndarray[Any, np.dtype[np.bool_]]:
        """Cases open at the end of ``as_of``."""
        return np.isnan(self.outcome_on)

    def __len__(self) -> int:
        return len(self.refs)


def _day(value: date | None, as_of: date) -> float:
    return float(value.toordinal()) if value is not None and value <= as_of else np.nan


def first_request(conn: Connection) -> date | None:
    return conn.scalar(select(func.min(cases.c.day0)))


def load_history(conn: Connection, as_of: date, since: date) -> History:
    """Every case received on or before ``as_of`` and its clocked advice, as they stood that day: those
    received since ``since``, or still open then, or closed since (older ones teach nothing)."""
    c = cases.c
    relevant = or_(c.day0 >= since, c.outcome_on.is_(None), c.outcome_on >= since)
    rows = conn.execute(
        select(
            c.ref,
            c.team,
            c.day0,
            c.decision_to_assess_on,
            c.decided_to_assess,
            c.decision_to_issue_on,
            c.decided_to_issue,
            c.draft_served_on,
            c.final_plan_on,
            c.outcome,
            c.outcome_on,
            c.week20_legacy,
        )
        .where(c.day0 <= as_of, relevant)
        .order_by(c.day0, c.ref)
    ).all()
    index = {row.ref: i for i, row in enumerate(rows)}

    def yes(flag: bool | None, on: date | None) -> float:
        return np.nan if flag is None or on is None or on > as_of else float(flag)

    closed = [r.outcome is not None and r.outcome_on is not None and r.outcome_on <= as_of for r in rows]
    a = advice.c
    arows = conn.execute(
        select(
            a.case_ref,
            a.kind,
            a.provider_team,
            a.requested_on,
            a.returned_on,
            a.not_received_on,
            a.withdrawn_on,
            a.advice_id,
        )
        .join(cases, c.ref == a.case_ref)
        .where(c.day0 <= as_of, relevant, a.requested_on <= as_of, a.due_on.is_not(None))
        .order_by(a.requested_on, a.case_ref, a.advice_id)
    ).all()
    kept = [r for r in arows if r.case_ref in index and not (r.withdrawn_on and r.withdrawn_on <= as_of)]
    settled = [r.returned_on or r.not_received_on for r in kept]
    week20, advice_excepted = _exceptions_known(conn, as_of, since)
    legacy = [bool(r.week20_legacy) and done for r, done in zip(rows, closed, strict=True)]
    return History(
        as_of=as_of,
        first_day0=first_request(conn),
        refs=[r.ref for r in rows],
        teams=[r.team for r in rows],
        day0=np.array([float(r.day0.toordinal()) for r in rows]),
        assess_on=np.array([_day(r.decision_to_assess_on, as_of) for r in rows]),
        assessed=np.array([yes(r.decided_to_assess, r.decision_to_assess_on) for r in rows]),
        issue_on=np.array([_day(r.decision_to_issue_on, as_of) for r in rows]),
        issued=np.array([yes(r.decided_to_issue, r.decision_to_issue_on) for r in rows]),
        draft_on=np.array([_day(r.draft_served_on, as_of) for r in rows]),
        final_on=np.array([_day(r.final_plan_on, as_of) for r in rows]),
        outcome=[r.outcome if done else None for r, done in zip(rows, closed, strict=True)],
        outcome_on=np.array(
            [_day(r.outcome_on, as_of) if done else np.nan for r, done in zip(rows, closed, strict=True)]
        ),
        exception=np.array([old or r.ref in week20 for r, old in zip(rows, legacy, strict=True)], dtype=bool),
        advice_case=np.array([index[r.case_ref] for r in kept], dtype=np.int64),
        advice_kind=[r.kind for r in kept],
        advice_team=[r.provider_team for r in kept],
        requested_on=np.array([float(r.requested_on.toordinal()) for r in kept]),
        settled_on=np.array([_day(s, as_of) for s in settled]),
        not_received=np.array(
            [r.not_received_on is not None and r.not_received_on <= as_of for r in kept], dtype=bool
        ),
        advice_excepted=np.array([(r.case_ref, r.advice_id) in advice_excepted for r in kept], dtype=bool),
    )


def _exceptions_known(conn: Connection, as_of: date, since: date) -> tuple[set[str], set[tuple[str, str]]]:
    """The cases with a 20-week exception, and the advice requests with a reg 8(2) exception, recorded on
    or before ``as_of`` (of the cases ``load_history`` reads)."""
    c, e = cases.c, exceptions.c
    relevant = or_(c.day0 >= since, c.outcome_on.is_(None), c.outcome_on >= since)
    week20: set[str] = set()
    advice_excepted: set[tuple[str, str]] = set()
    for ref, code, advice_id in conn.execute(
        select(e.case_ref, e.code, e.advice_id)
        .join(cases, c.ref == e.case_ref)
        .where(c.day0 <= as_of, relevant, e.recorded_on <= as_of)
    ):
        try:
            known = ExceptionCode(code)
        except ValueError:
            continue
        if known.applies_to_case:
            week20.add(ref)
        elif known.applies_to_advice and advice_id is not None:
            advice_excepted.add((ref, advice_id))
    return week20, advice_excepted
