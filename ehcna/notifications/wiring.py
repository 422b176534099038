"""Everything the worker needs from notifications, built from the policy and the environment."""

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import structlog
from sqlalchemy.orm import Session, sessionmaker

from activities.digest import DigestActivities
from activities.ports import NotificationPort
from domain.escalation import Channel
from ehcna.notifications.channels.base import ChannelSender
from ehcna.notifications.channels.notify import API_KEY_ENV, NotifySender
from ehcna.notifications.channels.smtp import SmtpSender
from ehcna.notifications.channels.webhook import WebhookSender
from ehcna.notifications.delivery import Deliverer
from ehcna.notifications.digest import DigestSender
from ehcna.notifications.policy import Links, Policy, PolicyError, load_policy
from ehcna.notifications.port import AlertingNotifications, FamilyContacts
from ehcna.store.adapters import BreachRecordingNotifications

EXIT_BAD_POLICY = 2
PUBLIC_URL_ENV = "EHCNA_PUBLIC_URL"  # where the web app is served; the case links follow it


def load_policy_or_exit(path: str | Path | None = None) -> Policy:
    """The policy, or the process ends with the file, each key and its problem on stderr."""
    try:
        return load_policy(path)
    except PolicyError as err:
        print(f"error: {err}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_POLICY) from None


def channel_senders(policy: Policy, environ: Mapping[str, str]) -> dict[Channel, ChannelSender]:
    """The channels that can send: email with [email]; Notify with [notify] and its API key;
    each webhook whose URL is set. A channel left out is logged, and its alerts are not claimed."""
    log = structlog.get_logger("ehcna.notifications")
    senders: dict[Channel, ChannelSender] = {}
    if policy.email is not None:
        senders[Channel.EMAIL] = SmtpSender.from_environment(policy.email, environ)
    if policy.notify is not None:
        if environ.get(API_KEY_ENV):
            senders[Channel.NOTIFY] = NotifySender.from_environment(policy.notify, environ)
        else:
            log.warning("channel_disabled", channel="notify", reason=f"{API_KEY_ENV} is not set")
    if policy.webhooks:
        webhooks = WebhookSender.from_environment(policy.webhooks, environ)
        for name, cfg in policy.webhooks.items():
            if cfg.url is None and not environ.get(cfg.url_env or ""):
                log.warning("channel_disabled", channel=f"webhook {name}", reason=f"{cfg.url_env} is not set")
        senders[Channel.WEBHOOK] = webhooks
    return senders


@dataclass(frozen=True)
class Notifications:
    policy: Policy
    port: NotificationPort  # for build_worker(notifications=...)
    digests: DigestActivities  # its send_daily_digests goes in the worker's activities


def build_notifications(
    policy: Policy,
    sessions: sessionmaker[Session],
    environ: Mapping[str, str] | None = None,
    family: FamilyContacts | None = None,
) -> Notifications:
    environ = os.environ if environ is None else environ
    if environ.get(PUBLIC_URL_ENV):
        policy = policy.model_copy(update={"links": Links(case_base_url=environ[PUBLIC_URL_ENV])})
    deliverer = Deliverer(
        sessions,
        channel_senders(policy, environ),
        give_up_after=policy.delivery.give_up_after,
        attempt_budget_seconds=policy.delivery.attempt_budget_seconds,
    )
    alerting = AlertingNotifications(policy, deliverer, sessions, family)
    digests = DigestSender(policy, sessions, deliverer, on_failed=alerting.raise_undelivered)
    return Notifications(policy, BreachRecordingNotifications(sessions, alerting), DigestActivities(digests))


def build_notification_port(
    policy: Policy, sessions: sessionmaker[Session], environ: Mapping[str, str] | None = None
) -> NotificationPort:
    """The port the worker passes as ``notifications``: breaches kept, then alerts sent by the policy."""
    return build_notifications(policy, sessions, environ).port
