"""A child's parent and carer contacts: at most MAX_CONTACTS, counted under the child's lock, so two
officers adding one at the same moment cannot pass the cap (nor collide on a position)."""

import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from domain.errors import RuleViolation
from domain.person import MAX_CONTACTS, Contact, Person
from ehcna.store import people
from ehcna.store.models import AuditRow, ContactRow
from tests.domain.builders import OFFICER

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def contact(n: int) -> Contact:
    return Contact(name=f"Carer {n}", relationship="Parent", phone="01234 567890", preferred="phone")


def a_child(db) -> str:
    with db.sessions.begin() as s:
        return people.add_person(
            s, Person(forename="Ada", surname="Quill", birth_date=date(2015, 1, 1)), OFFICER, AT
        )


def count(db, person_id: str) -> int:
    with db.sessions() as s:
        return s.scalar(sa.select(sa.func.count()).where(ContactRow.person_id == person_id)) or 0


def test_contacts_are_added_in_order_up_to_the_cap_then_refused_naming_the_field(db):
    pid = a_child(db)
    for n in range(MAX_CONTACTS):
        with db.sessions.begin() as s:
            people.add_contact(s, pid, contact(n), OFFICER, AT + timedelta(seconds=n))
    with pytest.raises(RuleViolation) as refused, db.sessions.begin() as s:
        people.add_contact(s, pid, contact(99), OFFICER, AT + timedelta(minutes=1))
    assert refused.value.field == "contacts" and f"at most {MAX_CONTACTS}" in refused.value.reason
    with db.sessions() as s:
        assert [c.name for c in people.contacts_of(s, pid)] == [f"Carer {n}" for n in range(MAX_CONTACTS)]
        assert s.scalar(sa.select(sa.func.count()).where(AuditRow.action == "add_contact")) == MAX_CONTACTS
    with pytest.raises(RuleViolation) as too_many, db.sessions.begin() as s:
        people.set_contacts(s, pid, [contact(n) for n in range(MAX_CONTACTS + 1)], OFFICER, AT)
    assert too_many.value.field == "contacts"
    assert count(db, pid) == MAX_CONTACTS


def test_a_contact_for_no_child_is_refused(db):
    with pytest.raises(RuleViolation) as refused, db.sessions.begin() as s:
        people.add_contact(s, "no-such-person", contact(1), OFFICER, AT)
    assert refused.value.field == "person"


def test_two_contacts_added_at_once_to_a_child_one_short_of_the_cap_let_one_in(db):
    pid = a_child(db)
    with db.sessions.begin() as s:
        people.set_contacts(s, pid, [contact(n) for n in range(MAX_CONTACTS - 1)], OFFICER, AT)
    inside, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first() -> None:
        with db.sessions.begin() as s:
            people.add_contact(s, pid, contact(100), OFFICER, AT + timedelta(seconds=1))
            inside.set()
            release.wait(10)  # still uncommitted while the second one counts

    def second() -> None:
        try:
            with db.sessions.begin() as s:
                people.add_contact(s, pid, contact(200), OFFICER, AT + timedelta(seconds=2))
            outcome["second"] = "added"
        except RuleViolation as err:
            outcome["second"] = err.field
        except Exception as err:  # a race lost to the database: what the lock prevents
            outcome["second"] = type(err).__name__

    one = threading.Thread(target=first)
    one.start()
    assert inside.wait(10)
    two = threading.Thread(target=second)
    two.start()
    time.sleep(0.5)  # the second is waiting for the child's record
    release.set()
    one.join(30)
    two.join(30)
    assert outcome == {"second": "contacts"}
    assert count(db, pid) == MAX_CONTACTS
