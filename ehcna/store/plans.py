"""Plans in force in the read model: the plan, its completed reviews, its amendments and its phase
transfers, written from each plan event (the source of L1-L9 of plan-lifecycle.md).

Each write is keyed so that a retried activity, or a replayed workflow, writes nothing twice: the plan row
only moves forward (``seq``), reviews by their number, amendments by their notice, transfers by their year.
"""

import asyncio
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Date, DateTime, Index, Integer, String, Table, func, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from domain.plan import Amendment, Plan
from domain.plan_calendar import amended_plan_due, review_decision_due
from domain.plan_deadlines import open_review_due
from domain.plan_events import PlanEvent
from domain.plan_measures import first_review_due, review_before_engine
from ehcna.store.models import Base
from ehcna.store.upsert import upsert, upsert_if_newer


class PlanRow(Base):
    """One plan (SEN2 named plan: StartDate, CeaseDate, CeaseReason) as it last stood."""

    __tablename__ = "plans"
    __table_args__ = (  # 0013: the setting's inbox, and a team's reviews by their due date
        Index("ix_plans_setting_team", "setting_team"),
        Index("ix_plans_team_review_due", "team", "review_due"),
    )

    ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    team: Mapped[str] = mapped_column(String(64))
    start_on: Mapped[date] = mapped_column(Date)  # SEN2 StartDate
    reception_year: Mapped[int] = mapped_column(Integer)  # the year cohort, never a date of birth
    status: Mapped[str] = mapped_column(String(16))
    transferred_in_on: Mapped[date | None] = mapped_column(Date)
    review_due: Mapped[date | None] = mapped_column(Date)  # the open review's R1 (or R10) date
    review_held_on: Mapped[date | None] = mapped_column(Date)  # the open review's meeting, once held
    reviews_completed: Mapped[int] = mapped_column(Integer)
    ended_on: Mapped[date | None] = mapped_column(Date)  # SEN2 CeaseDate
    end_reason: Mapped[str | None] = mapped_column(String(2))  # SEN2 CeaseReason
    cease_decided_on: Mapped[date | None] = mapped_column(Date)  # a decision to cease (R11): no review owed
    # kept from the plan's first events, for a past month's L2 and L8 (migration 0012): the R1 (or R10) date
    # of its first review here, and its last review before the engine, if imported with one
    first_review_due: Mapped[date | None] = mapped_column(Date)
    imported_review_on: Mapped[date | None] = mapped_column(Date)
    # the worklist of reviews and the setting's inbox (migration 0013): who convenes the reviews, and the
    # date the open review's meeting is arranged for
    setting_team: Mapped[str | None] = mapped_column(String(64))
    meeting_on: Mapped[date | None] = mapped_column(Date)
    seq: Mapped[int] = mapped_column(Integer)  # the plan event that wrote this row
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PlanReviewRow(Base):
    """One completed review (L2-L5): its R1 date, the meeting and the decision's notification."""

    __tablename__ = "plan_reviews"

    plan_ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)  # 1 for the plan's first review here
    due_on: Mapped[date] = mapped_column(Date)
    rule: Mapped[str] = mapped_column(String(4))  # R1, or R10 for the first after a transfer in
    invited_on: Mapped[date | None] = mapped_column(Date)
    advice_circulated_on: Mapped[date | None] = mapped_column(Date)
    held_on: Mapped[date] = mapped_column(Date)
    report_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(String(8))
    decided_on: Mapped[date] = mapped_column(Date)
    decision_due: Mapped[date | None] = mapped_column(Date)  # R5: meeting + 28 days (L4); set on every row


class PlanAmendmentRow(Base):
    """One amendment notice and the amended plan it led to (L6)."""

    __tablename__ = "plan_amendments"

    plan_ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    notice_on: Mapped[date] = mapped_column(Date, primary_key=True)
    due_on: Mapped[date] = mapped_column(Date)  # R7
    issued_on: Mapped[date | None] = mapped_column(Date)


class PlanTransferRow(Base):
    """One phase transfer a plan owes (L7): the September it happens and whether R8 was met."""

    __tablename__ = "plan_transfers"

    plan_ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)  # the September of the transfer
    year_group: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)  # R8
    finalised_on: Mapped[date | None] = mapped_column(Date)
    setting: Mapped[str | None] = mapped_column(String(8))  # URN or UKPRN


def record_plan_event(session: Session, event: PlanEvent) -> None:
    """Write what one plan event leaves in the store (idempotent; an older event never overwrites)."""
    record_plan_events(session, [event])


def record_plan_events(session: Session, events: Sequence[PlanEvent]) -> None:
    """Write what the events of one plan (in the order of their seq) leave in the store, as recording
    each in turn would, in a handful of statements: the plan row as the last one left it, each completed
    review and each amendment once, in its last state (an imported plan's ~15 events took ~90 before).
    Idempotent, and an older event never overwrites a newer one."""
    if not events:
        return
    last = events[-1]
    plan = last.plan
    due = open_review_due(plan)[1] if plan.in_force and plan.cease is None else None
    row = {
        "ref": plan.ref,
        "team": plan.team,
        "start_on": plan.start_on,
        "reception_year": plan.reception_year,
        "status": str(plan.status),
        "transferred_in_on": plan.transfer_in.transferred_on if plan.transfer_in else None,
        "review_due": due,
        "review_held_on": plan.review.held_on,
        "reviews_completed": plan.reviews_completed,
        "ended_on": plan.ended_on,
        "end_reason": str(plan.end_reason) if plan.end_reason else None,
        "cease_decided_on": plan.cease.decided_on if plan.cease else None,
        "setting_team": plan.setting_team,
        "meeting_on": plan.review.meeting_on,
        "seq": last.seq,
        "updated_at": last.at,
    }
    written = upsert_if_newer(session, PlanRow.__table__, row, ["ref"], "seq")
    _keep_first_dates(session, [e.plan for e in events])
    if not written:
        return
    reviews: dict[int, dict[str, Any]] = {}
    amendments: dict[date, dict[str, Any]] = {}
    for event in events:  # a later event's state of the same review or amendment wins
        review = _last_review_row(event.plan)
        if review is not None:
            reviews[review["number"]] = review
        for amendment in (event.plan.amendment, event.plan.last_amendment):
            if amendment is not None and amendment.notice_on is not None:
                amendments[amendment.notice_on] = _amendment_row(plan.ref, amendment, amendment.notice_on)
    upsert(session, PlanReviewRow.__table__, list(reviews.values()), ["plan_ref", "number"])
    upsert(session, PlanAmendmentRow.__table__, list(amendments.values()), ["plan_ref", "notice_on"])
    upsert(
        session,
        PlanTransferRow.__table__,
        [
            {
                "plan_ref": plan.ref,
                "year": t.year,
                "year_group": t.year_group,
                "due_on": t.due,
                "finalised_on": t.finalised_on,
                "setting": t.setting,
            }
            for t in plan.transfers
        ],
        ["plan_ref", "year"],
    )


def _keep_first_dates(session: Session, plans: Sequence[Plan]) -> None:
    """The first review's due date and a review before the engine, set once from the first events that
    carry them (a later plan no longer does): a past month's L2 and L8 read them."""
    first = next((d for d in map(first_review_due, plans) if d is not None), None)
    before = next((d for d in map(review_before_engine, plans) if d is not None), None)
    if first is None and before is None:
        return
    p = PlanRow.__table__.c
    session.execute(
        update(cast(Table, PlanRow.__table__))  # Core, not the ORM's bulk update: a fifth of the write's time
        .where(p.ref == plans[0].ref)
        .values(
            first_review_due=func.coalesce(p.first_review_due, first),
            imported_review_on=func.coalesce(p.imported_review_on, before),
        )
    )


def _last_review_row(plan: Plan) -> dict[str, Any] | None:
    review = plan.last_review
    # a review imported as a date only (StartPlan.last_review_on) has no due date nor outcome to keep
    if review is None or review.outcome is None or review.due is None or review.held_on is None:
        return None
    assert review.decided_on is not None  # an outcome is recorded with its date
    transferred_first = plan.transfer_in is not None and plan.reviews_completed == 1
    return {
        "plan_ref": plan.ref,
        "number": plan.reviews_completed,
        "due_on": review.due,
        "rule": "R10" if transferred_first else "R1",
        "invited_on": review.invited_on,
        "advice_circulated_on": review.advice_circulated_on,
        "held_on": review.held_on,
        "report_on": review.report_on,
        "outcome": str(review.outcome),
        "decided_on": review.decided_on,
        "decision_due": review_decision_due(review.held_on),
    }


def _amendment_row(ref: str, amendment: Amendment, notice_on: date) -> dict[str, Any]:
    return {
        "plan_ref": ref,
        "notice_on": notice_on,
        "due_on": amended_plan_due(notice_on),
        "issued_on": amendment.issued_on,
    }


class StorePlanRecords:
    """Implements ``activities.plans.PlanRecordPort``: each plan event, or the events waiting together,
    in one transaction."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def _write(self, event: PlanEvent) -> None:
        with self._sessions.begin() as session:
            record_plan_event(session, event)

    async def record_plan_event(self, event: PlanEvent) -> None:
        await asyncio.to_thread(self._write, event)

    def _write_all(self, events: list[PlanEvent]) -> None:
        with self._sessions.begin() as session:
            record_plan_events(session, events)

    async def record_plan_events(self, events: list[PlanEvent]) -> None:
        await asyncio.to_thread(self._write_all, events)
