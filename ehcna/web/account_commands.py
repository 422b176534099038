"""``ehcna token ...`` and ``ehcna account ...``: API tokens and accounts, for the head of service.

ehcna token issue north-lead --label "KPI dashboard" [--days 90]   # prints the token once
ehcna token list
ehcna token revoke 3f2a9c1b7d40
ehcna account deactivate north-1                                   # sessions and tokens end at once
"""

import argparse
import sys
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from ehcna.settings import Settings
from ehcna.store.db import make_engine, session_factory, utc
from ehcna.store.migrate import upgrade
from ehcna.web.accounts import TOKEN_DAYS, deactivate, issue_token, revoke_token, token_state, tokens

EXIT_REFUSED = 2


def register(subparsers: argparse._SubParsersAction) -> None:
    token = subparsers.add_parser("token", help="issue, list and revoke API tokens").add_subparsers(
        dest="token_command", required=True
    )
    issue = token.add_parser("issue", help="a new token for an account (shown once)")
    issue.add_argument("username")
    issue.add_argument("--label", required=True, help="what the token is for, e.g. the program's name")
    issue.add_argument(
        "--days", type=int, default=TOKEN_DAYS, help=f"how long it lasts (default {TOKEN_DAYS})"
    )
    issue.set_defaults(handler=_issue)
    token.add_parser("list", help="every token: id, account, label, expiry, revoked").set_defaults(
        handler=_list
    )
    revoke = token.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("token_id")
    revoke.set_defaults(handler=_revoke)
    account = subparsers.add_parser("account", help="accounts").add_subparsers(
        dest="account_command", required=True
    )
    off = account.add_parser("deactivate", help="the account can no longer sign in; its sessions end at once")
    off.add_argument("username")
    off.set_defaults(handler=_deactivate)


def _sessions(settings: Settings) -> sessionmaker[Session]:
    upgrade(settings.database_url)
    return session_factory(make_engine(settings.database_url))


def _issue(args: argparse.Namespace, settings: Settings) -> int:
    with _sessions(settings).begin() as session:
        try:
            token = issue_token(session, args.username, args.label, args.days)
        except ValueError as err:
            print(f"error: {err}", file=sys.stderr)
            return EXIT_REFUSED
    print(token)
    print("keep it now: it is not stored and cannot be shown again", file=sys.stderr)
    return 0


def _list(args: argparse.Namespace, settings: Settings) -> int:
    now = datetime.now(UTC)
    print(f"{'id':<13} {'account':<16} {'expires':<11} {'state':<8} label")
    with _sessions(settings)() as session:
        for row in tokens(session):
            state = token_state(row, now)
            print(
                f"{row.token_id:<13} {row.username:<16} {utc(row.expires_at):%Y-%m-%d} {state:<8} {row.label}"
            )
    return 0


def _revoke(args: argparse.Namespace, settings: Settings) -> int:
    with _sessions(settings).begin() as session:
        row = revoke_token(session, args.token_id)
    if row is None:
        print(f"error: no single token with id {args.token_id} (see `ehcna token list`)", file=sys.stderr)
        return EXIT_REFUSED
    print(f"revoked {row.token_id} ({row.username}, {row.label})")
    return 0


def _deactivate(args: argparse.Namespace, settings: Settings) -> int:
    with _sessions(settings).begin() as session:
        done = deactivate(session, args.username)
    if not done:
        print(f"error: no account '{args.username}'", file=sys.stderr)
        return EXIT_REFUSED
    print(f"deactivated {args.username}: signed out everywhere, its tokens refused")
    return 0
