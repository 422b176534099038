"""The Temporal Schedules: the managers' digest each morning in England, and the reconciliation job."""

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from ehcna.notifications.policy import Digest
from workflows.digest import DigestWorkflow
from workflows.reconcile import ReconcileWorkflow

DIGEST_SCHEDULE_ID = "ehcna-daily-digest"


def digest_schedule(task_queue: str, digest: Digest, schedule_id: str = DIGEST_SCHEDULE_ID) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            DigestWorkflow.run,
            id=schedule_id,  # the server appends each run's time
            task_queue=task_queue,
            execution_timeout=timedelta(hours=20),  # before the next morning's run
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(hour=[ScheduleRange(digest.hour)], minute=[ScheduleRange(digest.minute)])
            ],
            time_zone_name="Europe/London",
        ),
        # a worker down over the morning still sends that day's digest when it is back
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP, catchup_window=timedelta(hours=12)),
    )


async def ensure_digest_schedule(
    client: Client, task_queue: str, digest: Digest, schedule_id: str = DIGEST_SCHEDULE_ID
) -> None:
    """Create the schedule, or bring an existing one to the policy's time (idempotent, at every start)."""
    await _ensure(client, schedule_id, digest_schedule(task_queue, digest, schedule_id))


async def _ensure(client: Client, schedule_id: str, schedule: Schedule) -> None:
    try:
        await client.create_schedule(schedule_id, schedule)
    except ScheduleAlreadyRunningError:

        def replace(_: ScheduleUpdateInput) -> ScheduleUpdate:
            return ScheduleUpdate(schedule=schedule)

        await client.get_schedule_handle(schedule_id).update(replace)


RECONCILE_SCHEDULE_ID = "ehcna-reconcile"
RECONCILE_EVERY = timedelta(minutes=15)


def reconcile_schedule(task_queue: str, every: timedelta = RECONCILE_EVERY) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            ReconcileWorkflow.run,
            id=RECONCILE_SCHEDULE_ID,
            task_queue=task_queue,
            execution_timeout=every * 4,
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_reconcile_schedule(
    client: Client, task_queue: str, every: timedelta = RECONCILE_EVERY
) -> None:
    """The store and Temporal compared every ``every`` (idempotent, at every worker start)."""
    await _ensure(client, RECONCILE_SCHEDULE_ID, reconcile_schedule(task_queue, every))
