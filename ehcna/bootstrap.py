"""The one place where the engine is put together: settings, policy, store, Temporal client,
notification channels, the worker and the web app.

``worker.py``, ``starter.py``, the web app and the CLI call these builders;
nothing else reads the environment or decides which adapter serves a port.
"""

import asyncio
import compileall
import os
import secrets
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.worker import Worker, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

import workflows
from activities.casework import CaseRecordActivities, NotificationActivities
from activities.digest import DigestActivities
from activities.plans import LoggingPlanRecords, PlanRecordActivities, PlanRecordPort
from activities.ports import CaseRecordPort, LoggingCaseRecords, LoggingNotifications, NotificationPort
from activities.reconcile import ReconcileActivities
from domain.escalation import Channel
from ehcna.gateway.cases import CaseGateway
from ehcna.gateway.client import connect
from ehcna.gateway.plans import PlanGateway
from ehcna.gateway.schedules import ensure_digest_schedule, ensure_reconcile_schedule
from ehcna.logconfig import configure_logging
from ehcna.notifications.channels.base import ChannelSender
from ehcna.notifications.channels.notify import NotifySender
from ehcna.notifications.channels.smtp import SmtpSender
from ehcna.notifications.channels.webhook import WebhookSender
from ehcna.notifications.delivery import Deliverer
from ehcna.notifications.digest import DigestSender
from ehcna.notifications.policy import DEFAULT_POLICY_PATH, Links, Policy, PolicyError, load_policy
from ehcna.notifications.port import AlertingNotifications, FamilyContacts
from ehcna.notifications.reconcile import Reconciler
from ehcna.settings import Settings, SettingsError
from ehcna.store.adapters import BreachRecordingNotifications, StoreCaseRecords
from ehcna.store.db import make_engine, session_factory
from ehcna.store.migrate import upgrade
from ehcna.store.plans import StorePlanRecords
from ehcna.store.records import case_stored
from ehcna.web.app import create_app
from ehcna.web.services import Services, TeamInfo
from workflows.advice import AdviceWorkflow
from workflows.assessment import AssessmentWorkflow
from workflows.digest import DigestWorkflow
from workflows.plan import PlanWorkflow
from workflows.reconcile import ReconcileWorkflow

EXIT_BAD_CONFIGURATION = 2
WORKFLOWS = [AssessmentWorkflow, AdviceWorkflow, DigestWorkflow, ReconcileWorkflow, PlanWorkflow]
# The packages the workflow sandbox takes from the worker's own imports instead of running them afresh
# for every workflow it creates: the workflow modules themselves, the pure rules and the activity
# references they use. Each is deterministic and keeps only constants at module level (nothing a
# workflow changes). Re-imported per workflow, the workflow modules cost a quarter of the worker's CPU
# in an import of open cases (py-spy, BENCHMARKS.md, issue 16).
# Passed through, their code is no longer checked by the sandbox's module restrictions (datetime.now,
# random, ...) at run time: the recorded histories are replayed under the default, strict sandbox too.
PASSED_THROUGH = ("workflows", "domain", "activities")
# a SIGTERM lets requests in flight finish for this long, then the app exits anyway
# (a request waiting on a workflow that no worker serves would otherwise keep it up for ever)
GRACEFUL_SHUTDOWN_SECONDS = 5  # under the 10 s a container is given to stop


# -- configuration: a bad environment or policy stops the process with each problem named


def load_settings() -> Settings:
    try:
        return Settings.from_env()
    except SettingsError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_CONFIGURATION) from None


def load_policy_or_exit(settings: Settings) -> Policy:
    """The policy, or the process ends with the file, each key and its problem on stderr."""
    try:
        return load_policy(settings.escalation_policy)
    except PolicyError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_CONFIGURATION) from None


def sessions_for(database_url: str) -> sessionmaker[Session]:
    return session_factory(make_engine(database_url))


# -- notifications


def channel_senders(policy: Policy, settings: Settings) -> dict[Channel, ChannelSender]:
    """The channels that can send: email with [email]; Notify with [notify] and its API key;
    each webhook whose URL is set. A channel left out is logged, and its alerts are not claimed."""
    log = structlog.get_logger("ehcna.notifications")
    senders: dict[Channel, ChannelSender] = {}
    if policy.email is not None:
        senders[Channel.EMAIL] = SmtpSender.from_settings(policy.email, settings)
    if policy.notify is not None:
        if settings.notify_api_key:
            senders[Channel.NOTIFY] = NotifySender.from_settings(policy.notify, settings)
        else:
            log.warning("channel_disabled", channel="notify", reason="EHCNA_NOTIFY_API_KEY is not set")
    if policy.webhooks:
        for name, cfg in policy.webhooks.items():
            if cfg.url is None and not settings.webhook_url(cfg.url_env or ""):
                log.warning("channel_disabled", channel=f"webhook {name}", reason=f"{cfg.url_env} is not set")
        senders[Channel.WEBHOOK] = WebhookSender.from_settings(policy.webhooks, settings)
    return senders


@dataclass(frozen=True)
class Notifications:
    policy: Policy
    port: NotificationPort  # for build_worker(notifications=...)
    digests: DigestActivities  # its send_daily_digests goes in the worker's activities
    alerting: AlertingNotifications  # the alerts themselves (a stopped workflow, say)


def reconciler(
    client: Client, settings: Settings, sessions: sessionmaker[Session], alerts: Notifications
) -> Reconciler:
    """The job that finds cases whose workflow stopped, reading Temporal through the gateway."""
    cases = CaseGateway(client, settings.task_queue)
    return Reconciler(sessions, cases.workflow_status, alerts.alerting.workflow_stopped)


def build_notifications(
    policy: Policy,
    sessions: sessionmaker[Session],
    settings: Settings | None = None,
    family: FamilyContacts | None = None,
) -> Notifications:
    """Alerts by the policy through the configured channels, each breach kept in the store first."""
    settings = settings or Settings()
    if settings.public_url:
        policy = policy.model_copy(update={"links": Links(case_base_url=settings.public_url)})
    deliverer = Deliverer(
        sessions,
        channel_senders(policy, settings),
        give_up_after=policy.delivery.give_up_after,
        attempt_budget_seconds=policy.delivery.attempt_budget_seconds,
    )
    alerting = AlertingNotifications(policy, deliverer, sessions, family)
    digests = DigestSender(policy, sessions, deliverer, on_failed=alerting.raise_undelivered)
    port = BreachRecordingNotifications(sessions, alerting)
    return Notifications(policy, port, DigestActivities(digests), alerting)


# -- the worker


def cache_workflow_bytecode(folder: Path = Path(workflows.__file__).parent) -> None:
    """Write the workflow modules' bytecode if it is missing or stale.

    A sandbox that does not pass the workflow modules through (the SDK's default, as the strict
    replay of the recorded histories uses) runs each afresh for every workflow it creates; with
    PYTHONDONTWRITEBYTECODE set (as in many images and shells) it would compile the source every
    time. A read-only tree is left as it is.
    """
    compileall.compile_dir(folder, quiet=2)


def workflow_runner() -> SandboxedWorkflowRunner:
    """The sandbox of the worker and of every replayer: the SDK's restrictions, ``PASSED_THROUGH`` passed.

    The builtins the sandbox forbids (``open``, ``input``, ``breakpoint``, ...) stay forbidden to every
    workflow, and any other module a workflow imports is still restricted as before.
    """
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSED_THROUGH)
    )


def build_worker(
    client: Client,
    task_queue: str,
    records: CaseRecordPort | None = None,
    notifications: NotificationPort | None = None,
    digests: DigestActivities | None = None,
    reconcile: ReconcileActivities | None = None,
    plan_records: PlanRecordPort | None = None,
    runner: WorkflowRunner | None = None,
) -> Worker:
    """The worker with every workflow and activity, its ports injected (logging ones if not given);
    its sandbox ``workflow_runner()`` unless another is given (a bench compares the SDK's default)."""
    cache_workflow_bytecode()
    record_acts = CaseRecordActivities(records or LoggingCaseRecords())
    notify_acts = NotificationActivities(notifications or LoggingNotifications())
    activities: list[Callable[..., Awaitable[object]]] = [
        record_acts.record_case_event,
        record_acts.record_case_events,
        notify_acts.raise_alarm,
        notify_acts.notify_exception_recorded,
        notify_acts.notify_advice_received,
    ]
    plan_acts = PlanRecordActivities(plan_records or LoggingPlanRecords())
    activities += [plan_acts.record_plan_event, plan_acts.record_plan_events]
    if digests is not None:
        activities.append(digests.send_daily_digests)
    if reconcile is not None:
        activities.append(reconcile.reconcile_cases)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=activities,
        workflow_runner=runner or workflow_runner(),
    )


async def run_worker(settings: Settings) -> None:
    log = structlog.get_logger("ehcna.worker")
    policy = load_policy_or_exit(settings)  # first: a bad file stops here, naming each key and problem
    upgrade(settings.database_url)
    sessions = sessions_for(settings.database_url)
    alerts = build_notifications(policy, sessions, settings)
    client = await connect(settings)
    await ensure_digest_schedule(client, settings.task_queue, policy.digest)
    await ensure_reconcile_schedule(client, settings.task_queue)
    worker = build_worker(
        client,
        settings.task_queue,
        records=StoreCaseRecords(sessions),
        notifications=alerts.port,
        digests=alerts.digests,
        reconcile=ReconcileActivities(reconciler(client, settings, sessions, alerts)),
        plan_records=StorePlanRecords(sessions),
    )
    log.info(
        "worker_started",
        policy=str(settings.escalation_policy or DEFAULT_POLICY_PATH),
        address=settings.temporal_address,
        namespace=settings.temporal_namespace,
        task_queue=settings.task_queue,
    )
    await worker.run()


# -- programs that start cases, and the web app


def case_gateway(
    client: Client, settings: Settings, policy: Policy, sessions: sessionmaker[Session]
) -> CaseGateway:
    """The gateway new cases start through, with the policy's alarm offsets and the store's refs."""
    return CaseGateway(
        client,
        settings.task_queue,
        timing=policy.timing(),
        stored=case_stored(sessions),
        plan_timing=policy.deadlines.plan_timing(),
    )


def directory_teams(policy: Policy) -> dict[str, TeamInfo]:
    """The directory's teams as the web app checks and offers them."""
    return {
        tid: TeamInfo(team.name, team.casework, tuple(str(k) for k in team.advice), team.setting)
        for tid, team in policy.directory.teams.items()
    }


def web_app(settings: Settings, policy: Policy) -> FastAPI:
    """The web app; its Temporal client is made on start-up, inside the server's event loop."""

    async def services() -> Services:
        client = await connect(settings)
        sessions = sessions_for(settings.database_url)  # one engine, one pool
        managers = policy.directory.managers()  # person id -> the teams they manage
        return Services(
            cases=case_gateway(client, settings, policy, sessions),
            sessions=sessions,
            team_names=policy.directory.team_name,  # the pages name teams as the directory does
            organisation=settings.organisation,
            managed_teams=lambda actor: managers.get(actor.user, ()),
            temporal_ui_origin=settings.temporal_ui_url,
            teams=directory_teams(policy),
            plans=PlanGateway(client, settings.task_queue, timing=policy.deadlines.plan_timing()),
        )

    return create_app(
        build=services, session_secret=secret_key(settings), cookie_secure=settings.cookie_secure
    )


def secret_key(settings: Settings) -> str:
    """The session-signing key: from the settings; in development, a file made once in the var folder."""
    if settings.secret_key:
        return settings.secret_key.get_secret_value()
    path = settings.var_dir / "secret_key"
    if not path.exists():
        settings.var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # owner only
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable by others
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def web_server_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn serves the web app (``uvicorn.run`` and ``uvicorn.Config`` take these)."""
    return {
        "host": settings.web_host,
        "port": settings.web_port,
        # behind the council's proxy each person keeps their own address (sign-in throttling counts by it)
        "proxy_headers": True,
        "forwarded_allow_ips": settings.trusted_proxies,
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_SECONDS,
        # uvicorn's access log writes each request's query string: searches for a child's surname,
        # UPN or date of birth. The app logs each request by its path only (ehcna.web.request_log).
        "access_log": False,
        "log_config": None,  # uvicorn's own lines in the engine's format (configure_logging)
    }


def run_web(settings: Settings) -> None:
    import uvicorn

    configure_logging()
    # first, as the worker does: a bad policy file stops here, naming each key and its problem
    policy = load_policy_or_exit(settings)
    uvicorn.run(web_app(settings, policy), **web_server_options(settings))


def main_worker(settings: Settings | None = None) -> None:
    """``python worker.py`` (or ``ehcna worker``): the worker until it is stopped."""
    configure_logging()
    settings = settings or load_settings()
    try:
        asyncio.run(run_worker(settings))
    except KeyboardInterrupt:
        pass
