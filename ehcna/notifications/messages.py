"""The words of every alert: plain text and HTML with the same facts.

An alert says which case, which deadline, how late, who holds it and where
the case page is. Dates and lateness are counted from the alarm's own
instant (workflow time), so a message says the same whenever it is sent.
"""

from dataclasses import dataclass, field
from datetime import date
from html import escape
from urllib.parse import quote

from domain.alarms import AlarmLevel
from domain.case import AdviceKind
from domain.clock import london_date
from domain.events import AlarmEvent, ExceptionNotice
from domain.words import (
    ADVICE_IN_WORDS,
    PLAN_DEADLINE_IN_WORDS,
    day_in_words,
    deadline_in_words,
    exception_in_words,
    lower_first,
)
from ehcna.store.faults import STATUS_WORDS

SERVICE = "EHC needs assessments"


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str
    link: str | None = None
    facts: dict[str, str] = field(default_factory=dict)  # the same facts, for a webhook's JSON


def case_link(base_url: str, case_ref: str) -> str:
    return f"{base_url.rstrip('/')}/cases/{quote(case_ref, safe='')}"


def plan_link(base_url: str, plan_ref: str) -> str:
    """The page of a plan in force (its review timeline and the steps it allows now)."""
    return f"{base_url.rstrip('/')}/plans/{quote(plan_ref, safe='')}"


def is_plan_alarm(event: AlarmEvent) -> bool:
    """An alarm of a plan in force (R1-R11), not of an assessment: its mail names and links the plan."""
    return event.alarm.duty in PLAN_DEADLINE_IN_WORDS


def long_date(day: date) -> str:
    """5 December 2026: a date as a person reads it (domain/words.py), never 2026-12-05."""
    return day_in_words(day)


def days_text(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def compose(
    subject: str,
    greeting: str,
    paragraphs: list[str],
    facts: dict[str, str],
    link: str | None,
    what: str = "Case",
) -> Message:
    """One message in both forms; the facts appear as a list in text and a table in HTML; ``link`` opens
    the ``what`` (a case, or a plan) named in the facts."""
    width = max((len(k) for k in facts), default=0)
    text = [greeting, "", *(p + "\n" for p in paragraphs)]
    text += [f"{k + ':':<{width + 1}} {v}" for k, v in facts.items()]
    if link:
        text += ["", f"Open the {what.lower()}: {link}"]
    text += ["", f"-- {SERVICE}", ""]
    rows = "".join(
        f'<tr><th scope="row" style="text-align:left;padding-right:1em">{escape(k)}</th>'
        f"<td>{escape(v)}</td></tr>"
        for k, v in facts.items()
    )
    html = [f"<p>{escape(greeting)}</p>", *(f"<p>{escape(p)}</p>" for p in paragraphs)]
    if rows:
        html.append(f"<table>{rows}</table>")
    if link:
        named = escape(facts.get(what, ""))
        html.append(f'<p><a href="{escape(link, quote=True)}">Open {what.lower()} {named}</a></p>')
    html.append(f"<p>&mdash; {escape(SERVICE)}</p>")
    body = "\n".join(html)
    return Message(
        subject=subject,
        text="\n".join(text),
        html=f'<!doctype html><html lang="en"><body>\n{body}\n</body></html>\n',
        link=link,
        facts=facts,
    )


def deadline_title(event: AlarmEvent) -> str:
    """The deadline in words: "Final plan within 20 weeks", "Social care advice within 6 weeks"."""
    return deadline_in_words(event.alarm.duty, event.alarm.subject)


def lateness(event: AlarmEvent) -> str:
    """ "due in 7 days" before the deadline, "3 days late" after it."""
    due = date.fromisoformat(event.alarm.due)
    today = london_date(event.raised_at)
    if today <= due:
        left = (due - today).days
        return "due today" if left == 0 else f"due in {days_text(left)}"
    return f"{days_text((today - due).days)} late"


_HEADLINES = {
    AlarmLevel.REMINDER: "Reminder",
    AlarmLevel.BREACH: "Deadline breached",
    AlarmLevel.ESCALATION: "Escalation: deadline still not met",
    AlarmLevel.MILESTONE_MISSED: "Milestone missed",
}


def alarm_message(
    event: AlarmEvent, recipient_name: str, holder_name: str, team_name: str, base_url: str
) -> Message:
    a = event.alarm
    due = date.fromisoformat(a.due)
    how = lateness(event)
    headline = _HEADLINES[a.level]
    what = {
        AlarmLevel.REMINDER: f"{deadline_title(event)} is {how} ({long_date(due)}).",
        AlarmLevel.BREACH: f"{deadline_title(event)} was due on {long_date(due)} and has not been met.",
        AlarmLevel.ESCALATION: (
            f"{deadline_title(event)} was due on {long_date(due)} and is still not met: it is {how}."
        ),
        AlarmLevel.MILESTONE_MISSED: (
            f"{deadline_title(event)} was planned for {long_date(due)} and has not happened. "
            "A milestone is not a statutory deadline, but the final plan's 20 weeks are now at risk."
        ),
    }[a.level]
    paragraphs = [what, f"{holder_name} holds this step."]
    if a.excepted:
        paragraphs.append(
            "An exception is recorded on this case: it is counted apart, but the duty to act "
            "as soon as practicable remains."
        )
    if is_plan_alarm(event):  # a plan in force: its own page, and no exceptions to its time limits
        facts = {
            "Plan": event.case_ref,
            "Deadline": deadline_title(event),
            "Due": long_date(due),
            "Status": how,
            "Held by": holder_name,
            "Plan team": team_name,
        }
        subject = f"{headline}: {deadline_title(event)}, {how} - plan {event.case_ref}"
        link = plan_link(base_url, event.case_ref)
        return compose(subject, f"Dear {recipient_name},", paragraphs, facts, link, what="Plan")
    link = case_link(base_url, event.case_ref)
    facts = {
        "Case": event.case_ref,
        "Deadline": deadline_title(event),
        "Due": long_date(due),
        "Status": how,
        "Held by": holder_name,
        "Case team": team_name,
        "Exception recorded": "yes" if a.excepted else "no",
    }
    subject = f"{headline}: {deadline_title(event)}, {how} - case {event.case_ref}"
    return compose(subject, f"Dear {recipient_name},", paragraphs, facts, link)


def family_notice_message(
    notice: ExceptionNotice, recipient_name: str, base_url: str, *, to_family: bool
) -> Message:
    """To the family when their contact is known, and to the case officers (who must make sure they know)."""
    exc = notice.exception
    detail = {
        "Case": notice.case_ref,
        "Exception": exception_in_words(exc.code),
        "Recorded on": long_date(exc.recorded_on),
    }
    if exc.start and exc.end:
        detail["Period"] = f"{long_date(exc.start)} to {long_date(exc.end)}"
    paragraphs = [
        "We have recorded that an exception to the statutory time limits applies to this "
        f"EHC needs assessment: {lower_first(exception_in_words(exc.code))}.",
        "This does not stop the assessment. We must still complete each step as soon as "
        "practicable, and we will keep you informed.",
    ]
    subject = f"Exception recorded on EHC needs assessment {notice.case_ref}"
    if to_family:  # no link: the case pages are for staff
        return compose(subject, "Dear parent or young person,", paragraphs, detail, None)
    paragraphs.append("The family must be told of this (Code of Practice): please make sure they have been.")
    link = case_link(base_url, notice.case_ref)
    return compose(subject, f"Dear {recipient_name},", paragraphs, detail, link)


def undelivered_message(
    recipient_name: str,
    failed_to: str,
    channel: str,
    subject: str,
    error: str,
    case_ref: str | None,
    base_url: str,
) -> Message:
    """To the head of service: an alert could not be delivered and was given up on."""
    facts = {"Alert": subject, "To": failed_to, "Channel": channel, "Last error": error}
    if case_ref:
        facts = {"Case": case_ref, **facts}
    paragraphs = [
        "An alert could not be delivered and the engine has stopped trying. "
        "It is recorded as failed; please make sure its recipient hears of it.",
    ]
    link = case_link(base_url, case_ref) if case_ref else None
    return compose(f"Alert not delivered: {subject}", f"Dear {recipient_name},", paragraphs, facts, link)


def workflow_stopped_message(
    recipient_name: str, case_ref: str, team_name: str, status: str, base_url: str
) -> Message:
    """To the case's manager and the head of service: the engine stopped keeping a case's clock."""
    paragraphs = [
        f"The engine is no longer keeping the statutory clock of case {case_ref}: its workflow "
        f"{STATUS_WORDS.get(status, 'stopped')} without the case being closed. No reminder or breach "
        "alert will come for it until it is looked at.",
        "Please ask whoever runs the engine to look at it, and keep the case's deadlines by hand meanwhile.",
    ]
    facts = {"Case": case_ref, "Team": team_name, "Workflow": status.replace("_", " ").lower()}
    subject = f"Case {case_ref} is no longer being tracked"
    return compose(subject, f"Dear {recipient_name},", paragraphs, facts, case_link(base_url, case_ref))


def advice_received_message(
    recipient_name: str, case_ref: str, kind: AdviceKind, provider_name: str, returned_on: date, base_url: str
) -> Message:
    """To the case officer: advice arrived. The case reference and the advice only, nothing of the child."""
    words = ADVICE_IN_WORDS[kind]
    paragraphs = [
        f"{words} has arrived for case {case_ref} from {provider_name}.",
        "Open the case to read it and to take the next step.",
    ]
    facts = {"Case": case_ref, "Advice": words, "From": provider_name, "Dated": long_date(returned_on)}
    subject = f"Advice received: {lower_first(words)} - case {case_ref}"
    return compose(subject, f"Dear {recipient_name},", paragraphs, facts, case_link(base_url, case_ref))


def advice_digest_message(
    recipient_name: str, day: date, lines: list[tuple[str, AdviceKind, str, date]], base_url: str
) -> Message:
    """To a case officer: the advice that arrived on ``day`` (case, kind, provider's name, its date)."""
    n = len(lines)
    pieces = "1 piece" if n == 1 else f"{n} pieces"
    intro = f"{pieces.capitalize()} of advice arrived for your cases on {long_date(day)}."
    items = [
        (
            f"Case {ref}: {lower_first(ADVICE_IN_WORDS[kind])} from {who}, dated {long_date(on)}",
            case_link(base_url, ref),
        )
        for ref, kind, who, on in lines
    ]
    text = [f"Dear {recipient_name},", "", intro, ""]
    for line, link in items:
        text += [f"  - {line}", f"    {link}"]
    text += ["", f"-- {SERVICE}", ""]
    lis = "".join(f'<li><a href="{escape(link, quote=True)}">{escape(line)}</a></li>' for line, link in items)
    body = "\n".join(
        [
            f"<p>Dear {escape(recipient_name)},</p>",
            f"<p>{escape(intro)}</p>",
            f"<ul>{lis}</ul>",
            f"<p>&mdash; {escape(SERVICE)}</p>",
        ]
    )
    return Message(
        subject=f"Advice received on {day.day} {day:%B %Y}: {pieces}",
        text="\n".join(text),
        html=f'<!doctype html><html lang="en"><body>\n{body}\n</body></html>\n',
        facts={"Advice received": str(n)},
    )
