"""Migration 0010 recomputes every case's next step and every child's surname key exactly as the app
writes them (domain.deadlines.next_step, ehcna.store.people), on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import command

from domain.assessment import apply
from domain.case import AdviceKind, Case
from domain.commands import (
    DecideToAssess,
    DecideToIssue,
    IssueFinalPlan,
    RecordAdviceNotReceived,
    Withdraw,
    WithdrawAdviceRequest,
)
from domain.deadlines import next_step
from domain.person import Person
from ehcna.store import people
from ehcna.store.children import search_children
from ehcna.store.migrate import alembic_config
from ehcna.store.models import CaseRow, PersonRow
from ehcna.store.records import save_case
from tests.domain.builders import (
    FAR_TODAY,
    OFFICER,
    advice_received,
    advice_requested,
    assessed,
    d,
    decided_to_issue,
    draft_served,
    new_case,
    request,
)

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
DAY0 = date(2025, 1, 6)  # long ago: every deadline of an open case has passed (breached)


def _do(case: Case, *commands: object) -> Case:
    for cmd in commands:
        case = apply(case, cmd, FAR_TODAY)  # type: ignore[arg-type]
    return case


def varied_cases() -> dict[str, Case]:
    started = new_case(DAY0)
    health = advice_requested(assessed(new_case(DAY0), on_day=10), kinds=(AdviceKind.HEALTH,), on_day=11)
    ties = assessed(new_case(DAY0), on_day=10)
    for kind in (AdviceKind.SOCIAL_CARE, AdviceKind.HEALTH, AdviceKind.EP):  # all due the same day
        ties = request(ties, kind, d(DAY0, 11))
    mixed = advice_requested(assessed(new_case(DAY0), on_day=5), kinds=(AdviceKind.PARENT,), on_day=6)
    mixed = request(mixed, AdviceKind.EDUCATION, d(DAY0, 6), existing=d(DAY0, -30))  # reg 6(4): no clock
    mixed = request(mixed, AdviceKind.EP, d(DAY0, 7))
    mixed = request(mixed, AdviceKind.HEALTH, d(DAY0, 8))
    mixed = _do(
        mixed,
        WithdrawAdviceRequest(advice_id="EP-1", on=d(DAY0, 9), reason="sent in error", by=OFFICER),
        RecordAdviceNotReceived(advice_id="HEALTH-1", on=d(DAY0, 60), by=OFFICER),
    )
    return {
        "undecided": started,
        "advice-awaited": health,
        "advice-not-received": _do(
            health, RecordAdviceNotReceived(advice_id="HEALTH-1", on=d(DAY0, 60), by=OFFICER)
        ),
        "all-not-received": _do(
            advice_requested(assessed(new_case(DAY0), on_day=10), on_day=11),
            *(
                RecordAdviceNotReceived(advice_id=f"{k}-1", on=d(DAY0, 60), by=OFFICER)
                for k in ("EDUCATION", "HEALTH", "EP", "SOCIAL_CARE")
            ),
        ),
        "ties": ties,
        "mixed-advice": mixed,
        "advice-back": advice_received(assessed(new_case(DAY0))),
        "to-issue": decided_to_issue(DAY0),
        "draft-served": draft_served(DAY0),
        "plan-issued": _do(draft_served(DAY0), IssueFinalPlan(on=d(DAY0, 130), by=OFFICER)),
        "not-assessed": _do(
            new_case(DAY0),
            DecideToAssess(yes=False, on=d(DAY0, 20), appeal_information_given=True, by=OFFICER),
        ),
        "no-plan": _do(
            advice_received(assessed(new_case(DAY0))),
            DecideToIssue(yes=False, on=d(DAY0, 70), appeal_information_given=True, by=OFFICER),
        ),
        "withdrawn-late": _do(health, Withdraw(on=d(DAY0, 100), by=OFFICER)),
    }


SURNAMES = ["Quill", "Åberg", "ÖZTÜRK", "Ďurica", "İnce", "O'Neill", "ÉLODIE-Brontë", "Σωκράτης"]


def _rerun_0010(db) -> None:
    cfg = alembic_config(db.url)
    command.downgrade(cfg, "0009")
    command.upgrade(cfg, "head")


def test_0010_writes_the_next_step_of_every_case_as_next_step_does(db):
    cases = {ref: case.model_copy(update={"ref": ref}) for ref, case in varied_cases().items()}
    with db.sessions.begin() as s:
        for ref, case in cases.items():
            save_case(s, case, f"ehcna-{ref}", 1, AT)
        # what 0009 or the app before this fix may have left: a stale step on every row
        s.execute(sa.update(CaseRow).values(next_key="T2:HEALTH-1", next_due=date(2000, 1, 1)))
    _rerun_0010(db)
    with db.sessions() as s:
        stored = {
            r.ref: (r.next_key, r.next_due)
            for r in s.execute(sa.select(CaseRow.ref, CaseRow.next_key, CaseRow.next_due))
        }
    expected = {
        ref: (step.key, step.due) if (step := next_step(c)) else (None, None) for ref, c in cases.items()
    }
    assert stored == expected
    # the cases the fix is about, spelled out
    assert expected["advice-not-received"][0] == "T3"
    assert expected["ties"][0] == "T2:EP-1"
    assert expected["withdrawn-late"] == (None, None) and expected["plan-issued"] == (None, None)


def test_0010_writes_the_surname_key_as_the_app_does_whatever_the_database_lower_case(db):
    with db.sessions.begin() as s:
        ids = {
            name: people.add_person(
                s, Person(forename="Ada", surname=name, birth_date=date(2015, 3, 1)), OFFICER, AT
            )
            for name in SURNAMES
        }
        # 0009 wrote lower(surname) with the database's own lower(): ASCII only on SQLite
        s.execute(sa.update(PersonRow).values(surname_key=sa.func.lower(PersonRow.surname)))
    _rerun_0010(db)
    with db.sessions() as s:
        keys = {pid: key for pid, key in s.execute(sa.select(PersonRow.id, PersonRow.surname_key))}
        assert {name: keys[pid] for name, pid in ids.items()} == {name: name.lower() for name in SURNAMES}
        assert [f.surname for f in search_children(s, "åb", None).found] == ["Åberg"]
