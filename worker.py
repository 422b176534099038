"""Run the EHCNA worker: python worker.py (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE)."""

import asyncio
import logging

import structlog
from temporalio.client import Client
from temporalio.worker import Worker

from activities.casework import CaseRecordActivities, NotificationActivities
from activities.ports import CaseRecordPort, LoggingCaseRecords, LoggingNotifications, NotificationPort
from gateway.client import connect
from logconfig import configure_logging
from settings import Settings, load_settings
from store.adapters import BreachRecordingNotifications, StoreCaseRecords
from store.db import make_engine, session_factory
from store.migrate import upgrade
from workflows.advice import AdviceWorkflow
from workflows.assessment import AssessmentWorkflow

WORKFLOWS = [AssessmentWorkflow, AdviceWorkflow]


def build_worker(
    client: Client,
    task_queue: str,
    records: CaseRecordPort | None = None,
    notifications: NotificationPort | None = None,
) -> Worker:
    """The worker with every workflow and activity, its ports injected."""
    record_acts = CaseRecordActivities(records or LoggingCaseRecords())
    notify_acts = NotificationActivities(notifications or LoggingNotifications())
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=[
            record_acts.record_case_event,
            notify_acts.raise_alarm,
            notify_acts.notify_exception_recorded,
        ],
    )


def store_ports(database_url: str) -> tuple[StoreCaseRecords, BreachRecordingNotifications]:
    """Migrate the read model and return the ports that write it."""
    upgrade(database_url)
    sessions = session_factory(make_engine(database_url))
    return StoreCaseRecords(sessions), BreachRecordingNotifications(sessions, LoggingNotifications())


async def main(settings: Settings) -> None:
    log = structlog.get_logger("ehcna.worker")
    records, notifications = store_ports(settings.database_url)
    client = await connect(settings)
    worker = build_worker(client, settings.task_queue, records=records, notifications=notifications)
    log.info(
        "worker_started",
        address=settings.temporal_address,
        namespace=settings.temporal_namespace,
        task_queue=settings.task_queue,
    )
    await worker.run()


if __name__ == "__main__":
    configure_logging(logging.INFO)
    try:
        asyncio.run(main(load_settings()))
    except KeyboardInterrupt:
        pass
