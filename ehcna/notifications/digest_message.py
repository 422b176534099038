"""The words of a manager's daily digest, in plain text and HTML."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any

from domain.deadlines import AT_RISK_WITHIN_DAYS
from ehcna.notifications.directory import Directory
from ehcna.notifications.messages import SERVICE, Message, case_link, long_date, plan_link

if TYPE_CHECKING:
    from ehcna.notifications.digest import ManagerDigest

Item = tuple[str, str | None]  # a line, and the page (a case's or a plan's) it links to


def _sections(digest: ManagerDigest, base_url: str) -> list[tuple[str, list[Item]]]:
    def items(lines: Sequence[Any]) -> list[Item]:
        return [(line.describe(digest.day), case_link(base_url, line.case_ref)) for line in lines]

    out = [
        ("Breaches still open", items(digest.breached)),
        (f"At risk: a deadline within {AT_RISK_WITHIN_DAYS} days", items(digest.at_risk)),
    ]
    out += [(f"Advice overdue from {who}", items(lines)) for who, lines in digest.advice_overdue.items()]
    if digest.overdue_reviews:
        reviews: list[Item] = [
            (r.describe(digest.day), plan_link(base_url, r.plan_ref)) for r in digest.overdue_reviews
        ]
        out.append(("Annual reviews overdue", reviews))
    if digest.undelivered:
        out.append(("Alerts that could not be delivered", [(u, None) for u in digest.undelivered]))
    return out


def digest_message(digest: ManagerDigest, name: str, directory: Directory, base_url: str) -> Message:
    teams = ", ".join(directory.team_name(t) for t in digest.teams)
    overdue = sum(len(v) for v in digest.advice_overdue.values())
    subject = (
        f"Daily digest {long_date(digest.day)}: {len(digest.breached)} breaches open, "
        f"{len(digest.at_risk)} at risk, {overdue} advice overdue"
    )
    if digest.overdue_reviews:
        subject += f", {len(digest.overdue_reviews)} annual reviews overdue"
    intro = f"{SERVICE} for {teams} on {long_date(digest.day)}."
    text = [f"Dear {name},", "", intro, ""]
    html = [f"<p>Dear {escape(name)},</p>", f"<p>{escape(intro)}</p>"]
    for title, items in _sections(digest, base_url):
        text.append(f"{title} ({len(items)})")
        html.append(f"<h2>{escape(title)} ({len(items)})</h2>")
        for line, link in items:
            text.append(f"  - {line}")
            if link:
                text.append(f"    {link}")
        text.append("" if items else "  None.\n")
        lis = [
            f'<li><a href="{escape(link, quote=True)}">{escape(line)}</a></li>'
            if link
            else f"<li>{escape(line)}</li>"
            for line, link in items
        ]
        html.append(f"<ul>{''.join(lis)}</ul>" if lis else "<p>None.</p>")
    text += [f"-- {SERVICE}", ""]
    body = "\n".join(html)
    return Message(
        subject=subject,
        text="\n".join(text),
        html=f'<!doctype html><html lang="en"><body>\n{body}\n</body></html>\n',
        facts={
            "Breaches open": str(len(digest.breached)),
            "At risk": str(len(digest.at_risk)),
            "Annual reviews overdue": str(len(digest.overdue_reviews)),
        },
    )
