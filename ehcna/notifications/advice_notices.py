"""The case officer is told when advice arrives: at once, or in a morning digest of the day before,
as the policy's ``[notices.advice_received]`` says. No policy entry, no notice.

A notice carries the case reference, the advice in words, the team that gave it, its date and a
link; never the summary, the document or anything of the child. Who recorded the advice is not
told of it. Each message is keyed (the case event, or the day and the person), so a retried
activity or a digest run twice sends nothing twice.
"""

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from domain.case import AdviceKind
from domain.clock import start_of_day
from domain.events import AdviceNotice
from ehcna.notifications.delivery import Deliverer, Failed, Outgoing, outgoing
from ehcna.notifications.directory import Target, resolve
from ehcna.notifications.messages import advice_digest_message, advice_received_message
from ehcna.notifications.policy import Notice, Policy
from ehcna.store.alerts import AlertKind
from ehcna.store.models import AdviceRow, AuditRow, CaseOfficerRow, CaseRow


@dataclass(frozen=True)
class Arrived:
    """One piece of advice that arrived, as a notice may tell it."""

    case_ref: str
    team: str  # the case officers' team
    officer: str | None  # the case's named officer (an account name)
    advice_kind: AdviceKind
    provider_team: str
    returned_on: date
    recorded_by: str  # the account that recorded it


def officer_of(session: Session, case_ref: str) -> str | None:
    """The case's named officer (an account name), if it has one."""
    return session.scalar(select(CaseOfficerRow.officer).where(CaseOfficerRow.case_ref == case_ref))


def arrived_on(session: Session, day: date) -> list[Arrived]:
    """The advice recorded as received on ``day`` (in England), from the audit trail, in order."""
    rows = session.execute(
        select(AuditRow.case_ref, AuditRow.actor_user, AuditRow.detail, CaseRow.team)
        .join(CaseRow, CaseRow.ref == AuditRow.case_ref)
        .where(
            AuditRow.action == "submit_advice",
            AuditRow.at >= start_of_day(day),
            AuditRow.at < start_of_day(day + timedelta(days=1)),
        )
        .order_by(AuditRow.at, AuditRow.id)
    ).all()
    out = []
    for ref, by, detail, team in rows:
        advice = session.get(AdviceRow, (ref, str(detail.get("advice_id"))))
        if advice is None or advice.returned_on is None:
            continue
        out.append(
            Arrived(
                ref,
                team,
                officer_of(session, ref),
                AdviceKind(advice.kind),
                advice.provider_team,
                advice.returned_on,
                by,
            )
        )
    return out


class AdviceNotices:
    def __init__(self, policy: Policy, deliverer: Deliverer, sessions: sessionmaker[Session]) -> None:
        self._policy = policy
        self._deliverer = deliverer
        self._sessions = sessions
        self._log = structlog.get_logger("ehcna.notifications")

    @property
    def _notice(self) -> Notice | None:
        return self._policy.notices.advice_received

    def _targets(self, notice: Notice, item: Arrived) -> list[Target]:
        d = self._policy.directory
        targets = resolve(d, notice.to, notice.channels, item.team, item.team, officer=item.officer)
        return [t for t in targets if t.recipient != item.recorded_by and self._deliverer.accepts(t)]

    async def advice_received(
        self, event: AdviceNotice, on_failed: Callable[[list[Failed]], Awaitable[None]] | None = None
    ) -> None:
        """At once, when the policy says so; a digest policy tells it the next morning instead."""
        notice = self._notice
        if notice is None or notice.when != "at_once":
            self._log.info("advice_notice_not_now", key=event.key, when=notice.when if notice else None)
            return
        with self._sessions() as session:
            officer = officer_of(session, event.case_ref)
        item = Arrived(
            event.case_ref,
            event.team,
            officer,
            event.advice_kind,
            event.provider_team,
            event.returned_on,
            event.by.user,
        )
        d = self._policy.directory
        items = [
            outgoing(
                event.key,
                AlertKind.ADVICE_NOTICE,
                t,
                advice_received_message(
                    t.name,
                    item.case_ref,
                    item.advice_kind,
                    d.team_name(item.provider_team),
                    item.returned_on,
                    self._policy.links.case_base_url,
                ),
                case_ref=event.case_ref,
                deadline_key=f"T2:{event.advice_id}",
                team=event.team,
                holder=event.provider_team,
                level="received",
            )
            for t in self._targets(notice, item)
        ]
        await self._deliverer.deliver(items, on_failed=on_failed)

    def digest_items(self, day: date) -> list[Outgoing]:
        """Each person's digest, sent on ``day``, of the advice that arrived the day before."""
        notice = self._notice
        if notice is None or notice.when != "digest":
            return []
        with self._sessions() as session:
            arrived = arrived_on(session, day - timedelta(days=1))
        per_person: dict[Target, list[Arrived]] = defaultdict(list)
        for item in arrived:
            for t in self._targets(notice, item):
                per_person[t].append(item)
        d = self._policy.directory
        out = []
        base_url = self._policy.links.case_base_url
        for t, items in per_person.items():
            lines = [(i.case_ref, i.advice_kind, d.team_name(i.provider_team), i.returned_on) for i in items]
            message = advice_digest_message(t.name, day - timedelta(days=1), lines, base_url)
            out.append(outgoing(f"advice-digest#{day.isoformat()}", AlertKind.ADVICE_DIGEST, t, message))
        return out
