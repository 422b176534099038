"""The child or young person of a case: kept once per child, found by UPN or NHS number.

Every write is audited without the personal data itself (the audit names the person's opaque id
and the fields changed, not their values).
"""

from datetime import datetime
from uuid import uuid4

from sqlalchemy import insert, or_, select
from sqlalchemy.orm import Session

from domain.commands import Actor
from domain.errors import RuleViolation
from domain.person import Person
from ehcna.store.audit import append_audit
from ehcna.store.models import CasePersonRow, PersonRow
from ehcna.store.upsert import insert_ignore

FIELDS = tuple(Person.model_fields)


def same_child(session: Session, person: Person) -> str | None:
    """The id of the stored record with this UPN or NHS number, if there is one."""
    keys = [c == v for c, v in ((PersonRow.upn, person.upn), (PersonRow.nhs_number, person.nhs_number)) if v]
    if not keys:
        return None
    return session.scalars(select(PersonRow.id).where(or_(*keys)).limit(1)).first()


def add_person(session: Session, person: Person, by: Actor, at: datetime) -> str:
    """A new child's record; one already held under the same UPN or NHS number is refused, naming it."""
    existing = same_child(session, person)
    if existing is not None:
        field = "upn" if person.upn else "nhs_number"
        raise RuleViolation(field, f"this child is already recorded (person {existing}): use that record")
    return _insert(session, person, by, at)


def _insert(session: Session, person: Person, by: Actor, at: datetime) -> str:
    person_id = str(uuid4())
    session.execute(insert(PersonRow), [{"id": person_id, "updated_at": at, **person.model_dump()}])
    _audit(session, person_id, "add_person", by, at, list(FIELDS))
    return person_id


def person_for_import(session: Session, person: Person, by: Actor, at: datetime) -> str:
    """The child of an imported case: the record already held (same UPN or NHS number), else a new one."""
    return same_child(session, person) or _insert(session, person, by, at)


def link(session: Session, case_ref: str, person_id: str) -> None:
    insert_ignore(session, CasePersonRow.__table__, {"case_ref": case_ref, "person_id": person_id})


def person_of(session: Session, case_ref: str) -> PersonRow | None:
    return session.scalars(
        select(PersonRow)
        .join(CasePersonRow, CasePersonRow.person_id == PersonRow.id)
        .where(CasePersonRow.case_ref == case_ref)
    ).first()


def _audit(session: Session, person_id: str, action: str, by: Actor, at: datetime, fields: list[str]) -> None:
    append_audit(
        session,
        key=f"person:{person_id}:{action}:{at.isoformat()}",
        case_ref=None,
        seq=None,
        action=action,
        by=by,
        at=at,
        detail={"person_id": person_id, "fields": fields},
    )
