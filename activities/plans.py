"""The activity a plan's workflow records its events through, with an injected port."""

from typing import Protocol

import structlog
from temporalio import activity

from domain.plan_events import PlanEvent


class PlanRecordPort(Protocol):
    async def record_plan_event(self, event: PlanEvent) -> None: ...

    async def record_plan_events(self, events: list[PlanEvent]) -> None: ...


class LoggingPlanRecords:
    """Writes each plan event as one structured log line (the reference only: no personal data)."""

    def __init__(self) -> None:
        self._log = structlog.get_logger("ehcna.records")

    async def record_plan_event(self, event: PlanEvent) -> None:
        self._log.info(
            "plan_event",
            plan_ref=event.plan.ref,
            key=event.key,
            action=event.action,
            status=str(event.plan.status),
            by=event.by.user,
        )

    async def record_plan_events(self, events: list[PlanEvent]) -> None:
        for event in events:
            await self.record_plan_event(event)


class PlanRecordActivities:
    def __init__(self, records: PlanRecordPort) -> None:
        self._records = records

    @activity.defn(name="record_plan_event")
    async def record_plan_event(self, event: PlanEvent) -> None:
        """Record one applied action; the port keys it on ``event.key``, so a retry writes nothing new."""
        with structlog.contextvars.bound_contextvars(plan_ref=event.plan.ref):
            await self._records.record_plan_event(event)

    @activity.defn(name="record_plan_events")
    async def record_plan_events(self, events: list[PlanEvent]) -> None:
        """Record the events waiting together (an imported plan's start and its history) in one go;
        keyed as ``record_plan_event`` keys each, so a retry writes nothing new."""
        with structlog.contextvars.bound_contextvars(plan_ref=events[0].plan.ref if events else None):
            await self._records.record_plan_events(events)
