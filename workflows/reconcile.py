"""The reconciliation job: started every few minutes by a Temporal Schedule."""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.options import ACTIVITY_RETRY
    from activities.reconcile import ReconcileActivities

# every open case is described once: a large caseload takes longer than one alert
RECONCILE_TIMEOUT = timedelta(minutes=10)


@workflow.defn(name="Reconcile")
class ReconcileWorkflow:
    @workflow.run
    async def run(self) -> int:
        """The number of cases newly found with their workflow stopped."""
        return await workflow.execute_activity_method(
            ReconcileActivities.reconcile_cases,
            start_to_close_timeout=RECONCILE_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
        )
