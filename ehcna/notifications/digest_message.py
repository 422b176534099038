"""The words of a manager's daily digest, in plain text and HTML."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import TYPE_CHECKING, Any

from domain.deadlines import AT_RISK_WITHIN_DAYS
from ehcna.notifications.directory import Directory
from ehcna.notifications.messages import SERVICE, Message, case_link, long_date

if TYPE_CHECKING:
    from ehcna.notifications.digest import ManagerDigest

Item = tuple[str, str | None]  # a line, and the case it links to


def _sections(digest: ManagerDigest) -> list[tuple[str, list[Item]]]:
    def items(lines: Sequence[Any]) -> list[Item]:
        return [(line.describe(digest.day), line.case_ref) for line in lines]

    out = [
        ("Breaches still open", items(digest.breached)),
        (f"At risk: a deadline within {AT_RISK_WITHIN_DAYS} days", items(digest.at_risk)),
    ]
    out += [(f"Advice overdue from {who}", items(lines)) for who, lines in digest.advice_overdue.items()]
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
    intro = f"{SERVICE} for {teams} on {long_date(digest.day)}."
    text = [f"Dear {name},", "", intro, ""]
    html = [f"<p>Dear {escape(name)},</p>", f"<p>{escape(intro)}</p>"]
    for title, items in _sections(digest):
        text.append(f"{title} ({len(items)})")
        html.append(f"<h2>{escape(title)} ({len(items)})</h2>")
        for line, ref in items:
            text.append(f"  - {line}")
            if ref:
                text.append(f"    {case_link(base_url, ref)}")
        text.append("" if items else "  None.\n")
        lis = [
            f'<li><a href="{escape(case_link(base_url, ref), quote=True)}">{escape(line)}</a></li>'
            if ref
            else f"<li>{escape(line)}</li>"
            for line, ref in items
        ]
        html.append(f"<ul>{''.join(lis)}</ul>" if lis else "<p>None.</p>")
    text += [f"-- {SERVICE}", ""]
    body = "\n".join(html)
    return Message(
        subject=subject,
        text="\n".join(text),
        html=f'<!doctype html><html lang="en"><body>\n{body}\n</body></html>\n',
        facts={"Breaches open": str(len(digest.breached)), "At risk": str(len(digest.at_risk))},
    )
