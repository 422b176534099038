"""The child or young person of a case: kept once per child, found by UPN or NHS number.

Every write is audited without the personal data itself (the audit names the person's opaque id
and the fields changed, not their values).
"""

from collections.abc import Collection
from datetime import datetime
from uuid import uuid4

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from domain.commands import Actor
from domain.errors import RuleViolation
from domain.person import MAX_CONTACTS, Contact, Person
from ehcna.store.audit import append_audit
from ehcna.store.models import CasePersonRow, ContactRow, PersonRow
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
    session.execute(insert(PersonRow), [{"id": person_id, "updated_at": at, **_columns(person)}])
    _audit(session, person_id, "add_person", by, at, list(FIELDS))
    return person_id


def _columns(person: Person) -> dict[str, object]:
    return {**person.model_dump(), "surname_key": person.surname.lower()}


def change_person(session: Session, person_id: str, person: Person, by: Actor, at: datetime) -> list[str]:
    """Correct a child's record; the audit names the fields changed (not their values). A UPN or NHS
    number held by another child is refused, naming the field. Returns the fields changed."""
    row = session.get(PersonRow, person_id)
    if row is None:
        raise RuleViolation("person", "no such child")
    other = same_child(session, person)
    if other is not None and other != person_id:
        field = "upn" if person.upn and person.upn != row.upn else "nhs_number"
        raise RuleViolation(field, "another child's record has this number: check it")
    changed = [f for f in FIELDS if getattr(row, f) != getattr(person, f)]
    if changed:
        session.execute(
            update(PersonRow).where(PersonRow.id == person_id).values(updated_at=at, **_columns(person))
        )
        _audit(session, person_id, "change_person", by, at, changed)
    return changed


TOO_MANY_CONTACTS = f"a child's record holds at most {MAX_CONTACTS} parent and carer contacts"


def _hold(session: Session, person_id: str, at: datetime) -> None:
    """Hold the child's record until the transaction ends, so that two changes to their contacts run
    one after the other (each counts what the other wrote): the UPDATE takes the row's lock on
    PostgreSQL and the database's write lock on SQLite before anything is counted. The contacts are
    part of the record, so it is marked updated."""
    touched = update(PersonRow).where(PersonRow.id == person_id).values(updated_at=at)
    if session.scalar(touched.returning(PersonRow.id)) is None:
        raise RuleViolation("person", "no such child")


def add_contact(session: Session, person_id: str, contact: Contact, by: Actor, at: datetime) -> None:
    """One more parent or carer, after those held; audited. Past ``MAX_CONTACTS`` it is refused,
    naming the field ``contacts`` (counted under the child's lock: two at once cannot both pass)."""
    _hold(session, person_id, at)
    held = session.scalar(select(func.count()).where(ContactRow.person_id == person_id)) or 0
    if held >= MAX_CONTACTS:
        raise RuleViolation("contacts", f"{TOO_MANY_CONTACTS}: this child has {held} already")
    position = session.scalar(select(func.max(ContactRow.position)).where(ContactRow.person_id == person_id))
    row = {
        "person_id": person_id,
        "position": 0 if position is None else position + 1,
        **contact.model_dump(),
    }
    session.execute(insert(ContactRow), [row])
    _audit(session, person_id, "add_contact", by, at, [f"contacts[{held + 1}]"])


def set_contacts(session: Session, person_id: str, contacts: list[Contact], by: Actor, at: datetime) -> None:
    """The child's parent and carer contacts, in the order given (replacing those held); audited.
    More than ``MAX_CONTACTS`` are refused, naming the field ``contacts``."""
    if len(contacts) > MAX_CONTACTS:
        raise RuleViolation("contacts", f"{TOO_MANY_CONTACTS}: {len(contacts)} were given")
    _hold(session, person_id, at)
    session.execute(delete(ContactRow).where(ContactRow.person_id == person_id))
    if contacts:
        session.execute(
            insert(ContactRow),
            [{"person_id": person_id, "position": n, **c.model_dump()} for n, c in enumerate(contacts)],
        )
    _audit(session, person_id, "set_contacts", by, at, [f"contacts[{len(contacts)}]"])


def contacts_of(session: Session, person_id: str) -> list[Contact]:
    rows = session.scalars(
        select(ContactRow).where(ContactRow.person_id == person_id).order_by(ContactRow.position)
    ).all()
    return [Contact.model_validate({f: getattr(r, f) for f in Contact.model_fields}) for r in rows]


def people_of(session: Session, refs: Collection[str]) -> dict[str, Person]:
    """The child of each of ``refs`` that has one recorded."""
    if not refs:
        return {}
    rows = session.execute(
        select(CasePersonRow.case_ref, PersonRow)
        .join(PersonRow, PersonRow.id == CasePersonRow.person_id)
        .where(CasePersonRow.case_ref.in_(list(refs)))
    ).all()
    return {ref: person_model(row) for ref, row in rows}


def person_model(row: PersonRow) -> Person:
    return Person.model_validate({f: getattr(row, f) for f in FIELDS})


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
