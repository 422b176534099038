"""A case's child, family and named officer, around the start of a case (API and pages alike).

Everything is checked before the workflow starts (nothing is stored if anything is wrong); once the
case has started, the child, the contacts and the officer are written in one transaction. Personal
data goes to the store only: the workflow knows the case reference, never the child.
"""

from datetime import UTC, date, datetime

from fastapi import HTTPException, status
from pydantic import BaseModel, Field

from domain.commands import Actor, Role, StartAssessment
from domain.errors import RuleViolation
from domain.person import Contact, Person, check_year_group
from ehcna.store import officers, people
from ehcna.store.models import PersonRow
from ehcna.web import queries
from ehcna.web.services import Services


class Family(BaseModel):
    """Who the case is about: a new child (``child``) or one already recorded (``child_id``)."""

    child: Person | None = None
    child_id: str | None = Field(default=None, max_length=36)
    contacts: list[Contact] = Field(default_factory=list, max_length=6)
    officer: str | None = Field(default=None, max_length=64)  # the named case officer


def unprocessable(field: str, reason: str, **more: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, {"field": field, "reason": reason, **more})


def officer_for(actor: Actor, family: Family) -> str | None:
    """The officer named, else the case officer starting the case (a manager's start is unassigned)."""
    return family.officer or (actor.user if actor.role is Role.CASE_OFFICER else None)


def check_family(svc: Services, command: StartAssessment, family: Family, officer: str | None) -> None:
    """Refuse (422, the field and the reason) anything about the child, family or officer that is
    wrong, before the case starts."""
    if family.child is not None and family.child_id is not None:
        raise unprocessable("child_id", "give a new child or an existing child's record, not both")
    with svc.sessions() as session:
        if officer is not None:
            try:
                officers.check_officer(session, officer, command.team)
            except RuleViolation as err:
                raise unprocessable(err.field, err.reason) from None
        if family.child_id is not None:
            row = session.get(PersonRow, family.child_id)
            if row is None:
                raise unprocessable("child_id", "there is no child with this record id")
            child = people.person_model(row)
        elif family.child is not None:
            child = family.child
            existing = people.same_child(session, child)
            if existing is not None:
                field = "upn" if child.upn else "nhs_number"
                raise unprocessable(
                    field,
                    f"a child with this {'UPN' if field == 'upn' else 'NHS number'} is already recorded: "
                    "start the case for the existing child",
                    existing_child=existing,
                )
        else:
            return
    try:
        child.check_born(command.day0)
        check_year_group(child.birth_date, command.year_group, command.day0)
    except RuleViolation as err:
        raise unprocessable(err.field, err.reason) from None


def record_family(
    svc: Services, command: StartAssessment, family: Family, officer: str | None, by: Actor, on: date
) -> None:
    """After the start: the child (new or found), the contacts and the officer, in one transaction."""
    at = datetime.now(UTC)
    with svc.sessions.begin() as session:
        person_id = family.child_id
        if family.child is not None:
            person_id = people.add_person(session, family.child, by, at)
        if person_id is not None:
            people.link(session, command.ref, person_id)
            if family.contacts:
                people.set_contacts(session, person_id, family.contacts, by, at)
        if officer is not None:
            officers.assign(session, command.ref, officer, command.team, by, on, at)


# ---------------------------------------------------------------- after the start: changes, each audited


def case_team_of(svc: Services, ref: str) -> str:
    team = queries.case_team(svc, ref)
    if team is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no case {ref} in the store yet")
    return team


def _conflict(err: RuleViolation) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, {"field": err.field, "reason": err.reason})


def assign_officer(svc: Services, ref: str, officer: str, by: Actor) -> None:
    team = case_team_of(svc, ref)
    try:
        with svc.sessions.begin() as session:
            officers.assign(session, ref, officer, team, by, queries.today(), datetime.now(UTC))
    except RuleViolation as err:
        raise _conflict(err) from None


def save_child(svc: Services, ref: str, child: Person, by: Actor) -> None:
    """The case's child corrected, or recorded if the case has none yet (a duplicate refused)."""
    now = datetime.now(UTC)
    try:
        with svc.sessions.begin() as session:
            row = people.person_of(session, ref)
            if row is None:
                people.link(session, ref, people.add_person(session, child, by, now))
            else:
                people.change_person(session, row.id, child, by, now)
    except RuleViolation as err:
        raise _conflict(err) from None


def add_contact(svc: Services, ref: str, contact: Contact, by: Actor) -> None:
    with svc.sessions.begin() as session:
        row = people.person_of(session, ref)
        if row is None:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                {"field": "contact_name", "reason": "record the child's details first"},
            )
        held = people.contacts_of(session, row.id)
        people.set_contacts(session, row.id, [*held, contact], by, datetime.now(UTC))


def replace_contacts(svc: Services, ref: str, contacts: list[Contact], by: Actor) -> None:
    with svc.sessions.begin() as session:
        row = people.person_of(session, ref)
        if row is None:
            raise HTTPException(
                status.HTTP_409_CONFLICT, {"field": "contacts", "reason": "record the child's details first"}
            )
        people.set_contacts(session, row.id, contacts, by, datetime.now(UTC))
