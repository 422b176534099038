"""The managers' daily digest: started each morning by a Temporal Schedule.

The day is the schedule's own time in England, so a run retried or caught
up later still sends that day's digest, once.
"""

from datetime import date, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.digest import DigestActivities
    from domain.clock import london_date

from activities.options import ACTIVITY_RETRY

# reading every open case of a service takes longer than one alert
DIGEST_TIMEOUT = timedelta(minutes=2)


@workflow.defn(name="DailyDigest")
class DigestWorkflow:
    @workflow.run
    async def run(self, day: date | None = None) -> int:
        """Send the digests of ``day`` (default: today in England); the number of messages."""
        return await workflow.execute_activity_method(
            DigestActivities.send_daily_digests,
            day or london_date(workflow.now()),
            start_to_close_timeout=DIGEST_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
