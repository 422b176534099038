"""A bare Temporal case of the engine's shape, for the throughput benchmark's baseline.

A ``BaselineCase`` workflow records its start with one no-op local activity,
then takes one update per step of a case; each update's handler awaits one
no-op local activity (as the engine answers an action once its local record
activity has completed), and may start a ``BaselineAdvice`` child or signal one. A child
waits for its signal and ends; the case ends after its closing step, once its
children have. No domain rules, no store, no search attributes, no timers:
what is left is the cost of Temporal itself for the same histories' shape.

Deterministic workflow code, no I/O; the activity does nothing.
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker

TIMEOUT = timedelta(seconds=10)


@dataclass
class Step:
    """One action on a baseline case: optionally starting or signalling a child, or closing it."""

    name: str
    start_child: str | None = None
    signal_child: str | None = None
    closes: bool = False


@activity.defn(name="baseline_record")
async def record(step: str) -> None:
    """Nothing: stands for the engine's record activity without its store."""


@workflow.defn(name="BaselineAdvice")
class BaselineAdvice:
    def __init__(self) -> None:
        self._done = False

    @workflow.signal
    def done(self) -> None:
        self._done = True

    @workflow.run
    async def run(self, case_id: str) -> None:
        await workflow.wait_condition(lambda: self._done)


@workflow.defn(name="BaselineCase")
class BaselineCase:
    def __init__(self) -> None:
        self._children: dict[str, Any] = {}
        self._closed = False
        self._steps = 0

    @workflow.update
    async def act(self, step: Step) -> int:
        await workflow.execute_local_activity(record, step.name, start_to_close_timeout=TIMEOUT)
        if step.start_child:
            self._children[step.start_child] = await workflow.start_child_workflow(
                BaselineAdvice.run,
                workflow.info().workflow_id,
                id=f"{workflow.info().workflow_id}-advice-{step.start_child}",
            )
        if step.signal_child:
            await self._children[step.signal_child].signal(BaselineAdvice.done)
        self._closed = self._closed or step.closes
        self._steps += 1
        return self._steps

    @workflow.run
    async def run(self, ref: str) -> int:
        await workflow.execute_local_activity(record, "start", start_to_close_timeout=TIMEOUT)
        await workflow.wait_condition(lambda: self._closed)
        for child in self._children.values():
            await child
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._steps


def baseline_worker(client: Client, task_queue: str) -> Worker:
    """The baseline's worker, with the same defaults (sandbox, cache, pollers) as the engine's."""
    return Worker(
        client, task_queue=task_queue, workflows=[BaselineCase, BaselineAdvice], activities=[record]
    )
