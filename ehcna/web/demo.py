"""Demo sign-ins for `make run`: people of the shipped directory, with fresh passwords.

Passwords are generated on first run and kept in var/demo-accounts.txt (not in
the repository); later runs reuse them.
"""

import secrets
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from domain.commands import Role
from ehcna.store.accounts import AccountRow
from ehcna.web.accounts import save_account

# (username from config/escalation.toml's directory, role, team, what they do)
DEMO_ACCOUNTS: list[tuple[str, Role, str | None, str]] = [
    ("north-1", Role.CASE_OFFICER, "north", "case officer, North SEN team"),
    ("north-lead", Role.MANAGER, "north", "manager, North SEN team"),
    ("health-admin", Role.PROVIDER, "icb-community-paeds", "advice provider, ICB community paediatrics"),
    ("ep-lead", Role.PROVIDER, "ep-service", "advice provider, educational psychology"),
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
