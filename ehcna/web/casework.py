"""A case's child, family and named officer, around the start of a case (API and pages alike).

Everything is checked before the workflow starts (nothing is stored if anything is wrong); once the
case has started, the child, the contacts and the officer are written in one transaction. Personal
data goes to the store only: the workflow knows the case reference, never the child.
"""

from datetime import UTC, date, datetime

from fastapi import HTTPException, status
from pydantic import BaseModel, Field

from domain.access import OTHER_TEAMS_CHILD
from domain.commands import Actor, Role, StartAssessment
from domain.errors import RuleViolation
from domain.person import MAX_CONTACTS, Contact, Person, check_year_group
from ehcna.store import officers, people
from ehcna.store.models import PersonRow
from ehcna.web import queries
from ehcna.web.security import child_refused, refuse
from ehcna.web.services import Services


class Family(BaseModel):
    """Who the case is about: a new child (``child``) or one already recorded (``child_id``)."""

    child: Person | None = None
    child_id: str | None = Field(default=None, max_length=36)
    contacts: list[Contact] = Field(default_factory=list, max_length=MAX_CONTACTS)
    officer: str | None = Field(default=None, max_length=64)  # the named case officer


def officer_for(actor: Actor, family: Family) -> str | None:
    """The officer named, else the case officer starting the case (a manager's start is unassigned)."""
    return family.officer or (actor.user if actor.role is Role.CASE_OFFICER else None)


def check_family(svc: Services, command: StartAssessment, family: Family, officer: str | None) -> None:
    """Refuse (422, the field and the reason; audited) anything about the child, family or officer
    that is wrong, before the case starts; a child the starter may not see is 403, audited."""
    by = command.by
    if family.child is not None and family.child_id is not None:
        refuse(svc, by, "child_id", "give a new child or an existing child's record, not both")
    if family.contacts and family.child_id is not None:
        refuse(
            svc,
            by,
            "contacts",
            "an existing child keeps the parents and carers recorded for them: "
            "add or change them on the case once it has started",
        )
    if family.contacts and family.child is None:
        refuse(svc, by, "contacts", "parents and carers are recorded with their child: give the child too")
    if officer is not None:
        with svc.sessions() as session:
            valid = officers.officers_of(session, command.team)
        if officer not in valid:
            refuse(svc, by, "officer", officers.not_an_officer(officer, valid))
    if family.child_id is not None:
        child = _known_child(svc, by, family.child_id)
    elif family.child is not None:
        child = family.child
        _not_recorded_twice(svc, by, child)
    else:
        return
    try:
        child.check_born(command.day0)
        check_year_group(child.birth_date, command.year_group, command.day0)
    except RuleViolation as err:
        refuse(svc, by, err.field, err.reason)


def _known_child(svc: Services, by: Actor, person_id: str) -> Person:
    """An existing child's record, if ``by`` may see it (a child on another team's cases only is 403)."""
    with svc.sessions() as session:
        row = session.get(PersonRow, person_id)
        child = people.person_model(row) if row is not None else None
    if child is None:
        refuse(svc, by, "child_id", "there is no child with this record id")
    reason = child_refused(svc, by, person_id)
    if reason is not None:
        refuse(svc, by, "child_id", reason, code=status.HTTP_403_FORBIDDEN)
    return child


def _not_recorded_twice(svc: Services, by: Actor, child: Person) -> None:
    """A second record of one child is refused; the existing record is offered to whoever may see it."""
    with svc.sessions() as session:
        existing = people.same_child(session, child)
    if existing is None:
        return
    field = "upn" if child.upn else "nhs_number"
    what = "UPN" if child.upn else "NHS number"
    if child_refused(svc, by, existing) is None:
        refuse(
            svc,
            by,
            field,
            f"a child with this {what} is already recorded: start the case for the existing child",
            existing_child=existing,
        )
    refuse(svc, by, field, f"a child with this {what} is already recorded; {OTHER_TEAMS_CHILD}")


def record_family(
    svc: Services, command: StartAssessment, family: Family, officer: str | None, by: Actor, on: date
) -> None:
    """After the start: the child (new or found), the contacts and the officer, in one transaction."""
    at = datetime.now(UTC)
    with svc.sessions.begin() as session:
        person_id = family.child_id
        if family.child is not None:
            person_id = people.add_person(session, family.child, by, at)
            if family.contacts:  # an existing child's are never replaced from a start (check_family)
                people.set_contacts(session, person_id, family.contacts, by, at)
        if person_id is not None:
            people.link(session, command.ref, person_id)
        if officer is not None:
            officers.assign(session, command.ref, officer, command.team, by, on, at)


# ---------------------------------------------------------------- after the start: changes, each audited


def assign_officer(svc: Services, ref: str, team: str, officer: str, by: Actor) -> None:
    """Name ``officer`` (of ``team``, the case's team as security.team_of_case finds it)."""
    try:
        with svc.sessions.begin() as session:
            officers.assign(session, ref, officer, team, by, queries.today(), datetime.now(UTC))
    except RuleViolation as err:
        refuse(svc, by, err.field, err.reason, case_ref=ref)


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
        refuse(svc, by, err.field, err.reason, case_ref=ref)


def add_contact(svc: Services, ref: str, contact: Contact, by: Actor) -> None:
    with svc.sessions.begin() as session:
        row = people.person_of(session, ref)
        if row is None:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                {"field": "contact_name", "reason": "record the child's details first"},
            )
        try:
            people.add_contact(session, row.id, contact, by, datetime.now(UTC))
        except RuleViolation as err:  # one too many: said on the form's first box
            too_many = err.reason
        else:
            return
    refuse(svc, by, "contact_name", too_many, case_ref=ref)


def replace_contacts(svc: Services, ref: str, contacts: list[Contact], by: Actor) -> None:
    with svc.sessions.begin() as session:
        row = people.person_of(session, ref)
        if row is None:
            raise HTTPException(
                status.HTTP_409_CONFLICT, {"field": "contacts", "reason": "record the child's details first"}
            )
        people.set_contacts(session, row.id, contacts, by, datetime.now(UTC))
