"""Finding a child, as the one asking may see them: through the cases held on the child.

A child's record is reached through their cases (``domain.access.child_refusal``): a search lists
only the children on cases of the teams given, and of those children only those cases; the others
are counted, never named, so an officer knows to ask rather than record the child twice.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.orm import Session

from ehcna.store.models import CasePersonRow, CaseRow, PersonRow


def case_teams_of(session: Session, person_id: str) -> dict[str, str | None]:
    """The cases held on a child and their teams (None: a case just started, its row not written yet)."""
    rows = session.execute(
        select(CasePersonRow.case_ref, CaseRow.team)
        .outerjoin(CaseRow, CaseRow.ref == CasePersonRow.case_ref)
        .where(CasePersonRow.person_id == person_id)
    )
    return {ref: team for ref, team in rows}


@dataclass(frozen=True)
class Found:
    person_id: str
    forename: str
    surname: str
    birth_date: date
    case_refs: list[str]


@dataclass(frozen=True)
class Search:
    found: list[Found]
    elsewhere: int = 0  # children who match, recorded on other teams' cases only: counted, not shown


def _matches(text: str) -> ColumnElement[bool]:
    compact = text.replace(" ", "").upper()
    try:
        return PersonRow.birth_date == date.fromisoformat(text)
    except ValueError:
        pass
    if compact.isdigit() and len(compact) == 10:
        return PersonRow.nhs_number == compact
    if len(compact) == 13 and compact[0].isalpha() and compact[1:12].isdigit():
        return PersonRow.upn == compact
    prefix = text.lower().replace("\\", "").replace("%", "").replace("_", "")
    return PersonRow.surname_key.like(f"{prefix}%")


def _on_teams(teams: Collection[str]) -> ColumnElement[bool]:
    return exists(
        select(CasePersonRow.case_ref)
        .join(CaseRow, CaseRow.ref == CasePersonRow.case_ref)
        .where(and_(CasePersonRow.person_id == PersonRow.id, CaseRow.team.in_(teams)))
    )


def search_children(session: Session, text: str, teams: Collection[str] | None, limit: int = 20) -> Search:
    """Children whose surname starts with ``text``, or whose UPN, NHS number or date of birth
    (``YYYY-MM-DD``) it is, each with their cases; ``teams``: only children on those teams' cases,
    and only those cases (None: every child and case)."""
    match = _matches(text.strip())
    query = select(PersonRow).where(match)
    elsewhere = 0
    if teams is not None:
        query = query.where(_on_teams(teams))
        others = select(func.count()).select_from(PersonRow).where(match, ~_on_teams(teams))
        elsewhere = session.scalar(others) or 0
    rows = session.scalars(query.order_by(PersonRow.surname_key, PersonRow.forename).limit(limit)).all()
    refs: dict[str, list[str]] = {}
    if rows:
        held = select(CasePersonRow.case_ref, CasePersonRow.person_id).where(
            CasePersonRow.person_id.in_([r.id for r in rows])
        )
        if teams is not None:
            held = held.join(CaseRow, CaseRow.ref == CasePersonRow.case_ref).where(CaseRow.team.in_(teams))
        for ref, pid in session.execute(held):
            refs.setdefault(pid, []).append(ref)
    found = [Found(r.id, r.forename, r.surname, r.birth_date, sorted(refs.get(r.id, []))) for r in rows]
    return Search(found, elsewhere)
