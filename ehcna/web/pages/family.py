"""The case's child, their parents or carers, and its named officer: changed from the case page.

Every change is audited (the fields changed, never their values); a UPN or NHS number that is
another child's is refused with the field.
"""

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError
from pydantic import Field as ModelField
from starlette.concurrency import run_in_threadpool

from domain.access import CaseAccess
from domain.commands import Actor
from domain.person import Contact, Person
from ehcna.store import officers
from ehcna.web import queries
from ehcna.web.casework import add_contact, assign_officer, save_child
from ehcna.web.pages import csrf
from ehcna.web.pages.auth import allow
from ehcna.web.pages.forms import Field, FormState, blank, submit_form
from ehcna.web.pages.rendering import render
from ehcna.web.pages.start import CHILD, CONTACT
from ehcna.web.security import OFFICERS, case_access, services, team_of_case
from ehcna.web.services import Services

router = APIRouter(include_in_schema=False)
acts_on_case = case_access(CaseAccess.ACT, allow(OFFICERS, "case work"))


class AssignOfficer(BaseModel):
    officer: str = ModelField(min_length=1, max_length=64)


class NewContact(BaseModel):
    """The contact form's fields, named as on the start form."""

    contact_name: str
    contact_relationship: str
    contact_email: str | None = None
    contact_phone: str | None = None
    contact_address: str | None = None
    contact_preferred: str = "email"
    contact_interpreter_language: str | None = None

    def contact(self) -> Contact:
        return Contact.model_validate({k.removeprefix("contact_"): v for k, v in self.model_dump().items()})


# ---------------------------------------------------------------- the named officer


def _officer_field(svc: Services, team: str) -> tuple[Field, ...]:
    with svc.sessions() as session:
        names = officers.officers_of(session, team)
    return (
        Field(
            "officer", "Case officer", "select", options=tuple((n, n) for n in names), noun="a case officer"
        ),
    )


@router.get("/cases/{ref}/officer")
async def officer_form(
    ref: str, request: Request, actor: Actor = Depends(acts_on_case), svc: Services = Depends(services)
) -> Response:
    fields = await run_in_threadpool(_officer_field, svc, await team_of_case(svc, ref))
    with svc.sessions() as session:
        current = officers.officer_of(session, ref)
    return _page(request, actor, ref, blank(fields, officer=current), "officer")


@router.post("/cases/{ref}/officer")
async def change_officer(
    ref: str, request: Request, actor: Actor = Depends(acts_on_case), svc: Services = Depends(services)
) -> Response:
    data = csrf.fields(await csrf.checked_form(request))
    team = await team_of_case(svc, ref)
    fields = await run_in_threadpool(_officer_field, svc, team)

    async def send(command: AssignOfficer) -> None:
        await run_in_threadpool(assign_officer, svc, ref, team, command.officer, actor)

    return await submit_form(
        request,
        fields,
        data,
        AssignOfficer,
        send=send,
        show=lambda form, code: _page(request, actor, ref, form, "officer", code),
        done=lambda c: f"{c.officer} is now the case officer",
        then=f"/cases/{ref}",
        refused=(status.HTTP_409_CONFLICT, status.HTTP_422_UNPROCESSABLE_CONTENT),
    )


# ---------------------------------------------------------------- the child


@router.get("/cases/{ref}/child")
async def child_form(
    ref: str, request: Request, actor: Actor = Depends(acts_on_case), svc: Services = Depends(services)
) -> Response:
    family = await run_in_threadpool(queries.case_family, svc, ref)
    values = family.child.model_dump() if family.child else {}
    return _page(request, actor, ref, blank(CHILD, **values), "child")


@router.post("/cases/{ref}/child")
async def change_child(
    ref: str, request: Request, actor: Actor = Depends(acts_on_case), svc: Services = Depends(services)
) -> Response:
    data = csrf.fields(await csrf.checked_form(request))

    async def send(child: Person) -> None:
        await run_in_threadpool(save_child, svc, ref, child, actor)

    return await submit_form(
        request,
        CHILD,
        data,
        Person,
        send=send,
        show=lambda form, code: _page(request, actor, ref, form, "child", code),
        done="The child's details are saved",
        then=f"/cases/{ref}",
        refused=(status.HTTP_409_CONFLICT, status.HTTP_422_UNPROCESSABLE_CONTENT),
    )


@router.get("/cases/{ref}/contacts/new")
def contact_form(ref: str, request: Request, actor: Actor = Depends(acts_on_case)) -> Response:
    return _page(request, actor, ref, blank(CONTACT), "contact")


@router.post("/cases/{ref}/contacts/new")
async def new_contact(
    ref: str, request: Request, actor: Actor = Depends(acts_on_case), svc: Services = Depends(services)
) -> Response:
    data = csrf.fields(await csrf.checked_form(request))

    async def send(form: NewContact) -> None:
        try:
            contact = form.contact()
        except ValidationError as err:  # the contact's own checks, on the box they concern
            first = err.errors()[0]
            field = f"contact_{first['loc'][0]}" if first["loc"] else "contact_preferred"
            reason = str(first["msg"]).removeprefix("Value error, ")
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, {"field": field, "reason": reason}
            ) from None
        await run_in_threadpool(add_contact, svc, ref, contact, actor)

    return await submit_form(
        request,
        CONTACT,
        data,
        NewContact,
        send=send,
        show=lambda form, code: _page(request, actor, ref, form, "contact", code),
        done="The contact is added",
        then=f"/cases/{ref}",
        refused=(status.HTTP_409_CONFLICT, status.HTTP_422_UNPROCESSABLE_CONTENT),
    )


TITLES = {
    "officer": ("Change the case officer", "The officer who holds the case. The change is recorded.", "Save"),
    "child": (
        "The child or young person",
        "Personal details are kept in the council's case store only.",
        "Save",
    ),
    "contact": ("Add a parent or carer", "Decisions and notices are sent to them.", "Add contact"),
}


def _page(
    request: Request, actor: Actor, ref: str, form: FormState, kind: str, status_code: int = 200
) -> HTMLResponse:
    title, intro, button = TITLES[kind]
    path = {"officer": "officer", "child": "child", "contact": "contacts/new"}[kind]
    return render(
        request,
        "form_page.html",
        actor,
        status_code,
        form=form,
        title=title,
        caption=f"Case {ref}",
        intro=intro,
        action=f"/cases/{ref}/{path}",
        button=button,
        back=f"/cases/{ref}",
    )
