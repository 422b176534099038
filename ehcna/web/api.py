"""The JSON API. Every route needs a signed-in user or an API token."""

from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from domain.access import CaseAccess
from domain.appeals import AppealOutcome, Disputed, RecordAppeal, RecordAppealOutcome, Route
from domain.case import RequestSource
from domain.commands import Actor, Role, StartAssessment
from domain.errors import RuleViolation
from domain.person import Contact, Person
from domain.views import CaseView
from ehcna.gateway.cases import CaseSummary
from ehcna.gateway.errors import GatewayError
from ehcna.store import appeals
from ehcna.web import queries
from ehcna.web.case_actions import ACTIONS, IDEMPOTENCY_DOC, IdempotencyKey, body_model, read, send
from ehcna.web.casework import (
    Family,
    assign_officer,
    check_family,
    officer_for,
    record_family,
    replace_contacts,
    save_child,
)
from ehcna.web.errors import http_error, refused
from ehcna.web.pages.worklist import WorkQuery, step_of, work_query, worklist_page
from ehcna.web.queries import today
from ehcna.web.security import (
    MANAGERS,
    OFFICERS,
    PROVIDERS,
    advice_task,
    authorise,
    case_access,
    current_actor,
    forbid,
    listed_team,
    require,
    services,
    team_of_case,
)
from ehcna.web.services import Services
from ehcna.web.teams import check_body_team, check_team

router = APIRouter(prefix="/api")
officer = require(OFFICERS, "case work")
reads_case = case_access(CaseAccess.READ, officer)
acts_on_case = case_access(CaseAccess.ACT, officer)
owns_task = advice_task(current_actor)
manager = require(MANAGERS, "the dashboards")


class StartBody(Family):
    """The request (day 0, who made it, the team), and the child, the parents or carers and the named
    case officer (personal data: kept in the store, never in the workflow)."""

    ref: str
    day0: date
    request_source: RequestSource
    team: str
    year_group: int | None = None
    transferred_in: bool = False  # CFA s.24: day0 is the day this council became responsible
    original_request_on: date | None = None  # when the first council received the request


class Started(BaseModel):
    workflow_id: str
    case: CaseView


@router.post("/cases", status_code=status.HTTP_201_CREATED, response_model=Started)
async def start_case(
    body: StartBody, request: Request, actor: Actor = Depends(officer), svc: Services = Depends(services)
) -> Any:
    await run_in_threadpool(authorise, svc, request, actor, CaseAccess.ACT, body.team, None)
    await run_in_threadpool(check_team, svc, "team", body.team, True, actor)
    cmd = StartAssessment(**body.model_dump(exclude=set(Family.model_fields)), by=actor)
    family = Family.model_validate(body.model_dump(include=set(Family.model_fields)))
    officer_name = officer_for(actor, family)
    await run_in_threadpool(check_family, svc, cmd, family, officer_name)
    try:
        started = await svc.cases.start(cmd, today())
    except GatewayError as err:
        raise http_error(err) from None
    await run_in_threadpool(record_family, svc, cmd, family, officer_name, actor, today())
    return Started(workflow_id=started.workflow_id, case=started.view)


@router.get("/cases", response_model=list[CaseSummary])
async def list_cases(
    stage: str | None = Query(None, pattern=r"^[a-z_]{1,20}$"),
    team: str | None = Query(None, pattern=r"^[A-Za-z0-9 _-]{1,64}$"),
    due_within_days: int | None = Query(None, ge=0, le=400),
    breached: bool | None = None,
    limit: int = Query(100, ge=1, le=500),
    *,
    request: Request,
    actor: Actor = Depends(officer),
    svc: Services = Depends(services),
) -> Any:
    """Cases by the workflows' own search attributes (live: a breach shows as it happens).
    A case officer sees their own team's cases; asking for another team's is refused."""
    own = await run_in_threadpool(listed_team, svc, request, actor)
    if own is not None and team not in (None, own):
        await run_in_threadpool(authorise, svc, request, actor, CaseAccess.READ, team, None)
    team = team or own
    return await queries.open_cases(
        svc, team=team, stage=stage, breached=breached, due_within_days=due_within_days, limit=limit
    )


class CaseDetail(BaseModel):
    case: CaseView
    timeline: list[queries.TimelineEntry]


@router.get("/cases/{ref}", response_model=CaseDetail)
async def get_case(ref: str, actor: Actor = Depends(reads_case), svc: Services = Depends(services)) -> Any:
    timeline = await run_in_threadpool(queries.case_history, svc, ref)
    return CaseDetail(case=await read(svc, ref), timeline=timeline)


REFUSED: dict[int | str, dict[str, Any]] = {
    409: {"description": "refused by a statutory or engine rule: field and reason"},
    503: {"description": "not answered in time or the case busy: field, reason and Retry-After"},
}


def _register_action(name: str, command: type[BaseModel]) -> None:
    Body = body_model(command)

    async def act(
        ref: str,
        body: Body,  # type: ignore[valid-type]  # a model made at run time from the command
        actor: Actor = Depends(acts_on_case),
        svc: Services = Depends(services),
        idempotency_key: IdempotencyKey = None,
    ) -> CaseView:
        values = body.model_dump()  # type: ignore[attr-defined]  # as above
        await run_in_threadpool(check_body_team, svc, command, values, actor)
        return await send(svc, ref, command(**values, by=actor), idempotency_key)

    router.add_api_route(
        f"/cases/{{ref}}/{name}",
        act,
        methods=["POST"],
        response_model=CaseView,
        name=name,
        summary=f"Apply '{name}' to the case",
        description=(
            f"Apply '{name}' to the case: refused with 409 and the rule's reason if a rule "
            f"forbids it.\n\n{IDEMPOTENCY_DOC}"
        ),
        responses=REFUSED,
    )


for _name, _command in ACTIONS.items():
    _register_action(_name, _command)


class Appeal(BaseModel):
    """Mediation or a tribunal appeal about a decision of the case (SEN2 ``*Mediation``, ``*Tribunal``)."""

    id: int
    route: Route
    disputes: Disputed
    started_on: date | None  # None: a SEN2 flag imported without its date
    outcome: AppealOutcome | None
    outcome_on: date | None


AppealBody = body_model(RecordAppeal, name="AppealBody")
AppealOutcomeBody = body_model(RecordAppealOutcome, name="AppealOutcomeBody")


def _appeal(row: Any) -> Appeal:
    return Appeal(
        id=row.id,
        route=row.route,
        disputes=row.disputes,
        started_on=row.started_on,
        outcome=row.outcome,
        outcome_on=row.outcome_on,
    )


@router.get("/cases/{ref}/appeals", response_model=list[Appeal])
def list_appeals(ref: str, actor: Actor = Depends(reads_case), svc: Services = Depends(services)) -> Any:
    with svc.sessions() as session:
        return [_appeal(r) for r in appeals.appeals_of(session, ref)]


@router.post(
    "/cases/{ref}/appeals",
    status_code=status.HTTP_201_CREATED,
    response_model=Appeal,
    responses={
        409: {"description": "refused by a rule (after the decision it disputes...): field and reason"}
    },
)
def record_appeal(
    ref: str,
    body: AppealBody,  # type: ignore[valid-type]  # a model made at run time from the command
    actor: Actor = Depends(acts_on_case),
    svc: Services = Depends(services),
) -> Any:
    """Record mediation or a tribunal appeal, on an open or a closed case, after the decision it disputes."""
    cmd = RecordAppeal(**body.model_dump(), by=actor)  # type: ignore[attr-defined]  # as above
    try:
        with svc.sessions.begin() as session:
            return _appeal(appeals.record_appeal(session, ref, cmd, today(), datetime.now(UTC)))
    except RuleViolation as err:
        raise refused(err.field, err.reason) from None


@router.post("/cases/{ref}/appeals/{appeal_id}/outcome", response_model=Appeal)
def record_appeal_outcome(
    ref: str,
    appeal_id: int,
    body: AppealOutcomeBody,  # type: ignore[valid-type]  # a model made at run time from the command
    actor: Actor = Depends(acts_on_case),
    svc: Services = Depends(services),
) -> Any:
    cmd = RecordAppealOutcome(**body.model_dump(), by=actor)  # type: ignore[attr-defined]  # as above
    try:
        with svc.sessions.begin() as session:
            return _appeal(appeals.record_outcome(session, ref, appeal_id, cmd, today(), datetime.now(UTC)))
    except RuleViolation as err:
        raise refused(err.field, err.reason) from None


@router.get("/inbox", response_model=list[queries.Task])
def inbox(
    request: Request,
    team: str | None = Query(None, pattern=r"^[A-Za-z0-9 _-]{1,64}$"),
    actor: Actor = Depends(current_actor),
    svc: Services = Depends(services),
) -> Any:
    """Advice awaited from a team, soonest due first (a provider sees its own team only; a case
    officer the advice asked for on their own team's cases)."""
    if actor.role not in OFFICERS | PROVIDERS:
        forbid(svc, request, actor, "the inbox is for providers and case officers")
    own = listed_team(svc, request, actor)
    if actor.role in PROVIDERS:
        return queries.advice_tasks(svc, own)
    return queries.advice_tasks(svc, team, case_team=own)


# a provider's actions on one advice request: URL verb -> (case action, summary, description)
TASK_ACTIONS = {
    "submit": ("submit-advice", "Submit Task", "The provider's advice, returned on a date."),
    "exception": (
        "record-exception",
        "Task Exception",
        "A reg 8(2) exception (A-PERS, A-ABS, A-APPT) recorded by the provider.",
    ),
    "received": (
        "advice-request-received",
        "Task Received",
        "The date the team received the request: its 6 weeks count from then (reg 8(1)).",
    ),
}


def _register_task_action(verb: str, action: str, summary: str, description: str) -> None:
    """An action on one advice request, by its provider's team (or a case officer)."""
    command = ACTIONS[action]
    Body = body_model(command, ("advice_id",), f"Task{verb.title()}")

    async def act(
        ref: str,
        advice_id: str,
        body: Body,  # type: ignore[valid-type]  # a model made at run time from the command
        actor: Actor = Depends(owns_task),
        svc: Services = Depends(services),
        idempotency_key: IdempotencyKey = None,
    ) -> CaseView:
        cmd = command(**body.model_dump(), advice_id=advice_id, by=actor)  # type: ignore[attr-defined]
        return await send(svc, ref, cmd, idempotency_key)

    router.add_api_route(
        f"/tasks/{{ref}}/{{advice_id}}/{verb}",
        act,
        methods=["POST"],
        response_model=CaseView,
        name=f"task_{verb}",
        summary=summary,
        description=f"{description}\n\n{IDEMPOTENCY_DOC}",
        responses=REFUSED,
    )


for _verb, (_action, _summary, _description) in TASK_ACTIONS.items():
    _register_task_action(_verb, _action, _summary, _description)


@router.get("/kpis")
def kpis(
    month: str | None = Query(None, pattern=r"^\d{4}-\d{2}$"),
    actor: Actor = Depends(manager),
    svc: Services = Depends(services),
) -> Any:
    from domain.kpis import parse_month
    from ehcna.reports.exports import kpis_json
    from ehcna.reports.overview import build_overview

    try:
        period = parse_month(month) if month else queries.last_complete_month(today())
    except ValueError as err:
        raise refused("month", str(err), status.HTTP_422_UNPROCESSABLE_CONTENT) from None
    with queries.reader(svc) as conn:
        return kpis_json(build_overview(conn, period, today()))


@router.get("/exports/sen2.csv")
def sen2_csv(actor: Actor = Depends(manager), svc: Services = Depends(services)) -> StreamingResponse:
    import io

    from ehcna.reports.exports import write_sen2_csv

    buf = io.StringIO()
    with queries.reader(svc) as conn:
        write_sen2_csv(conn, buf)
    return StreamingResponse(iter([buf.getvalue()]), media_type="text/csv")


@router.get("/me")
def me(actor: Actor = Depends(current_actor)) -> dict[str, Any]:
    return {"user": actor.user, "role": actor.role, "team": actor.team, "roles": [r.value for r in Role]}


class OfficerBody(BaseModel):
    officer: str = Field(min_length=1, max_length=64)


@router.put("/cases/{ref}/officer", status_code=status.HTTP_204_NO_CONTENT)
async def assign_case_officer(
    ref: str, body: OfficerBody, actor: Actor = Depends(acts_on_case), svc: Services = Depends(services)
) -> None:
    """Name the case's officer (an officer of the case's team); the change is audited."""
    team = await team_of_case(svc, ref)
    await run_in_threadpool(assign_officer, svc, ref, team, body.officer, actor)


class ChildBody(BaseModel):
    child: Person
    contacts: list[Contact] | None = Field(default=None, max_length=6)  # None: leave them as they are


class ChildDetail(BaseModel):
    child: Person | None
    contacts: list[Contact]
    officer: str | None


@router.get("/cases/{ref}/child", response_model=ChildDetail)
async def case_child(ref: str, actor: Actor = Depends(reads_case), svc: Services = Depends(services)) -> Any:
    """The case's child, parents or carers and named officer (personal data: the store only)."""
    family = await run_in_threadpool(queries.case_family, svc, ref)
    return ChildDetail(child=family.child, contacts=family.contacts, officer=family.officer)


@router.put("/cases/{ref}/child", response_model=ChildDetail)
async def change_case_child(
    ref: str, body: ChildBody, actor: Actor = Depends(acts_on_case), svc: Services = Depends(services)
) -> Any:
    """Record or correct the case's child (and, if given, replace the contacts); audited by field."""
    await run_in_threadpool(save_child, svc, ref, body.child, actor)
    if body.contacts is not None:
        await run_in_threadpool(replace_contacts, svc, ref, body.contacts, actor)
    family = await run_in_threadpool(queries.case_family, svc, ref)
    return ChildDetail(child=family.child, contacts=family.contacts, officer=family.officer)


class WorkItemOut(BaseModel):
    ref: str
    team: str
    officer: str | None
    stage: str
    day0: date
    next_deadline: str | None  # the deadline's code (T1, T2:HEALTH-1, T3, T6)
    next_due: date | None
    days_late: int  # 0 when not late
    next_step: str  # in words, as the worklist says it
    week20_exception: bool
    child: str | None  # the child's name (personal data: officers of the case's team only)
    new_advice: list[str]  # advice returned in the last 14 days


class WorkPageOut(BaseModel):
    items: list[WorkItemOut]
    total: int
    page: int
    pages: int


@router.get("/worklist", response_model=WorkPageOut)
async def worklist_json(
    request: Request,
    query: WorkQuery = Depends(work_query),
    actor: Actor = Depends(officer),
    svc: Services = Depends(services),
) -> Any:
    """The worklist as the officer's home page shows it: open cases, most urgent first."""
    _, _, work, on = await worklist_page(request, svc, actor, query)
    items = []
    for item in work.items:
        step = step_of(item, on)
        items.append(
            WorkItemOut(
                ref=item.ref,
                team=item.team,
                officer=item.officer,
                stage=item.stage,
                day0=item.day0,
                next_deadline=item.next_key,
                next_due=item.next_due,
                days_late=step.late_days,
                next_step=step.text,
                week20_exception=item.week20_exception,
                child=f"{item.forename} {item.surname}" if item.surname else None,
                new_advice=[advice_id for advice_id, _ in item.new_advice],
            )
        )
    return WorkPageOut(items=items, total=work.total, page=work.page, pages=work.pages)
