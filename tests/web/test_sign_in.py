"""Sessions and sign-in: sign-out and deactivation end a session at once, wrong passwords lock an account
and an address for a while with a clear message (429 from the API for bad tokens), every sign-in is
audited, password checks are bounded in concurrency, and API tokens expire and can be revoked."""

import asyncio
import threading
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher

from ehcna import cli
from ehcna.store.accounts import SignInAttemptRow
from ehcna.store.models import AuditRow
from ehcna.web import accounts
from ehcna.web.accounts import deactivate, issue_token
from tests.web.test_pages import sign_in, site  # noqa: F401  (site: the pages' fixture)


def audit(api, action: str) -> list[AuditRow]:
    with api.db.sessions() as s:
        rows = s.scalars(sa.select(AuditRow).where(AuditRow.action == action).order_by(AuditRow.at))
        return list(rows.all())


async def test_signing_out_ends_a_copied_session_cookie_at_once(site):  # noqa: F811
    first = await site.signed_in("officer")
    copy = site.client()
    copy.cookies.update(first.cookies)  # someone took a copy of the cookie
    assert (await copy.get("/cases")).status_code == 200
    token = (await first.get("/cases")).text.split('name="csrf_token" value="')[1].split('"')[0]
    out = await first.post("/sign-out", data={"csrf_token": token})
    assert out.status_code == 303
    gone = await copy.get("/cases")
    assert gone.status_code == 303 and gone.headers["location"].startswith("/sign-in")


async def test_deactivating_an_account_ends_its_sessions_and_tokens(site):  # noqa: F811
    officer = await site.signed_in("officer")
    with site.api.db.sessions.begin() as s:
        assert deactivate(s, "officer")
    assert (await officer.get("/cases")).status_code == 303
    api = await site.api.http.get("/api/cases", headers=site.api.auth("officer"))
    assert api.status_code == 401


async def test_five_wrong_passwords_lock_the_account_with_a_clear_message_and_are_audited(site):  # noqa: F811
    http = site.client()
    for _ in range(5):
        assert (await sign_in(http, "officer", "not-the-password")).status_code == 401
    locked = await sign_in(http, "officer", "officer-password")  # even the right one, for now
    assert locked.status_code == 429
    assert "Too many failed sign-ins for this account: try again after" in locked.text
    assert (await sign_in(site.client(), "manager", "manager-password")).status_code == 303  # others go on
    refused = audit(site.api, "sign_in_refused")
    assert [r.detail["reason"] for r in refused] == ["wrong username or password"] * 5 + [
        "too many failed sign-ins for this account"
    ]
    assert {r.actor_user for r in refused} == {"officer"} and refused[0].detail["address"] == "127.0.0.1"
    assert [r.actor_user for r in audit(site.api, "signed_in")] == ["manager"]


async def test_many_failures_from_one_address_block_it(site):  # noqa: F811
    http = site.client()
    for i in range(20):
        await sign_in(http, f"nobody-{i}", "guess")
    blocked = await sign_in(http, "manager", "manager-password")
    assert blocked.status_code == 429 and "from your address" in blocked.text


async def test_bad_api_tokens_are_throttled_with_429_and_retry_after(api):
    for _ in range(20):
        r = await api.http.get("/api/cases", headers={"Authorization": "Bearer ehcna_guess"})
        assert r.status_code == 401
    r = await api.http.get("/api/cases", headers=api.auth("officer"))  # the address is blocked for now
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0


async def test_api_tokens_expire_and_can_be_revoked_from_the_command_line(api, capsys, monkeypatch):
    monkeypatch.setenv("EHCNA_DATABASE_URL", api.db.url)
    with api.db.sessions.begin() as s:
        expired = issue_token(s, "officer", "old", days=1, now=datetime.now(UTC) - timedelta(days=2))
    assert (await api.http.get("/api/me", headers={"Authorization": f"Bearer {expired}"})).status_code == 401
    capsys.readouterr()
    assert cli.main(["token", "issue", "officer", "--label", "nightly export", "--days", "30"]) == 0
    token = capsys.readouterr().out.strip()
    auth = {"Authorization": f"Bearer {token}"}
    assert (await api.http.get("/api/me", headers=auth)).status_code == 200
    assert cli.main(["token", "list"]) == 0
    listing = capsys.readouterr().out
    line = next(line for line in listing.splitlines() if "nightly export" in line)
    assert "active" in line and "officer" in line
    assert "expired" in next(line for line in listing.splitlines() if line.endswith(" old"))
    assert cli.main(["token", "revoke", line.split()[0]]) == 0
    assert (await api.http.get("/api/me", headers=auth)).status_code == 401
    assert cli.main(["token", "issue", "nobody", "--label", "x"]) == 2


async def test_password_checks_run_two_at_a_time_whatever_the_burst(site, monkeypatch):  # noqa: F811
    at_once, most = 0, 0
    lock = threading.Lock()

    class Counting(PasswordHasher):  # argon2's own hasher, watched
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            nonlocal at_once, most
            with lock:
                at_once += 1
                most = max(most, at_once)
            try:
                return super().verify(hash, password)
            finally:
                with lock:
                    at_once -= 1

    monkeypatch.setattr(accounts, "_hasher", Counting())
    clients = [site.client() for _ in range(12)]
    answers = await asyncio.gather(*(sign_in(c, f"user-{i}", "wrong") for i, c in enumerate(clients)))
    assert {a.status_code for a in answers} <= {401, 429, 503}
    assert most <= accounts.ARGON2_AT_ONCE, most


async def test_the_head_of_service_issues_lists_and_revokes_tokens_on_a_page(site):  # noqa: F811
    head = await site.signed_in("head")
    page = await head.get("/admin/tokens")
    assert page.status_code == 200 and "Issue a token" in page.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    bad = await head.post("/admin/tokens", data={"csrf_token": token, "username": "nobody", "label": "x"})
    assert bad.status_code == 422 and "No account &#39;nobody&#39;" in bad.text
    issued = await head.post(
        "/admin/tokens", data={"csrf_token": token, "username": "manager", "label": "dashboard", "days": "30"}
    )
    new = issued.text.split('<code id="new-token">')[1].split("</code>")[0]
    auth = {"Authorization": f"Bearer {new}"}
    assert (await site.api.http.get("/api/me", headers=auth)).status_code == 200
    row = next(r for r in issued.text.split('id="tokens"')[1].split("<tr") if "dashboard" in r)
    token_id = row.split("<code>")[1].split("</code>")[0]
    gone = await head.post(f"/admin/tokens/{token_id}/revoke", data={"csrf_token": token})
    assert gone.status_code == 303
    assert (await site.api.http.get("/api/me", headers=auth)).status_code == 401
    officer = await site.signed_in("officer")
    assert (await officer.get("/admin/tokens")).status_code == 403  # the head of service's only


async def test_a_burst_of_sign_ins_tries_no_more_passwords_than_the_lockout_allows(site, monkeypatch):  # noqa: F811
    checked = 0

    class Counting(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:
            nonlocal checked
            checked += 1
            return super().verify(hash, password)

    monkeypatch.setattr(accounts, "_hasher", Counting())
    clients = [site.client() for _ in range(15)]
    answers = await asyncio.gather(*(sign_in(c, "officer", f"guess-{i}") for i, c in enumerate(clients)))
    assert sorted(a.status_code for a in answers) == [401] * 5 + [429] * 10
    assert checked == 5
    ok = await sign_in(site.client(), "manager", "manager-password")  # a success is marked as one
    assert ok.status_code == 303
    with site.api.db.sessions() as s:
        wins = s.scalars(sa.select(SignInAttemptRow).where(SignInAttemptRow.succeeded.is_(True))).all()
    assert [w.username for w in wins] == ["manager"]
