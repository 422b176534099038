"""Webhooks against a real HTTP server on loopback; GOV.UK Notify through its own client."""

import jwt
import pytest
from sqlalchemy import select
from temporalio.exceptions import ApplicationError

from domain.alarms import AlarmLevel
from ehcna.bootstrap import build_notifications
from ehcna.notifications.policy import parse_policy
from ehcna.settings import Settings
from ehcna.store.alerts import AlertRow
from tests.notifications.events import alarm_event
from tests.notifications.policies import PEOPLE, policy_text
from tests.notifications.sinks import http_sink, smtp_sink

T1 = "Decision whether to assess within 6 weeks"  # the deadline in words (domain/words.py)

BREACH_BY_EMAIL = 'breach = { to = ["case_manager"], channels = ["email"] }'


def webhook_policy(smtp_port: int, url: str, fmt: str = "json", retries: int = 1):
    """T1's breach goes to the North team's channel only."""
    text = policy_text(smtp_port, url).replace(
        BREACH_BY_EMAIL, 'breach = { to = ["case_manager"], channels = ["webhook"] }', 1
    )
    text = text.replace('format = "json"\nretries = 1', f'format = "{fmt}"\nretries = {retries}')
    text = text.replace('manager = "north-lead"\n', 'manager = "north-lead"\nwebhook = "managers"\n')
    return parse_policy(text)


def states(db) -> list[tuple[str, str, int]]:
    with db.sessions() as s:
        return [(r.channel, r.state, r.attempts) for r in s.scalars(select(AlertRow).order_by(AlertRow.id))]


async def test_a_webhook_is_retried_on_500s_and_delivered_once(db):
    with smtp_sink() as smtp, http_sink(answer=lambda n: 500 if n < 2 else 200) as hook:
        port = build_notifications(
            webhook_policy(smtp.port, hook.url, retries=2), db.sessions, settings=Settings()
        ).port
        event = alarm_event(AlarmLevel.BREACH)
        await port.alarm(event)
        await port.alarm(event)  # the activity retried after success: no second post
        assert len(hook.requests) == 3 and len(hook.delivered()) == 1
        body = hook.delivered()[0].body
        assert body["key"] == "ehcna-EH-1#T1:breach:0#webhook:managers#webhook"
        assert body["link"] == "https://ehcna.test/cases/EH-1"
        assert body["facts"]["Status"] == "1 day late" and body["facts"]["Held by"] == "North SEN team"
        assert hook.delivered()[0].headers["Idempotency-Key"] == body["key"]
        assert smtp.received() == []
    assert states(db) == [("webhook", "sent", 1)]


async def test_a_webhook_down_past_its_quick_retries_is_retried_by_the_activity(db):
    with smtp_sink() as smtp, http_sink(answer=lambda n: 503 if n < 5 else 200) as hook:
        port = build_notifications(
            webhook_policy(smtp.port, hook.url, retries=1), db.sessions, settings=Settings()
        ).port
        event = alarm_event(AlarmLevel.BREACH)
        for _ in range(2):
            with pytest.raises(ApplicationError):
                await port.alarm(event)
        await port.alarm(event)
        await port.alarm(event)
        assert len(hook.requests) == 6 and len(hook.delivered()) == 1
    assert states(db) == [("webhook", "sent", 3)]


async def test_the_chat_mode_posts_a_body_teams_and_slack_accept(db):
    with smtp_sink() as smtp, http_sink() as hook:
        port = build_notifications(
            webhook_policy(smtp.port, hook.url, fmt="chat"), db.sessions, settings=Settings()
        ).port
        await port.alarm(alarm_event(AlarmLevel.BREACH))
        (req,) = hook.requests
        assert set(req.body) == {"text"}
        assert req.body["text"].startswith(f"**Deadline breached: {T1}, 1 day late - case EH-1**")
        assert "https://ehcna.test/cases/EH-1" in req.body["text"]


async def test_a_webhook_that_refuses_the_post_fails_for_good(db):
    with smtp_sink() as smtp, http_sink(answer=lambda n: 404) as hook:
        port = build_notifications(webhook_policy(smtp.port, hook.url), db.sessions, settings=Settings()).port
        await port.alarm(alarm_event(AlarmLevel.BREACH))
        assert len(hook.requests) == 2  # the failed post, then the head of service's notice on the channel
        (notice,) = smtp.received()
        assert notice.to == PEOPLE["hos"] and "404" in notice.text
    assert [s[:2] for s in states(db)] == [("webhook", "failed"), ("email", "sent"), ("webhook", "failed")]


async def test_a_webhook_whose_url_is_not_set_is_left_out(db):
    with smtp_sink() as smtp:
        text = policy_text(smtp.port, "http://127.0.0.1:9").replace(
            'url = "http://127.0.0.1:9"', 'url_env = "EHCNA_WEBHOOK_TEST_UNSET"'
        )
        text = text.replace(
            BREACH_BY_EMAIL, 'breach = { to = ["head_of_service"], channels = ["email", "webhook"] }'
        )
        port = build_notifications(parse_policy(text), db.sessions, settings=Settings()).port
        await port.alarm(alarm_event(AlarmLevel.BREACH))
        assert [m.to for m in smtp.received()] == [PEOPLE["hos"]]
    assert states(db) == [("email", "sent", 1)]


NOTIFY = """
[notify]
template_id = "a3c2b5a2-0000-4000-8000-000000000001"
family_template_id = "a3c2b5a2-0000-4000-8000-000000000002"
base_url = "{url}"
"""
SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"


async def test_gov_uk_notify_sends_through_the_template_with_the_key_from_the_environment(db):
    with smtp_sink() as smtp, http_sink(answer=lambda n: 201, reply={"id": "n-1"}) as notify:
        text = policy_text(smtp.port, extra=NOTIFY.format(url=notify.url))
        text = text.replace(BREACH_BY_EMAIL, 'breach = { to = ["case_manager"], channels = ["notify"] }')
        settings = Settings.from_env({"EHCNA_NOTIFY_API_KEY": f"ehcna_test-{SERVICE_ID}-{SECRET}"})
        port = build_notifications(parse_policy(text), db.sessions, settings=settings).port
        event = alarm_event(AlarmLevel.BREACH)
        await port.alarm(event)
        await port.alarm(event)
        (req,) = notify.requests
        assert req.path == "/v2/notifications/email"
        assert req.body["email_address"] == PEOPLE["north-lead"]
        assert req.body["template_id"] == "a3c2b5a2-0000-4000-8000-000000000001"
        assert req.body["personalisation"]["subject"] == f"Deadline breached: {T1}, 1 day late - case EH-1"
        assert "https://ehcna.test/cases/EH-1" in req.body["personalisation"]["body"]
        assert req.body["reference"] == "ehcna-EH-1#T1:breach:0#north-lead#notify"
        token = req.headers["Authorization"].removeprefix("Bearer ")
        assert jwt.decode(token, SECRET, algorithms=["HS256"])["iss"] == SERVICE_ID
        assert smtp.received() == []
    assert states(db) == [("notify", "sent", 1)]


async def test_notify_without_its_api_key_is_not_enabled(db):
    with smtp_sink() as smtp:
        text = policy_text(smtp.port, extra=NOTIFY.format(url="http://127.0.0.1:9"))
        text = text.replace(
            BREACH_BY_EMAIL, 'breach = { to = ["case_manager"], channels = ["notify", "email"] }'
        )
        port = build_notifications(parse_policy(text), db.sessions, settings=Settings()).port
        await port.alarm(alarm_event(AlarmLevel.BREACH))
        assert [m.to for m in smtp.received()] == [PEOPLE["north-lead"]]
    assert states(db) == [("email", "sent", 1)]
