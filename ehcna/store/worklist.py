"""The worklist: open cases, most urgent first, filtered and searched in SQL (one page at a time).

Urgency is the next statutory step's due date (``cases.next_due``, written with each case event by
``domain.deadlines.next_step``): a date passed is late by that many days, so ordering by it puts the
latest case first and then the one due soonest. The same query serves "My cases" (one officer),
"Team cases" and the manager's view (wider filters).
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from ehcna.store.models import AdviceRow, CaseOfficerRow, CasePersonRow, CaseRow, PersonRow

PAGE_SIZE = 50
NEW_ADVICE_DAYS = 14  # ENGINE RULE: advice returned within the last 14 days shows as new on the worklist


class Sort(StrEnum):
    URGENCY = "urgency"  # latest first, then due soonest
    REF = "ref"
    RECEIVED = "received"  # day 0, oldest first
    OFFICER = "officer"
    NAME = "name"
    RISK = "risk"  # most likely to pass 20 weeks first: the outlook's chances, given in Filters.risk


@dataclass(frozen=True)
class Filters:
    officer: str | None = None
    teams: tuple[str, ...] | None = None  # None: every team
    stage: str | None = None
    late: bool = False
    due_within_days: int | None = None
    excepted: bool = False  # only cases with a 20-week exception recorded
    unassigned: bool = False
    search: str | None = None  # a reference, a child's surname (start of), UPN or date of birth
    sort: Sort = Sort.URGENCY
    page: int = 1
    page_size: int = PAGE_SIZE
    risk: tuple[tuple[str, float], ...] = ()  # Sort.RISK: (ref, chance of passing 20 weeks), from the outlook


@dataclass(frozen=True)
class WorkItem:
    ref: str
    team: str
    officer: str | None
    stage: str
    day0: date
    next_key: str | None
    next_due: date | None
    week20_exception: bool
    forename: str | None
    surname: str | None
    birth_date: date | None
    draft_served_on: date | None
    family_response_on: date | None
    new_advice: list[tuple[str, date]] = field(default_factory=list)  # (advice id, returned on)


@dataclass(frozen=True)
class WorkPage:
    items: list[WorkItem]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _filtered(query: Select, filters: Filters, today: date) -> Select:
    c = CaseRow
    query = query.where(c.outcome.is_(None))
    if filters.teams is not None:
        query = query.where(c.team.in_(filters.teams))
    if filters.officer:
        query = query.where(CaseOfficerRow.officer == filters.officer)
    if filters.unassigned:
        query = query.where(CaseOfficerRow.officer.is_(None))
    if filters.stage:
        query = query.where(c.stage == filters.stage)
    if filters.late:
        query = query.where(c.next_due < today)
    if filters.due_within_days is not None:
        query = query.where(c.next_due <= today + timedelta(days=filters.due_within_days))
    if filters.excepted:
        query = query.where(c.week20_exception.is_(True))
    if filters.search and filters.search.strip():
        query = query.where(_matches(filters.search.strip()))
    return query


def _matches(text: str) -> ColumnElement[bool]:
    compact = text.replace(" ", "").upper()
    try:
        return PersonRow.birth_date == date.fromisoformat(text)
    except ValueError:
        pass
    if len(compact) == 13 and compact[0].isalpha() and compact[1:12].isdigit():
        return or_(PersonRow.upn == compact, CaseRow.ref == text)
    prefix = text.lower().replace("\\", "").replace("%", "").replace("_", "")
    return or_(CaseRow.ref == text, PersonRow.surname_key.like(f"{prefix}%"))


def _joined(query: Select) -> Select:
    return (
        query.select_from(CaseRow)
        .outerjoin(CaseOfficerRow, CaseOfficerRow.case_ref == CaseRow.ref)
        .outerjoin(CasePersonRow, CasePersonRow.case_ref == CaseRow.ref)
        .outerjoin(PersonRow, PersonRow.id == CasePersonRow.person_id)
    )


ORDER = {
    Sort.URGENCY: (CaseRow.next_due.is_(None), CaseRow.next_due, CaseRow.ref),
    Sort.REF: (CaseRow.ref,),
    Sort.RECEIVED: (CaseRow.day0, CaseRow.ref),
    # named officers A to Z, then the cases no one holds; children by surname, then cases without a
    # child recorded: NULLs last said outright (SQLite puts them first, PostgreSQL last)
    Sort.OFFICER: (
        CaseOfficerRow.officer.asc().nulls_last(),
        CaseRow.next_due.asc().nulls_last(),
        CaseRow.ref,
    ),
    Sort.NAME: (PersonRow.surname_key.asc().nulls_last(), PersonRow.forename.asc().nulls_last(), CaseRow.ref),
}


def _order(filters: Filters) -> tuple[Any, ...]:
    """Sort.RISK: the cases the outlook gives the highest chance of passing 20 weeks first, then the rest
    (and all, with no outlook) by urgency."""
    if filters.sort is not Sort.RISK:
        return ORDER[filters.sort]
    if not filters.risk:
        return ORDER[Sort.URGENCY]
    return (case(dict(filters.risk), value=CaseRow.ref, else_=-1.0).desc(), *ORDER[Sort.URGENCY])


def worklist(session: Session, filters: Filters, today: date) -> WorkPage:
    base = _filtered(_joined(select()), filters, today)
    total = session.scalar(base.with_only_columns(func.count()).select_from(CaseRow)) or 0
    page = max(1, min(filters.page, max(1, -(-total // filters.page_size))))
    rows = session.execute(
        base.with_only_columns(
            CaseRow.ref,
            CaseRow.team,
            CaseOfficerRow.officer,
            CaseRow.stage,
            CaseRow.day0,
            CaseRow.next_key,
            CaseRow.next_due,
            CaseRow.week20_exception,
            PersonRow.forename,
            PersonRow.surname,
            PersonRow.birth_date,
            CaseRow.draft_served_on,
            CaseRow.family_response_on,
        )
        .order_by(*_order(filters))
        .offset((page - 1) * filters.page_size)
        .limit(filters.page_size)
    ).all()
    new: dict[str, list[tuple[str, date]]] = {}
    if rows:
        for ref, advice_id, returned in session.execute(
            select(AdviceRow.case_ref, AdviceRow.advice_id, AdviceRow.returned_on)
            .where(
                AdviceRow.case_ref.in_([r.ref for r in rows]),
                AdviceRow.returned_on >= today - timedelta(days=NEW_ADVICE_DAYS),
            )
            .order_by(AdviceRow.returned_on.desc())
        ):
            if returned is not None:
                new.setdefault(ref, []).append((advice_id, returned))
    items = [WorkItem(**r._asdict(), new_advice=new.get(r.ref, [])) for r in rows]
    return WorkPage(items, total, page, filters.page_size)


@dataclass(frozen=True)
class Workload:
    team: str
    officer: str | None  # None: not assigned to anyone
    open: int
    late: int
    due_this_week: int


def workload(session: Session, today: date, teams: tuple[str, ...] | None = None) -> list[Workload]:
    """Open cases per team and officer: how many, how many late, how many due in the next 7 days."""
    late = func.sum(case((CaseRow.next_due < today, 1), else_=0))
    this_week = and_(CaseRow.next_due >= today, CaseRow.next_due <= today + timedelta(days=7))
    week = func.sum(case((this_week, 1), else_=0))
    query = (
        select(CaseRow.team, CaseOfficerRow.officer, func.count(), late, week)
        .select_from(CaseRow)
        .outerjoin(CaseOfficerRow, CaseOfficerRow.case_ref == CaseRow.ref)
        .where(CaseRow.outcome.is_(None))
        .group_by(CaseRow.team, CaseOfficerRow.officer)
        .order_by(CaseRow.team, CaseOfficerRow.officer)
    )
    if teams is not None:
        query = query.where(CaseRow.team.in_(teams))
    return [Workload(t, o, n, int(lt or 0), int(w or 0)) for t, o, n, lt, w in session.execute(query)]


def open_teams(session: Session) -> list[str]:
    """The teams holding open cases."""
    return list(session.scalars(select(CaseRow.team).where(CaseRow.outcome.is_(None)).distinct()))
