"""Demo sign-ins and a demo caseload for `make run`: people of the shipped directory, with fresh
passwords, and clearly fictional children for the cases of docs/examples/cases.csv.

Passwords are generated on first run and kept in var/demo-accounts.txt (not in
the repository); later runs reuse them.

The children ("Demo Child-Alpha" and so on) are made up: their UPNs carry a valid check letter
under LA number 999, which no council has, and their NHS numbers are in the 999 range the NHS
keeps for tests. They live in the store only, like every child's details: the cases' workflows
(imported by `make run` or `make demo`) never see them. Seeding twice changes nothing: a case
that has its child, or a named officer, keeps them.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from domain.commands import Actor, Role
from domain.person import Contact, ContactWay, Person, Sex
from ehcna.store.accounts import AccountRow
from ehcna.store.officers import assign, officer_of
from ehcna.store.people import add_person, link, person_of, same_child, set_contacts
from ehcna.web.accounts import save_account

# (username from config/escalation.toml's directory, role, team, what they do): the case officers
# and managers of both teams that hold the demo cases, a provider for every team that gives advice
# (the family's views come through the case officer), and the head of service
DEMO_ACCOUNTS: list[tuple[str, Role, str | None, str]] = [
    ("north-1", Role.CASE_OFFICER, "north", "case officer, North SEN team"),
    ("north-2", Role.CASE_OFFICER, "north", "case officer, North SEN team"),
    ("north-lead", Role.MANAGER, "north", "manager, North SEN team"),
    ("south-1", Role.CASE_OFFICER, "south", "case officer, South SEN team"),
    ("south-lead", Role.MANAGER, "south", "manager, South SEN team (holds cases too)"),
    ("health-admin", Role.PROVIDER, "icb-community-paeds", "advice provider, ICB community paediatrics"),
    ("ep-lead", Role.PROVIDER, "ep-service", "advice provider, educational psychology"),
    ("sc-lead", Role.PROVIDER, "childrens-social-care", "advice provider, children's social care"),
    ("oak-head", Role.PROVIDER, "oak-primary", "advice provider, Oak Primary School"),
    ("pfa-lead", Role.PROVIDER, "pfa-service", "advice provider, preparing for adulthood"),
    ("hos", Role.ADMIN, None, "head of service (admin)"),
]


def seed_demo_accounts(sessions: sessionmaker[Session], var_dir: Path) -> list[tuple[str, str, str]]:
    """Create the demo accounts that do not exist yet; return (username, password, what) for all."""
    saved = var_dir / "demo-accounts.txt"
    known: dict[str, str] = {}
    if saved.exists():
        known = dict(line.split(" ", 1) for line in saved.read_text().splitlines() if " " in line)
    out = []
    with sessions.begin() as session:
        for username, role, team, what in DEMO_ACCOUNTS:
            password = known.get(username)
            if password is None or session.get(AccountRow, username) is None:
                password = password or secrets.token_urlsafe(9)
                save_account(session, username, role, team, password)
            known[username] = password
            out.append((username, password, what))
    var_dir.mkdir(mode=0o700, exist_ok=True)  # owner only
    saved.write_text("".join(f"{u} {p}\n" for u, p in known.items()))
    saved.chmod(0o600)
    return out


@dataclass(frozen=True)
class DemoCase:
    ref: str  # of docs/examples/cases.csv
    team: str
    officer: str  # an account of DEMO_ACCOUNTS in ``team``
    child: Person
    parent: Contact


def _child(
    name: str, born: date, sex: Sex, upn: str | None = None, nhs: str | None = None, **more: str
) -> Person:
    return Person(
        forename="Demo", surname=f"Child-{name}", birth_date=born, sex=sex, upn=upn, nhs_number=nhs, **more
    )


def _parent(name: str, relationship: str, **more: str | ContactWay) -> Contact:
    email = f"demo.parent.{name.lower()}@example.org"
    return Contact.model_validate(
        {"name": f"Demo Parent-{name}", "relationship": relationship, "email": email, **more}
    )


F, M = Sex.F, Sex.M
# each child born in the cohort of the year group the case was received in (cases.csv's year_group)
DEMO_CASELOAD: list[DemoCase] = [
    DemoCase(
        "EH-2024-0001", "north", "north-1",
        _child("Alpha", date(2015, 2, 11), F, "F999000014001", "9990000018", setting_urn="999101"),
        _parent("Alpha", "Mother"),
    ),
    DemoCase(
        "EH-2024-0002", "south", "south-1",
        _child("Bravo", date(2016, 10, 3), M, "V999000014002", "9990000026", setting_urn="999102"),
        _parent("Bravo", "Father", phone="01632 960102", preferred=ContactWay.PHONE),
    ),
    DemoCase(
        "EH-2024-0003", "north", "north-2",
        _child("Charlie", date(2012, 4, 19), M, "J999000014003", "9990000034", setting_urn="999103"),
        _parent("Charlie", "Mother", interpreter_language="Polish"),
    ),
    DemoCase(
        "EH-2024-0004", "south", "south-1",
        _child("Delta", date(2017, 12, 1), F, "Y999000014004", "9990000042", setting_urn="999101"),
        _parent("Delta", "Foster carer"),
    ),
    DemoCase(
        "EH-2025-0005", "north", "north-1",
        _child("Echo", date(2017, 6, 23), F, "M999000014005", "9990000050", setting_urn="999104"),
        _parent("Echo", "Father"),
    ),
    DemoCase(
        "EH-2025-0006", "south", "south-1",
        _child("Foxtrot", date(2013, 9, 30), M, "B999000014006", "9990000069", setting_urn="999102"),
        _parent("Foxtrot", "Grandmother", address="1 Demo Street, Exampletown", preferred=ContactWay.POST),
    ),
    DemoCase(
        "EH-2025-0007", "south", "south-lead",
        _child("Golf", date(2009, 3, 15), F, None, "9990000077", uln="9999000007", setting_ukprn="10099907"),
        _parent("Golf", "Mother"),
    ),
    DemoCase(
        "EH-2026-0101", "north", "north-1",
        _child("Hotel", date(2015, 11, 8), M, "E999000014008", "9990000085", setting_urn="999101"),
        _parent("Hotel", "Mother", phone="01632 960108"),
    ),
    DemoCase(
        "EH-2026-0102", "south", "south-1",
        _child("India", date(2013, 1, 27), F, "U999000014009", "9990000093", setting_urn="999105"),
        _parent("India", "Father", interpreter_language="Urdu"),
    ),
    DemoCase(
        "EH-2026-0103", "south", "south-lead",
        _child("Juliet", date(2020, 2, 14), F, None, "9990000107", upn_unknown="UN8", setting_urn="999103"),
        _parent("Juliet", "Mother"),
    ),
    DemoCase(
        "EH-2026-0104", "north", "north-2",
        _child("Kilo", date(2022, 5, 5), M, None, "9990000115", upn_unknown="UN1", setting_type="EY"),
        _parent("Kilo", "Adoptive father"),
    ),
    DemoCase(
        "EH-2026-0105", "south", "south-1",
        _child("Lima", date(2011, 10, 10), M, "H999000014012", "9990000123", setting_urn="999105"),
        _parent("Lima", "Special guardian"),
    ),
]  # fmt: skip

SEED_ACTOR = Actor(user="demo-seed", role=Role.SYSTEM)


def seed_demo_caseload(sessions: sessionmaker[Session], at: datetime | None = None) -> int:
    """Give each demo case its child, a parent and a named officer, where it has none yet (the
    accounts of DEMO_ACCOUNTS first). Works before or after the cases are imported: the store keys
    them by reference. Returns the number of cases given something."""
    at = at or datetime.now(UTC)
    seeded = 0
    with sessions.begin() as session:
        for case in DEMO_CASELOAD:
            changed = False
            if person_of(session, case.ref) is None:
                person_id = same_child(session, case.child) or add_person(session, case.child, SEED_ACTOR, at)
                link(session, case.ref, person_id)
                set_contacts(session, person_id, [case.parent], SEED_ACTOR, at)
                changed = True
            if officer_of(session, case.ref) is None:
                assign(session, case.ref, case.officer, case.team, SEED_ACTOR, at.date(), at)
                changed = True
            seeded += changed
    return seeded
