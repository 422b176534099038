"""The activity behind the reconciliation job (run by the Reconcile schedule)."""

from typing import Protocol

from temporalio import activity


class ReconcilePort(Protocol):
    async def reconcile(self) -> int: ...


class ReconcileActivities:
    def __init__(self, reconciler: ReconcilePort) -> None:
        self._reconciler = reconciler

    @activity.defn(name="reconcile_cases")
    async def reconcile_cases(self) -> int:
        """Compare every open case in the store with its workflow; the number newly found stopped."""
        return await self._reconciler.reconcile()
