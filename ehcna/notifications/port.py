"""The notification port the worker uses: alarms and family notices, by the policy, delivered once.

Recipients are resolved from the directory when the alert is sent, so a
changed address applies to every alert not yet sent.
"""

import asyncio
from typing import Protocol

import structlog
from sqlalchemy.orm import Session, sessionmaker

from domain.escalation import Audience
from domain.events import AdviceNotice, AlarmEvent, ExceptionNotice
from ehcna.notifications.advice_notices import AdviceNotices, officer_of
from ehcna.notifications.delivery import Deliverer, Failed, outgoing
from ehcna.notifications.directory import FAMILY, Target, resolve
from ehcna.notifications.messages import (
    alarm_message,
    family_notice_message,
    undelivered_message,
    workflow_stopped_message,
)
from ehcna.notifications.policy import Policy
from ehcna.store.alerts import AlertKind
from ehcna.store.models import CaseRow


class FamilyContacts(Protocol):
    async def email_of(self, case_ref: str) -> str | None: ...


class NoFamilyContacts:
    """The engine holds no personal data: without a contact source, the case team tells the family."""

    async def email_of(self, case_ref: str) -> str | None:
        return None


class AlertingNotifications:
    """Implements ``NotificationPort``."""

    def __init__(
        self,
        policy: Policy,
        deliverer: Deliverer,
        sessions: sessionmaker[Session],
        family: FamilyContacts | None = None,
    ) -> None:
        self._policy = policy
        self._deliverer = deliverer
        self._sessions = sessions
        self._family = family or NoFamilyContacts()
        self._advice = AdviceNotices(policy, deliverer, sessions)
        self._log = structlog.get_logger("ehcna.notifications")

    def _usable(self, targets: list[Target]) -> list[Target]:
        """Targets a configured channel can reach (a webhook whose URL is not set is skipped)."""
        return [t for t in targets if self._deliverer.accepts(t)]

    async def alarm(self, event: AlarmEvent) -> None:
        step = self._policy.deadlines.step_for(event.alarm)
        if step is None:
            self._log.info("alarm_not_in_policy", key=event.key)
            return
        d = self._policy.directory
        a = event.alarm
        named = Audience.CASE_OFFICER in step.to
        officer = await asyncio.to_thread(self._officer_of, event.case_ref) if named else None
        targets = resolve(d, step.to, step.channels, event.team, event.holder, officer=officer)
        context = {
            "case_ref": event.case_ref,
            "deadline_key": a.deadline_key,
            "level": str(a.level),
            "team": event.team,
            "holder": event.holder,
        }
        items = [
            outgoing(
                event.key,
                AlertKind.ALARM,
                t,
                alarm_message(
                    event, t.name, d.team_name(event.holder), d.team_name(event.team), self._base_url
                ),
                **context,
            )
            for t in self._usable(targets)
        ]
        await self._deliverer.deliver(items, on_failed=self.raise_undelivered)

    async def exception_recorded(self, notice: ExceptionNotice) -> None:
        step = self._policy.exception_notice
        team = await asyncio.to_thread(self._team_of, notice.case_ref)
        family_email = await self._family.email_of(notice.case_ref) if Audience.FAMILY in step.to else None
        targets = resolve(self._policy.directory, step.to, step.channels, team, team, family_email)
        items = [
            outgoing(
                notice.key,
                AlertKind.FAMILY_NOTICE,
                t,
                family_notice_message(notice, t.name, self._base_url, to_family=t.recipient == FAMILY),
                case_ref=notice.case_ref,
                team=team,
                holder=team,
            )
            for t in self._usable(targets)
        ]
        await self._deliverer.deliver(items, on_failed=self.raise_undelivered)

    async def advice_received(self, notice: AdviceNotice) -> None:
        """The case officer hears that advice arrived (at once, or in tomorrow's digest)."""
        await self._advice.advice_received(notice, on_failed=self.raise_undelivered)

    async def raise_undelivered(self, failed: list[Failed]) -> None:
        """Tell the head of service of each alert given up on (one attempt each: no loop of failures)."""
        d = self._policy.directory
        channels = self._policy.delivery.undelivered_channels
        items = []
        for f in failed:
            c = f.outgoing.claim
            team = c.team or d.fallback_team
            for t in self._usable(resolve(d, [Audience.HEAD_OF_SERVICE], channels, team, team)):
                msg = undelivered_message(
                    t.name,
                    f"{c.recipient_name} <{c.address}>",
                    c.channel,
                    c.subject,
                    f.error,
                    c.case_ref,
                    self._base_url,
                )
                context = {"case_ref": c.case_ref, "deadline_key": c.deadline_key, "level": c.level}
                items.append(
                    outgoing(f"{c.key}#undelivered", AlertKind.UNDELIVERED, t, msg, team=c.team, **context)
                )
        await self._deliverer.deliver(items, retry=False)

    async def workflow_stopped(self, case_ref: str, team: str, status: str) -> None:
        """Tell the case's manager and the head of service that a case is no longer tracked (once)."""
        d = self._policy.directory
        channels = self._policy.delivery.undelivered_channels  # the service's own problems go here
        targets = resolve(d, [Audience.CASE_MANAGER, Audience.HEAD_OF_SERVICE], channels, team, team)
        items = [
            outgoing(
                f"stopped:{case_ref}",
                AlertKind.WORKFLOW_STOPPED,
                t,
                workflow_stopped_message(t.name, case_ref, d.team_name(team), status, self._base_url),
                case_ref=case_ref,
                team=team,
                holder=team,
                level="stopped",
            )
            for t in self._usable(targets)
        ]
        await self._deliverer.deliver(items, on_failed=self.raise_undelivered)

    @property
    def _base_url(self) -> str:
        return self._policy.links.case_base_url

    def _officer_of(self, case_ref: str) -> str | None:
        with self._sessions() as session:
            return officer_of(session, case_ref)

    def _team_of(self, case_ref: str) -> str:
        with self._sessions() as session:
            team = CaseRow.team_of(session, case_ref)
        return team or self._policy.directory.fallback_team
