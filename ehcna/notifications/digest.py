"""Each manager's daily digest: cases at risk, breaches still open, advice overdue by provider.

The open cases are read back from the store into domain ``Case`` objects so
the digest judges deadlines by the same rules as the workflows
(``domain.deadlines``), not by a second copy of them in SQL.
"""

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from domain.case import AdviceKind, AdviceRequest, AdviceStatus, Case, Decision, RequestSource
from domain.clock import LONDON
from domain.deadlines import Deadline, DeadlineStatus, deadlines
from domain.escalation import Channel
from domain.statutory_exceptions import ExceptionCode, RecordedException
from domain.words import day_in_words, deadline_in_words
from ehcna.notifications.advice_notices import AdviceNotices
from ehcna.notifications.delivery import Deliverer, Failed, Outgoing, outgoing
from ehcna.notifications.digest_message import digest_message
from ehcna.notifications.directory import Directory, Target
from ehcna.notifications.messages import days_text
from ehcna.notifications.policy import Policy
from ehcna.store.alerts import AlertKind, AlertRow, AlertState
from ehcna.store.models import AdviceRow, CaseRow, ExceptionRow
from ehcna.store.plan_worklist import ReviewItem, overdue_reviews

UNDELIVERED_LOOKBACK = timedelta(days=7)


@dataclass(frozen=True)
class Line:
    case_ref: str
    deadline: Deadline
    holder: str  # the holding team's name

    def describe(self, as_of: date) -> str:
        d = self.deadline
        days = (d.due - as_of).days
        when = (
            f"{days_text(-days)} late"
            if days < 0
            else ("due today" if not days else f"due in {days_text(days)}")
        )
        what = deadline_in_words(d.duty, d.subject)
        return f"{self.case_ref}: {what} - {when} ({day_in_words(d.due)}), held by {self.holder}"


@dataclass(frozen=True)
class ReviewLine:
    """An annual review whose date has passed without its meeting (R1, or R10 for a plan transferred in)."""

    plan_ref: str
    due: date
    setting: str | None  # the name of the setting that convenes it

    def describe(self, as_of: date) -> str:
        late = days_text((as_of - self.due).days)
        who = f", convened by {self.setting}" if self.setting else ""
        return f"{self.plan_ref}: annual review {late} late (due {day_in_words(self.due)}){who}"


@dataclass
class ManagerDigest:
    day: date
    teams: list[str]
    at_risk: list[Line] = field(default_factory=list)
    breached: list[Line] = field(default_factory=list)
    advice_overdue: dict[str, list[Line]] = field(default_factory=dict)  # provider team name -> lines
    undelivered: list[str] = field(default_factory=list)
    overdue_reviews: list[ReviewLine] = field(default_factory=list)  # plans in force, most overdue first

    @property
    def is_empty(self) -> bool:
        return not (
            self.at_risk or self.breached or self.advice_overdue or self.undelivered or self.overdue_reviews
        )


def review_lines(items: list[ReviewItem], directory: Directory) -> list[ReviewLine]:
    return [
        ReviewLine(i.ref, i.review_due, directory.team_name(i.setting_team) if i.setting_team else None)
        for i in items
    ]


def _case(row: CaseRow, advice: list[AdviceRow], exceptions: list[ExceptionRow]) -> Case:
    def decision(yes: bool | None, on: date | None) -> Decision | None:
        return Decision(yes=yes, on=on) if yes is not None and on is not None else None

    return Case(
        ref=row.ref,
        day0=row.day0,
        request_source=RequestSource(row.request_source),
        team=row.team,
        year_group=row.year_group,
        decision_to_assess=decision(row.decided_to_assess, row.decision_to_assess_on),
        decision_to_issue=decision(row.decided_to_issue, row.decision_to_issue_on),
        draft_served_on=row.draft_served_on,
        family_response_on=row.family_response_on,
        final_plan_issued_on=row.final_plan_on,
        advice=[
            AdviceRequest(
                id=a.advice_id,
                kind=AdviceKind(a.kind),
                provider_team=a.provider_team,
                requested_on=a.requested_on,
                status=AdviceStatus(a.status),
                returned_on=a.returned_on,
                existing_advice_date=a.existing_advice_date,
                document_ref=a.document_ref,
                not_received_on=a.not_received_on,
            )
            for a in advice
        ],
        exceptions=[
            RecordedException(
                code=ExceptionCode(e.code),
                recorded_on=e.recorded_on,
                description=e.description,
                start=e.start,
                end=e.end,
                advice_id=e.advice_id,
                requested_on=e.requested_on,
                appointment_on=e.appointment_on,
            )
            for e in sorted(exceptions, key=lambda e: e.position)
        ],
    )


def open_cases(session: Session, teams: Iterable[str]) -> list[Case]:
    """Open cases of ``teams``, and open cases waiting on advice from ``teams``."""
    teams = list(teams)
    owing = select(AdviceRow.case_ref).where(
        AdviceRow.provider_team.in_(teams), AdviceRow.status == str(AdviceStatus.REQUESTED)
    )
    rows = session.scalars(
        select(CaseRow)
        .where(CaseRow.outcome.is_(None), or_(CaseRow.team.in_(teams), CaseRow.ref.in_(owing)))
        .order_by(CaseRow.ref)
    ).all()
    refs = [r.ref for r in rows]
    advice: dict[str, list[AdviceRow]] = defaultdict(list)
    for a in session.scalars(select(AdviceRow).where(AdviceRow.case_ref.in_(refs))):
        advice[a.case_ref].append(a)
    exceptions: dict[str, list[ExceptionRow]] = defaultdict(list)
    for e in session.scalars(select(ExceptionRow).where(ExceptionRow.case_ref.in_(refs))):
        exceptions[e.case_ref].append(e)
    return [_case(r, advice[r.ref], exceptions[r.ref]) for r in rows]


def _awaited(case: Case, d: Deadline) -> bool:
    """Still awaiting its step (advice given up on as NOT_RECEIVED no longer is)."""
    if d.subject is None:
        return d.is_open
    advice = case.advice_by_id(d.subject)
    return advice is not None and advice.is_open


def build_digest(
    cases: list[Case], teams: list[str], directory: Directory, day: date, undelivered: list[str]
) -> ManagerDigest:
    digest = ManagerDigest(day=day, teams=teams, undelivered=undelivered)
    overdue: dict[str, list[Line]] = defaultdict(list)
    for case in cases:
        for d in deadlines(case, day):
            if not _awaited(case, d) or d.status not in (DeadlineStatus.AT_RISK, DeadlineStatus.BREACHED):
                continue
            holder = d.holder or case.team
            line = Line(case.ref, d, directory.team_name(holder))
            ours = case.team in teams
            if d.subject is not None and d.status is DeadlineStatus.BREACHED and (ours or holder in teams):
                overdue[line.holder].append(line)
            if not ours:
                continue
            if d.status is DeadlineStatus.AT_RISK:
                digest.at_risk.append(line)
            elif d.subject is None:  # advice breaches are listed by provider below
                digest.breached.append(line)
    digest.at_risk.sort(key=lambda line: (line.deadline.due, line.case_ref))
    digest.breached.sort(key=lambda line: (line.deadline.due, line.case_ref))
    digest.advice_overdue = {
        k: sorted(v, key=lambda line: line.deadline.due) for k, v in sorted(overdue.items())
    }
    return digest


def undelivered_alerts(session: Session, teams: list[str], since: datetime) -> list[str]:
    rows = session.scalars(
        select(AlertRow)
        .where(
            AlertRow.state == str(AlertState.FAILED),
            AlertRow.failed_at >= since,
            or_(AlertRow.team.in_(teams), AlertRow.holder.in_(teams)),
        )
        .order_by(AlertRow.failed_at)
    ).all()
    return [f"{r.subject} - to {r.recipient_name} by {r.channel}: {r.last_error or 'failed'}" for r in rows]


def digest_recipients(policy: Policy) -> dict[str, list[str]]:
    """Each person who gets a digest, and the teams it covers."""
    out: dict[str, list[str]] = {}
    d = policy.directory
    for role in policy.digest.to:
        for pid, teams in (d.managers() if role == "manager" else d.heads()).items():
            out[pid] = sorted(set(out.get(pid, [])) | set(teams))
    return out


def digest_targets(policy: Policy, person_id: str) -> list[Target]:
    person = policy.directory.people[person_id]
    return [Target(person_id, person.name, Channel(c), person.email) for c in policy.digest.channels]


class DigestSender:
    """Builds and delivers the day's digests, each once per (day, person, channel)."""

    def __init__(
        self,
        policy: Policy,
        sessions: sessionmaker[Session],
        deliverer: Deliverer,
        on_failed: Callable[[list[Failed]], Awaitable[None]] | None = None,
    ) -> None:
        self._policy = policy
        self._sessions = sessions
        self._deliverer = deliverer
        self._on_failed = on_failed
        self._advice = AdviceNotices(policy, deliverer, sessions)

    def _build(self, teams: list[str], day: date) -> ManagerDigest:
        since = datetime.combine(day, time(0, 0), tzinfo=LONDON) - UNDELIVERED_LOOKBACK
        with self._sessions() as session:
            cases = open_cases(session, teams)
            undelivered = undelivered_alerts(session, teams, since)
            reviews = overdue_reviews(session, day, tuple(teams))
        digest = build_digest(cases, teams, self._policy.directory, day, undelivered)
        digest.overdue_reviews = review_lines(reviews, self._policy.directory)
        return digest

    async def send_digests(self, day: date) -> int:
        """Send the digests of ``day``; the number of messages this call had to deliver."""
        items: list[Outgoing] = []
        for person_id, teams in digest_recipients(self._policy).items():
            digest = await asyncio.to_thread(self._build, teams, day)
            if digest.is_empty and not self._policy.digest.send_when_empty:
                continue
            name = self._policy.directory.people[person_id].name
            message = digest_message(digest, name, self._policy.directory, self._policy.links.case_base_url)
            items += [
                outgoing(f"digest#{day.isoformat()}#{person_id}", AlertKind.DIGEST, t, message)
                for t in digest_targets(self._policy, person_id)
                if self._deliverer.accepts(t)
            ]
        # the case officers' digest of the advice that arrived yesterday, when the policy says so
        items += await asyncio.to_thread(self._advice.digest_items, day)
        await self._deliverer.deliver(items, on_failed=self._on_failed)
        return len(items)
