"""Start an assessment: the request, the child or young person, a parent or carer, the case officer.

One page, in three sections. A child already recorded (found by UPN or NHS number) is not recorded
twice: the page leads the officer to start the case for the existing record (``?child=<id>``).
"""

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from domain.access import CaseAccess
from domain.commands import Actor, StartAssessment
from domain.person import CURRENT_SETTING_TYPES, ETHNICITY, UPN_UNKNOWN, Contact, ContactWay, Person
from ehcna.gateway.errors import GatewayError
from ehcna.store import officers
from ehcna.store.models import PersonRow
from ehcna.web import queries
from ehcna.web.casework import Family, check_family, officer_for, record_family
from ehcna.web.errors import http_error
from ehcna.web.pages import csrf
from ehcna.web.pages.action_forms import START
from ehcna.web.pages.auth import allow
from ehcna.web.pages.forms import Field, FormState, add_errors, blank, parse, refusal, validate, with_teams
from ehcna.web.pages.rendering import flash, long_date, render
from ehcna.web.query_text import query_text_problem
from ehcna.web.security import OFFICERS, authorise, child_refused, forbid, services
from ehcna.web.services import Services, TeamInfo
from ehcna.web.teams import check_team

router = APIRouter(include_in_schema=False)
officer = allow(OFFICERS, "case work")

# The start form is not under /cases/: any word there could be a case's reference ("new" is one).
START_PATH = "/start-assessment"

CHILD = (
    Field("forename", "First name", width="govuk-input--width-20", autocomplete="off"),
    Field("surname", "Last name", width="govuk-input--width-20", autocomplete="off"),
    Field("birth_date", "Date of birth", "date", hint="For example, 27 3 2015", noun="the date of birth"),
    Field("sex", "Sex", "radios", options=(("F", "Female"), ("M", "Male")), noun="the child's sex"),
    Field(
        "ethnicity", "Ethnicity (optional)", "select", options=tuple(ETHNICITY.items()), noun="the ethnicity"
    ),
    Field("postcode", "Home postcode (optional)", width="govuk-input--width-10", noun="the postcode"),
    Field(
        "upn",
        "Unique pupil number (UPN)",
        hint="13 characters, starting with a letter. Leave blank if the child has none and choose why below.",
        width="govuk-input--width-20",
        noun="the UPN",
    ),
    Field("uln", "Unique learner number (ULN, optional)", width="govuk-input--width-10", noun="the ULN"),
    Field(
        "upn_unknown",
        "If no UPN or ULN is known, why",
        "select",
        options=tuple(UPN_UNKNOWN.items()),
        noun="why no UPN is known",
    ),
    Field("nhs_number", "NHS number (optional)", width="govuk-input--width-10", noun="the NHS number"),
    Field(
        "setting_urn",
        "Current school or setting: URN (optional)",
        hint="6 digits, from Get Information about Schools.",
        width="govuk-input--width-10",
        noun="the school's URN",
    ),
    Field(
        "setting_ukprn",
        "Or the provider's UKPRN (optional)",
        hint="8 digits, for a college or training provider.",
        width="govuk-input--width-10",
        noun="the UKPRN",
    ),
    Field(
        "setting_type",
        "Or, without a URN or UKPRN",
        "select",
        options=tuple(CURRENT_SETTING_TYPES.items()),
        noun="the current setting",
    ),
)
CONTACT = (
    Field("contact_name", "Full name", width="govuk-input--width-20", noun="the parent or carer's name"),
    Field(
        "contact_relationship",
        "Relationship to the child",
        hint="For example, mother, father, foster carer.",
        width="govuk-input--width-20",
        noun="the relationship to the child",
    ),
    Field("contact_email", "Email address", width="govuk-input--width-30", noun="the email address"),
    Field("contact_phone", "Phone number", width="govuk-input--width-20", noun="the phone number"),
    Field("contact_address", "Postal address", "textarea", noun="the postal address"),
    Field(
        "contact_preferred",
        "How do they prefer to be contacted?",
        "radios",
        options=(
            (ContactWay.EMAIL.value, "Email"),
            (ContactWay.PHONE.value, "Phone"),
            (ContactWay.POST.value, "Post"),
        ),
        noun="how they prefer to be contacted",
    ),
    Field(
        "contact_interpreter_language",
        "Interpreter needed: language (optional)",
        hint="Leave blank if no interpreter is needed.",
        width="govuk-input--width-20",
        noun="the interpreter's language",
    ),
)
OFFICER = Field(
    "officer", "Case officer", "select", hint="The officer who will hold the case.", noun="a case officer"
)


def _fields(officer_names: list[str], existing: bool, teams: Mapping[str, TeamInfo]) -> tuple[Field, ...]:
    chosen = (Field(**{**OFFICER.__dict__, "options": tuple((n, n) for n in officer_names)}),)
    request_fields = with_teams(START, teams) + chosen
    return request_fields if existing else request_fields + CHILD + CONTACT


def _split(answers: dict[str, Any], form: FormState, existing: str | None) -> Family | None:
    """The child and contact of the answers, each error on its box; None if any is wrong."""
    child: Person | None = None
    contacts: list[Contact] = []
    if existing is None:
        try:
            child = Person.model_validate({f.name: answers[f.name] for f in CHILD if f.name in answers})
        except ValidationError as err:  # a complaint about the whole child: the UPN's reason, or the setting
            whole = "upn_unknown" if "UPN" in str(err) else "setting_urn"
            add_errors(form, err, fallback=whole)
        contact = {f.name.removeprefix("contact_"): answers[f.name] for f in CONTACT if f.name in answers}
        try:
            contacts = [Contact.model_validate(contact)]
        except ValidationError as err:
            add_errors(form, err, "contact_", fallback="contact_preferred")
    if form.errors:
        return None
    return Family(child=child, child_id=existing, contacts=contacts, officer=answers.get("officer"))


def _officers(svc: Services, team: str | None) -> list[str]:
    if not team:
        return []
    with svc.sessions() as session:
        return officers.officers_of(session, team)


def _child(svc: Services, request: Request, actor: Actor, child_id: str | None) -> PersonRow | None:
    """The existing child a case is started for: 404 if there is none, 403 (audited) if ``actor``
    may not see them (a child on another team's cases only)."""
    if not child_id:
        return None
    if query_text_problem(child_id) is not None or len(child_id) > 36:  # never a record id
        raise HTTPException(404, "no such child")
    with svc.sessions() as session:
        row = session.get(PersonRow, child_id)
        if row is not None:
            session.expunge(row)
    if row is None:
        raise HTTPException(404, "no such child")
    reason = child_refused(svc, actor, child_id)
    if reason is not None:
        forbid(svc, request, actor, reason)
    return row


@router.get(START_PATH)
async def new_case(
    request: Request,
    child: str | None = None,
    actor: Actor = Depends(officer),
    svc: Services = Depends(services),
) -> Response:
    existing = await run_in_threadpool(_child, svc, request, actor, child)
    names = await run_in_threadpool(_officers, svc, actor.team)
    fields = _fields(names, existing is not None, svc.teams)
    form = blank(fields, team=actor.team, officer=actor.user if actor.user in names else None)
    return _page(request, actor, form, existing)


@router.post(START_PATH)
async def start_case(
    request: Request, actor: Actor = Depends(officer), svc: Services = Depends(services)
) -> Response:
    data = csrf.fields(await csrf.checked_form(request))
    existing = await run_in_threadpool(_child, svc, request, actor, data.get("child_id") or None)
    names = await run_in_threadpool(_officers, svc, data.get("team") or actor.team)
    form, answers = parse(_fields(names, existing is not None, svc.teams), data)
    if answers.get("team"):  # another team's officer is refused (and audited) before anything else
        await run_in_threadpool(authorise, svc, request, actor, CaseAccess.ACT, answers["team"], None)
    command = validate(
        StartAssessment, {f.name: answers[f.name] for f in START if f.name in answers}, form, by=actor
    )
    family = _split(answers, form, existing.id if existing else None)
    if command is None or family is None or form.errors:
        return _page(request, actor, form, existing, 422)
    officer_name = officer_for(actor, family)
    try:
        await run_in_threadpool(check_team, svc, "team", command.team, True, actor)
        await run_in_threadpool(check_family, svc, command, family, officer_name)
        try:
            await svc.cases.start(command, queries.today())
        except GatewayError as err:  # a reference already used is a conflict; a bad date is not
            raise http_error(err) from None
    except HTTPException as err:
        if err.status_code not in (409, 422, 503):
            raise
        refusal(form, err.detail)
        found = err.detail.get("existing_child") if isinstance(err.detail, dict) else None
        return _page(request, actor, form, existing, err.status_code, found=found)
    await run_in_threadpool(record_family, svc, command, family, officer_name, actor, queries.today())
    flash(request, f"Assessment {command.ref} started")
    return RedirectResponse(f"/cases/{command.ref}", status_code=303)


def _page(
    request: Request,
    actor: Actor,
    form: FormState,
    existing: PersonRow | None,
    status_code: int = 200,
    found: str | None = None,
) -> HTMLResponse:
    return render(
        request,
        "officer/start.html",
        actor,
        status_code,
        form=form,
        child=existing,
        found=found,
        request_fields=[f for f in form.fields if f.name in {g.name for g in (*START, OFFICER)}],
        child_fields=[f for f in form.fields if f in CHILD],
        contact_fields=[f for f in form.fields if f in CONTACT],
        action=START_PATH,
        long_date=long_date,
    )
