"""The demo of `make run`: an account for every kind of advice provider in the shipped directory, and
a caseload of clearly fictional children, each with a parent and a named officer, seeded once."""

import csv
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import func, select

from domain.case import AdviceKind
from domain.commands import Actor, Role
from domain.person import cohort_year, nhs_number_problem, upn_problem
from ehcna.notifications.policy import load_policy
from ehcna.store.models import CaseOfficerRow, ContactRow, PersonRow
from ehcna.store.officers import HOLDERS, assign, officer_of
from ehcna.store.people import contacts_of, person_of
from ehcna.web.demo import DEMO_ACCOUNTS, DEMO_CASELOAD, seed_demo_accounts, seed_demo_caseload

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples" / "cases.csv"
DIRECTORY = load_policy().directory
ROLES = {username: (role, team) for username, role, team, _ in DEMO_ACCOUNTS}


def test_every_demo_account_is_a_person_of_its_team_in_the_shipped_directory():
    for username, (_, team) in ROLES.items():
        assert username in DIRECTORY.people, username
        if team is None:
            assert username == DIRECTORY.head_of_service
        else:
            listed = DIRECTORY.teams[team]
            assert username in (*listed.members, listed.manager), (username, team)


def test_every_kind_of_advice_provider_has_a_demo_account():
    providers = {team for role, team in ROLES.values() if role is Role.PROVIDER}
    giving = {kind for team in providers for kind in DIRECTORY.teams[team].advice}
    # the family's views come through the case officer: no one signs in for the family
    assert set(AdviceKind) - {AdviceKind.PARENT} <= giving
    teams_giving_advice = {t for t, info in DIRECTORY.teams.items() if info.advice and info.members}
    assert teams_giving_advice <= providers  # social care, the school and preparing for adulthood too
    assert "childrens-social-care" in providers


def test_the_demo_caseload_is_the_example_cases_with_fictional_children_of_the_right_age():
    with EXAMPLES.open(newline="") as f:
        rows = {row["ref"]: row for row in csv.DictReader(f)}
    assert [c.ref for c in DEMO_CASELOAD] == list(rows)
    for case in DEMO_CASELOAD:
        row = rows[case.ref]
        assert case.team == row["team"] and case.team in DIRECTORY.teams, case.ref
        assert ROLES[case.officer][0] in HOLDERS and ROLES[case.officer][1] == case.team, case.ref
        child = case.child
        assert (child.forename, child.surname.split("-")[0]) == ("Demo", "Child"), case.ref
        assert case.parent.name.startswith("Demo Parent-"), case.ref
        received = date.fromisoformat(row["received_date"])
        assert cohort_year(child.birth_date, received) == int(row["year_group"]), case.ref
        assert child.upn or child.uln or child.upn_unknown, case.ref
        if child.upn:
            assert upn_problem(child.upn) is None and child.upn[1:4] == "999", case.ref  # no council's LA
        assert child.nhs_number is not None and child.nhs_number.startswith("999"), case.ref  # NHS test range
        assert nhs_number_problem(child.nhs_number) is None
    assert len({c.child.surname for c in DEMO_CASELOAD}) == len(DEMO_CASELOAD)


def test_every_team_of_the_example_files_is_in_the_shipped_directory():
    """A team not in the directory would leave its cases or requests in no one's list."""
    with EXAMPLES.open(newline="") as f:
        case_teams = {row["team"] for row in csv.DictReader(f)}
    with EXAMPLES.with_name("advice.csv").open(newline="") as f:
        advice_teams = {row["provider_team"] for row in csv.DictReader(f)}
    assert all(DIRECTORY.teams[t].casework for t in case_teams), case_teams - set(DIRECTORY.teams)
    assert not any(DIRECTORY.teams[t].casework for t in advice_teams), advice_teams - set(DIRECTORY.teams)


def test_seeding_gives_each_case_its_child_a_parent_and_an_officer_once(db, tmp_path):
    seed_demo_accounts(db.sessions, tmp_path)
    at = datetime(2026, 11, 28, 9, tzinfo=UTC)
    assert seed_demo_caseload(db.sessions, at) == len(DEMO_CASELOAD)
    with db.sessions() as s:
        for case in DEMO_CASELOAD:
            row = person_of(s, case.ref)
            assert row is not None and row.surname == case.child.surname
            assert contacts_of(s, row.id) == [case.parent]
            assert officer_of(s, case.ref) == case.officer

    # a reassignment made in the demo survives the next `make run`, which adds nothing
    with db.sessions.begin() as s:
        assign(
            s, "EH-2024-0001", "north-2", "north", Actor(user="north-lead", role=Role.MANAGER), at.date(), at
        )
    seed_demo_accounts(db.sessions, tmp_path)
    assert seed_demo_caseload(db.sessions) == 0
    with db.sessions() as s:
        assert officer_of(s, "EH-2024-0001") == "north-2"
        assert s.scalar(select(func.count()).select_from(PersonRow)) == len(DEMO_CASELOAD)
        assert s.scalar(select(func.count()).select_from(ContactRow)) == len(DEMO_CASELOAD)
        assert s.scalar(select(func.count()).select_from(CaseOfficerRow)) == len(DEMO_CASELOAD)
