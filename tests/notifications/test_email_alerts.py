"""Reminders, breach alerts and escalations as mail, through a real SMTP server on loopback."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from temporalio.exceptions import ApplicationError

from domain.alarms import AlarmLevel
from domain.case import Case, RequestSource
from domain.events import ExceptionNotice
from domain.statutory_calendar import Duty
from domain.statutory_exceptions import ExceptionCode, RecordedException
from ehcna.bootstrap import build_notifications, channel_senders
from ehcna.notifications.delivery import DELIVERY_PENDING, Deliverer
from ehcna.notifications.port import AlertingNotifications
from ehcna.settings import Settings
from ehcna.store import alerts
from ehcna.store.alerts import AlertRow, AlertState
from ehcna.store.models import BreachRow
from ehcna.store.records import save_case
from tests.notifications.events import alarm_event
from tests.notifications.policies import PEOPLE, make_policy
from tests.notifications.sinks import smtp_sink

T1 = "Decision whether to assess within 6 weeks"  # the deadline in words (domain/words.py)


@pytest.fixture
def smtp():
    with smtp_sink() as sink:
        yield sink


def rows(db) -> list[AlertRow]:
    with db.sessions() as s:
        return list(s.scalars(select(AlertRow).order_by(AlertRow.id)))


async def test_reminder_breach_and_escalation_reach_the_right_people_with_the_facts(db, smtp):
    port = build_notifications(make_policy(smtp.port), db.sessions, settings=Settings()).port
    await port.alarm(alarm_event(AlarmLevel.REMINDER, 7))
    await port.alarm(alarm_event(AlarmLevel.BREACH))
    await port.alarm(alarm_event(AlarmLevel.ESCALATION, 7))

    mails = smtp.received()
    assert [m.to for m in mails] == [
        PEOPLE["north-1"],
        PEOPLE["north-2"],
        PEOPLE["north-lead"],
        PEOPLE["hos"],
    ]
    assert [m.subject for m in mails] == [
        f"Reminder: {T1}, due in 7 days - case EH-1",
        f"Reminder: {T1}, due in 7 days - case EH-1",
        f"Deadline breached: {T1}, 1 day late - case EH-1",
        f"Escalation: deadline still not met: {T1}, 7 days late - case EH-1",
    ]
    breach = mails[2]
    for fact in (
        "Dear North-Lead,",
        f"{T1} was due on 16 March 2026 and has not been met.",
        "Case:               EH-1",
        "Status:             1 day late",
        "Held by:            North SEN team",
        "Open the case: https://ehcna.test/cases/EH-1",
    ):
        assert fact in breach.text
    assert '<a href="https://ehcna.test/cases/EH-1">Open case EH-1</a>' in breach.html
    assert "<td>1 day late</td>" in breach.html
    assert breach.message["X-EHCNA-Alert"] == "ehcna-EH-1#T1:breach:0#north-lead#email"
    # every alert is kept, sent, with who, what and when
    kept = rows(db)
    assert [(r.recipient, r.level, r.state, r.attempts) for r in kept] == [
        ("north-1", "reminder", "sent", 1),
        ("north-2", "reminder", "sent", 1),
        ("north-lead", "breach", "sent", 1),
        ("hos", "escalation", "sent", 1),
    ]
    assert all(r.sent_at is not None and r.case_ref == "EH-1" for r in kept)
    with db.sessions() as s:  # the breach is still recorded for K10, as before
        assert s.scalar(select(BreachRow.deadline_key)) == "T1"


async def test_the_case_link_follows_the_web_app_s_public_url(db, smtp):
    settings = Settings.from_env({"EHCNA_PUBLIC_URL": "http://localhost:8000"})
    port = build_notifications(make_policy(smtp.port), db.sessions, settings=settings).port
    await port.alarm(alarm_event(AlarmLevel.BREACH, ref="EH 7/b"))
    (mail,) = smtp.received()
    assert "Open the case: http://localhost:8000/cases/EH%207%2Fb" in mail.text


async def test_advice_reminders_go_to_the_provider_and_its_breach_to_both_managers(db, smtp):
    port = build_notifications(make_policy(smtp.port), db.sessions, settings=Settings()).port
    await port.alarm(alarm_event(AlarmLevel.REMINDER, 14, Duty.T2, "EP-1", holder="ep-service"))
    await port.alarm(alarm_event(AlarmLevel.REMINDER, 14, Duty.T2, "HEALTH-1", holder="icb-community-paeds"))
    await port.alarm(alarm_event(AlarmLevel.REMINDER, 21, Duty.T2, "HEALTH-1", holder="icb-community-paeds"))
    await port.alarm(alarm_event(AlarmLevel.BREACH, 0, Duty.T2, "EP-1", holder="ep-service"))
    mails = smtp.received()
    # HEALTH is reminded at 21 days only (its own policy); the 14-day alarm is the other kinds'
    assert [m.to for m in mails] == [
        PEOPLE["ep-1"],
        PEOPLE["paeds-1"],
        PEOPLE["ep-lead"],
        PEOPLE["north-lead"],
    ]
    assert "Medical advice within 6 weeks is due in 21 days (16 March 2026)" in mails[1].text
    assert "EP service holds this step." in mails[2].text


async def test_a_retried_or_replayed_alarm_sends_nothing_twice(db, smtp):
    port = build_notifications(make_policy(smtp.port), db.sessions, settings=Settings()).port
    event = alarm_event(AlarmLevel.REMINDER, 7)
    for _ in range(3):
        await port.alarm(event)
    assert len(smtp.received()) == 2
    assert [r.attempts for r in rows(db)] == [1, 1]


async def test_an_outage_delays_the_alert_and_it_arrives_once(db):
    with smtp_sink(running=False) as smtp:
        port = build_notifications(make_policy(smtp.port), db.sessions, settings=Settings()).port
        event = alarm_event(AlarmLevel.BREACH)
        for attempt in (1, 2):  # the activity retry, while the server is down
            with pytest.raises(ApplicationError) as pending:
                await port.alarm(event)
            assert pending.value.type == DELIVERY_PENDING and not pending.value.non_retryable
            (row,) = rows(db)
            assert (row.state, row.attempts) == ("claimed", attempt)
            assert "SMTP server unavailable" in (row.last_error or "")
        smtp.start()
        await port.alarm(event)
        await port.alarm(event)  # a retry after success (the reply was lost): nothing more
        assert [m.to for m in smtp.received()] == [PEOPLE["north-lead"]]
        (row,) = rows(db)
        assert (row.state, row.attempts, row.last_error) == ("sent", 3, None)


async def test_a_refused_address_fails_for_good_and_the_head_of_service_is_told(db, smtp):
    smtp.refuse.add(PEOPLE["north-lead"])
    port = build_notifications(make_policy(smtp.port), db.sessions, settings=Settings()).port
    await port.alarm(alarm_event(AlarmLevel.BREACH))  # no retry: trying again cannot help
    (notice,) = smtp.received()
    assert notice.to == PEOPLE["hos"]
    assert notice.subject == f"Alert not delivered: Deadline breached: {T1}, 1 day late - case EH-1"
    assert "550" in notice.text and "north.lead@example.org" in notice.text
    with db.sessions() as s:
        (failed,) = s.scalars(
            select(AlertRow).where(AlertRow.state == str(AlertState.FAILED), AlertRow.team == "north")
        ).all()
        assert (failed.recipient, failed.level, failed.failed_at is not None) == (
            "north-lead",
            "breach",
            True,
        )
    assert [(r.kind, r.state) for r in rows(db)] == [("alarm", "failed"), ("undelivered", "sent")]


class Crash(BaseException):
    """As a worker killed mid-activity: nothing after it runs."""


async def test_a_failure_notice_left_unsent_by_a_crash_is_sent_on_the_retry(db, smtp):
    smtp.refuse.add(PEOPLE["north-lead"])
    policy = make_policy(smtp.port)

    class DiesBeforeTheNotice(Deliverer):
        async def _send_batch(self, channel, items):
            if any(item.claim.kind is alerts.AlertKind.UNDELIVERED for item in items):
                raise Crash
            return await super()._send_batch(channel, items)

    def port(deliverer_type: type[Deliverer]) -> AlertingNotifications:
        deliverer = deliverer_type(
            db.sessions, channel_senders(policy, Settings()), policy.delivery.give_up_after, 3
        )
        return AlertingNotifications(policy, deliverer, db.sessions)

    event = alarm_event(AlarmLevel.BREACH)
    with pytest.raises(Crash):
        await port(DiesBeforeTheNotice).alarm(event)
    assert [(r.kind, r.state) for r in rows(db)] == [("alarm", "failed"), ("undelivered", "claimed")]
    await port(Deliverer).alarm(event)  # the retried activity
    await port(Deliverer).alarm(event)
    assert [m.to for m in smtp.received()] == [PEOPLE["hos"]]
    assert [(r.kind, r.state) for r in rows(db)] == [("alarm", "failed"), ("undelivered", "sent")]


async def test_past_the_give_up_point_the_alert_is_failed_and_raised(db):
    now = [datetime(2026, 3, 17, 0, 0, tzinfo=UTC)]
    with smtp_sink(running=False) as smtp:
        policy = make_policy(smtp.port, give_up_after="PT2H")
        deliverer = Deliverer(
            db.sessions,
            channel_senders(policy, Settings()),
            policy.delivery.give_up_after,
            3,
            clock=lambda: now[0],
        )
        port = AlertingNotifications(policy, deliverer, db.sessions)
        event = alarm_event(AlarmLevel.BREACH)
        with pytest.raises(ApplicationError):
            await port.alarm(event)
        now[0] += timedelta(hours=1)
        with pytest.raises(ApplicationError):
            await port.alarm(event)
        now[0] += timedelta(hours=1, minutes=1)
        await port.alarm(event)  # given up: recorded, and the activity completes
        smtp.start()
        await port.alarm(event)  # a later retry does not revive it
        assert smtp.received() == []
    states = [(r.kind, r.recipient, r.state, r.attempts) for r in rows(db)]
    # the head of service's notice went by email too, which was down: it is kept as failed, once
    assert states == [("alarm", "north-lead", "failed", 3), ("undelivered", "hos", "failed", 1)]


async def test_the_window_between_send_and_mark_repeats_a_mail_at_most_once(db, smtp, monkeypatch):
    """Documented limit: the server accepted the mail, the SENT mark did not commit (crash, DB down)."""
    port = build_notifications(make_policy(smtp.port), db.sessions, settings=Settings()).port
    real = alerts.mark_sent_all
    calls = []

    def mark_fails_once(session, keys, at):
        calls.append(keys)
        if len(calls) == 1:
            raise ConnectionError("database went away")
        real(session, keys, at)

    monkeypatch.setattr(alerts, "mark_sent_all", mark_fails_once)
    event = alarm_event(AlarmLevel.BREACH)
    with pytest.raises(ConnectionError):
        await port.alarm(event)
    await port.alarm(event)
    await port.alarm(event)
    first, second = smtp.received()
    assert first.message["Message-ID"] == second.message["Message-ID"]  # a mail client folds them
    assert [r.state for r in rows(db)] == ["sent"]


async def test_the_family_and_the_case_team_are_told_of_an_exception(db, smtp):
    class Contacts:
        async def email_of(self, case_ref: str) -> str | None:
            return "parent@example.net" if case_ref == "EH-9" else None

    with db.sessions.begin() as s:
        case = Case(ref="EH-9", day0=date(2026, 1, 5), request_source=RequestSource.PARENT, team="north")
        save_case(s, case, "ehcna-EH-9", 1, datetime(2026, 1, 5, tzinfo=UTC))
    port = build_notifications(
        make_policy(smtp.port), db.sessions, settings=Settings(), family=Contacts()
    ).port
    notice = ExceptionNotice(
        workflow_id="ehcna-EH-9",
        case_ref="EH-9",
        seq=4,
        exception=RecordedException(
            code=ExceptionCode.E_ABS,
            recorded_on=date(2026, 3, 2),
            start=date(2026, 1, 20),
            end=date(2026, 2, 28),
        ),
    )
    await port.exception_recorded(notice)
    await port.exception_recorded(notice)
    *team, family = smtp.received()
    assert [m.to for m in team] == [PEOPLE["north-1"], PEOPLE["north-2"]]
    assert family.to == "parent@example.net"
    assert family.subject == "Exception recorded on EHC needs assessment EH-9"
    assert "Dear parent or young person," in family.text and "E-ABS" not in family.text
    assert "Absent from the area for 4 weeks or more" in family.text
    assert "https://" not in family.text  # the case pages are for staff
    assert "The family must be told of this" in team[0].text
    assert all(r.kind == "family_notice" and r.state == AlertState.SENT for r in rows(db))
