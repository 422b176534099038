"""Run the EHCNA worker: python worker.py.

Settings from the environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE,
EHCNA_TASK_QUEUE, EHCNA_DATABASE_URL, EHCNA_ESCALATION_POLICY and the
channel secrets (EHCNA_SMTP_PASSWORD...). A bad policy file stops the worker
with the key and the problem before anything starts.
"""

import asyncio
import compileall
import logging
from pathlib import Path

import structlog
from temporalio.client import Client
from temporalio.worker import Worker

import workflows
from activities.casework import CaseRecordActivities, NotificationActivities
from activities.digest import DigestActivities
from activities.ports import CaseRecordPort, LoggingCaseRecords, LoggingNotifications, NotificationPort
from ehcna.gateway.client import connect
from ehcna.logconfig import configure_logging
from ehcna.notifications.schedule import ensure_digest_schedule
from ehcna.notifications.wiring import build_notifications, load_policy_or_exit
from ehcna.settings import Settings, load_settings
from ehcna.store.adapters import BreachRecordingNotifications, StoreCaseRecords
from ehcna.store.db import make_engine, session_factory
from ehcna.store.migrate import upgrade
from workflows.advice import AdviceWorkflow
from workflows.assessment import AssessmentWorkflow
from workflows.digest import DigestWorkflow

WORKFLOWS = [AssessmentWorkflow, AdviceWorkflow, DigestWorkflow]


def cache_workflow_bytecode(folder: Path = Path(workflows.__file__).parent) -> None:
    """Write the workflow modules' bytecode if it is missing or stale.

    The sandbox runs each workflow module afresh for every workflow it creates;
    with PYTHONDONTWRITEBYTECODE set (as in many images and shells) it would
    compile the source every time. A read-only tree is left as it is.
    """
    compileall.compile_dir(folder, quiet=2)


def build_worker(
    client: Client,
    task_queue: str,
    records: CaseRecordPort | None = None,
    notifications: NotificationPort | None = None,
    digests: DigestActivities | None = None,
) -> Worker:
    """The worker with every workflow and activity, its ports injected."""
    cache_workflow_bytecode()
    record_acts = CaseRecordActivities(records or LoggingCaseRecords())
    notify_acts = NotificationActivities(notifications or LoggingNotifications())
    activities = [
        record_acts.record_case_event,
        notify_acts.raise_alarm,
        notify_acts.notify_exception_recorded,
    ]
    if digests is not None:
        activities.append(digests.send_daily_digests)
    return Worker(client, task_queue=task_queue, workflows=WORKFLOWS, activities=activities)


def store_ports(database_url: str) -> tuple[StoreCaseRecords, BreachRecordingNotifications]:
    """Migrate the read model and return the ports that write it (alerts only logged)."""
    upgrade(database_url)
    sessions = session_factory(make_engine(database_url))
    return StoreCaseRecords(sessions), BreachRecordingNotifications(sessions, LoggingNotifications())


async def main(settings: Settings) -> None:
    log = structlog.get_logger("ehcna.worker")
    policy = load_policy_or_exit()  # first: a bad file stops here, naming each key and problem
    upgrade(settings.database_url)
    sessions = session_factory(make_engine(settings.database_url))
    alerts = build_notifications(policy, sessions)
    client = await connect(settings)
    await ensure_digest_schedule(client, settings.task_queue, policy.digest)
    worker = build_worker(
        client,
        settings.task_queue,
        records=StoreCaseRecords(sessions),
        notifications=alerts.port,
        digests=alerts.digests,
    )
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
