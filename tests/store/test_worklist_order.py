"""The worklist's officer and name sorts put the cases without an officer, or without a child recorded,
last, and give the same order on SQLite and PostgreSQL (which put NULLs at opposite ends)."""

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from domain.person import Person
from ehcna.store import people
from ehcna.store.models import CaseOfficerRow, CaseRow
from ehcna.store.records import save_case
from ehcna.store.worklist import Filters, Sort, worklist
from tests.domain.builders import OFFICER, new_case

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DAY0 = date(2025, 11, 3)

# ref: (officer, child's surname and forename, days after DAY0 the request was received)
CASES = {
    "W-1": ("zoe", ("Brown", "Ada"), 0),
    "W-2": (None, ("Adams", "Cy"), 1),
    "W-3": ("amy", None, 2),
    "W-4": (None, None, 3),
    "W-5": ("amy", ("Adams", "Bo"), 4),
    "W-6": (None, ("Carr", "Di"), 5),  # its next step cleared: no deadline waiting
}


def _store(db) -> None:
    with db.sessions.begin() as s:
        for n, (ref, (officer, child, days)) in enumerate(CASES.items()):
            save_case(
                s,
                new_case(DAY0 + timedelta(days=days)).model_copy(update={"ref": ref}),
                f"ehcna-{ref}",
                1,
                AT,
            )
            if officer:
                s.add(CaseOfficerRow(case_ref=ref, officer=officer, assigned_on=DAY0, assigned_by="manager"))
            if child:
                surname, forename = child
                person = Person(forename=forename, surname=surname, birth_date=date(2015, 1, 1 + n))
                people.link(s, ref, people.add_person(s, person, OFFICER, AT))
        s.execute(sa.update(CaseRow).where(CaseRow.ref == "W-6").values(next_key=None, next_due=None))


def _order(db, sort: Sort) -> list[str]:
    with db.sessions() as s:
        return [i.ref for i in worklist(s, Filters(sort=sort), DAY0).items]


def test_the_officer_sort_lists_named_officers_then_cases_no_one_holds(db):
    _store(db)
    # amy's two by next step due, zoe's, then the unassigned by next step due (none due last)
    assert _order(db, Sort.OFFICER) == ["W-3", "W-5", "W-1", "W-2", "W-4", "W-6"]


def test_the_name_sort_lists_children_by_surname_then_cases_without_a_child(db):
    _store(db)
    assert _order(db, Sort.NAME) == ["W-5", "W-2", "W-1", "W-6", "W-3", "W-4"]
