"""Reads shared by the JSON API and the pages: case lists, advice tasks, history, teams, alerts.

Live lists (open cases, breaches, what is due soon) come from the workflows'
own search attributes through the gateway, so a breach shows the moment the workflow records it;
everything else reads the SQL read model.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from fastapi import HTTPException, status
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Connection, Engine, and_, case, false, func, select

from domain.case import AdviceStatus
from domain.clock import london_date
from domain.kpis import Figure, Period
from domain.person import CURRENT_SETTING_TYPES, Contact, Person
from ehcna.gateway.cases import CaseSummary
from ehcna.gateway.errors import GatewayError
from ehcna.store import officers, people
from ehcna.store.alerts import AlertRow, AlertState, alerts_for_case
from ehcna.store.faults import WorkflowFaultRow, faults
from ehcna.store.models import AdviceRow, AuditRow, CaseRow
from ehcna.web.errors import http_error
from ehcna.web.services import Services


def today() -> date:
    return london_date(datetime.now(UTC))


def last_complete_month(on: date) -> Period:
    """The period a KPI page shows unless asked otherwise: the last full calendar month."""
    return Period.month_of(on.replace(day=1) - timedelta(days=1))


def reader(svc: Services) -> Connection:
    """A plain connection for the KPI queries (SQLAlchemy Core)."""
    engine: Engine = svc.sessions.kw["bind"]
    return engine.connect()


# ---------------------------------------------------------------- open cases (live)


async def open_cases(
    svc: Services,
    *,
    team: str | None = None,
    stage: str | None = None,
    breached: bool | None = None,
    due_within_days: int | None = None,
    limit: int = 100,
) -> list[CaseSummary]:
    """Running cases, soonest next deadline first (from the workflows, through the gateway)."""
    try:
        return await svc.cases.open_cases(
            team=team, stage=stage, breached=breached, due_within_days=due_within_days, limit=limit
        )
    except GatewayError as err:
        raise http_error(err) from None
    except ValueError as err:  # a name the list cannot be asked for
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, {"field": "team", "reason": str(err)}
        ) from None


# ---------------------------------------------------------------- advice tasks


class Task(BaseModel):
    case_ref: str
    advice_id: str
    kind: str
    provider_team: str
    requested_on: date
    due_on: date | None
    days_left: int | None


def advice_tasks(
    svc: Services, team: str | None, limit: int = 500, case_team: str | None = None
) -> list[Task]:
    """Advice awaited (from ``team``, or every team; on ``case_team``'s cases, or all), soonest due first."""
    query = select(AdviceRow).where(AdviceRow.status == str(AdviceStatus.REQUESTED))
    if case_team:
        query = query.join(CaseRow, CaseRow.ref == AdviceRow.case_ref).where(CaseRow.team == case_team)
    if team:
        query = query.where(AdviceRow.provider_team == team)
    with svc.sessions() as session:
        rows = session.scalars(query.order_by(AdviceRow.due_on, AdviceRow.case_ref).limit(limit)).all()
    now = today()
    return [
        Task(
            case_ref=r.case_ref,
            advice_id=r.advice_id,
            kind=r.kind,
            provider_team=r.provider_team,
            requested_on=r.requested_on,
            due_on=r.due_on,
            days_left=(r.due_on - now).days if r.due_on else None,
        )
        for r in rows
    ]


def case_team(svc: Services, ref: str) -> str | None:
    """The team a case belongs to, as the store has it; None if the store has no such case."""
    with svc.sessions() as session:
        return CaseRow.team_of(session, ref)


def advice_request(svc: Services, ref: str, advice_id: str) -> AdviceRow | None:
    with svc.sessions() as session:
        return session.get(AdviceRow, (ref, advice_id))


# ---------------------------------------------------------------- a case's history


class TimelineEntry(BaseModel):
    seq: int | None
    action: str
    at: datetime  # when it was recorded (for an import: when it was imported)
    by: str
    role: str
    took_effect: date | None = None  # the date the step took effect, as the command gave it
    advice_id: str | None = None  # the advice request it concerns


# the date a step took effect: the first of its command's date fields
EFFECTIVE_DATES = (
    "on",
    "day0",
    "requested_on",
    "received_on",
    "returned_on",
    "plan_issued_on",
    "not_assessed_on",
    "not_issued_on",
)


def _took_effect(detail: dict) -> date | None:
    for name in EFFECTIVE_DATES:
        value = detail.get(name)
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                continue
    return None


def case_history(svc: Services, ref: str) -> list[TimelineEntry]:
    """The actions taken on a case, in the order the workflow applied them."""
    with svc.sessions() as session:
        rows = session.scalars(
            select(AuditRow).where(AuditRow.case_ref == ref, AuditRow.seq.is_not(None)).order_by(AuditRow.seq)
        ).all()
    return [
        TimelineEntry(
            seq=r.seq,
            action=r.action,
            at=r.at,
            by=r.actor_user,
            role=r.actor_role,
            took_effect=_took_effect(r.detail or {}),
            advice_id=(r.detail or {}).get("advice_id"),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class CaseFamily:
    """The case's child and their parents or carers, and its named officer, for the case page."""

    person_id: str | None
    child: Person | None
    contacts: list[Contact]
    officer: str | None


def case_family(svc: Services, ref: str) -> CaseFamily:
    with svc.sessions() as session:
        row = people.person_of(session, ref)
        officer = officers.officer_of(session, ref)
        if row is None:
            return CaseFamily(None, None, [], officer)
        return CaseFamily(row.id, people.person_model(row), people.contacts_of(session, row.id), officer)


@dataclass(frozen=True)
class ChildSeen:
    """What a provider sees of the child: enough to know who they are, nothing more."""

    name: str
    birth_date: date
    setting: str  # "School URN 100000", "Early years...", "Not recorded"


def children_of_requests(svc: Services, refs: Collection[str]) -> dict[str, ChildSeen]:
    """The child of each case, as a provider may see them: name, date of birth and current setting."""
    with svc.sessions() as session:
        found = people.people_of(session, refs)
    return {ref: ChildSeen(p.full_name, p.birth_date, _setting(p)) for ref, p in found.items()}


def _setting(p: Person) -> str:
    if p.setting_urn:
        return f"School URN {p.setting_urn}"
    if p.setting_ukprn:
        return f"Provider UKPRN {p.setting_ukprn}"
    return CURRENT_SETTING_TYPES.get(p.setting_type or "", "Not recorded")


# ---------------------------------------------------------------- advice timeliness per provider team


@dataclass(frozen=True)
class TeamAdvice:
    """One provider team: K5's figure for the period (reg 8(2) exceptions out), and its open work now."""

    team: str
    in_time: Figure  # returned within 6 weeks / (returned + marked not received)
    excepted: int  # returned or not received in the period with a reg 8(2) exception
    awaited: int  # still awaited today
    overdue: int  # of which past their due date


def advice_by_team(db: Connection, period: Period, on: date) -> list[TeamAdvice]:
    """K5 split by the team asked rather than by advice kind, with each team's awaited advice."""
    a = AdviceRow.__table__.c
    settled_on = func.coalesce(a.returned_on, a.not_received_on)
    clocked = a.due_on.is_not(None)

    def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    in_period = and_(clocked, settled_on.between(period.start, period.end))
    rows = db.execute(
        select(
            a.provider_team,
            count_if(and_(in_period, a.excepted == false())),
            count_if(and_(in_period, a.excepted == false(), a.returned_on <= a.due_on)),
            count_if(and_(in_period, a.excepted.is_(True))),
            count_if(and_(clocked, a.status == str(AdviceStatus.REQUESTED))),
            count_if(and_(clocked, a.status == str(AdviceStatus.REQUESTED), a.due_on < on)),
        ).group_by(a.provider_team)
    ).all()
    teams = [
        TeamAdvice(team, Figure(int(n_in), int(n)), int(exc), int(awaited), int(overdue))
        for team, n, n_in, exc, awaited, overdue in rows
        if n or exc or awaited
    ]
    return sorted(teams, key=lambda t: (t.in_time.percent is None, t.in_time.percent or 0.0, t.team))


# ---------------------------------------------------------------- alerts and their delivery


@dataclass(frozen=True)
class AlertsOverview:
    by_state: dict[str, int]  # claimed / sent / failed -> count
    failed: list[AlertRow]  # could not be delivered, newest first
    recent: list[AlertRow]  # the latest alerts whatever their state, newest first


def alerts_overview(svc: Services, limit: int = 50) -> AlertsOverview:
    with svc.sessions() as session:
        counts = dict(session.execute(select(AlertRow.state, func.count()).group_by(AlertRow.state)).all())
        failed = session.scalars(
            select(AlertRow)
            .where(AlertRow.state == str(AlertState.FAILED))
            .order_by(AlertRow.failed_at.desc())
            .limit(limit)
        ).all()
        recent = session.scalars(select(AlertRow).order_by(AlertRow.id.desc()).limit(limit)).all()
    return AlertsOverview({str(k): int(v) for k, v in counts.items()}, list(failed), list(recent))


def stopped_cases(svc: Services) -> list[WorkflowFaultRow]:
    """Cases open in the store whose workflow stopped (failed, terminated, timed out, gone)."""
    with svc.sessions() as session:
        return faults(session)


def case_alerts(svc: Services, ref: str) -> list[AlertRow]:
    with svc.sessions() as session:
        return alerts_for_case(session, ref)


@dataclass(frozen=True)
class AppealLine:
    """A mediation or appeal as the case page shows it."""

    route: str
    disputes: str
    started_on: date | None
    outcome: str | None
    outcome_on: date | None


def case_appeals(svc: Services, ref: str) -> list[AppealLine]:
    from ehcna.store.appeals import appeals_of

    with svc.sessions() as session:
        return [
            AppealLine(a.route, a.disputes, a.started_on, a.outcome, a.outcome_on)
            for a in appeals_of(session, ref)
        ]
