"""Advice notices of many cases sent together (v10): each officer told exactly once, by a real SMTP server
on loopback and a real Temporal dev server; a mail server that is down at the first try, and a worker
killed between the claim and the send, lose none and send none twice."""

import asyncio
import socket
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import uuid4

from sqlalchemy import select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle

from domain.case import AdviceKind, AdviceStatus, RequestSource
from domain.clock import london_date
from domain.commands import Actor, DecideToAssess, RequestAdvice, Role, StartAssessment, SubmitAdvice
from domain.escalation import Channel
from domain.events import AdviceNotice
from ehcna.bootstrap import build_notifications
from ehcna.gateway.cases import CaseGateway
from ehcna.notifications.channels.smtp import SmtpConfig, SmtpSender, Tls
from ehcna.notifications.directory import Target
from ehcna.notifications.messages import Message
from ehcna.settings import Settings
from ehcna.store.adapters import StoreCaseRecords
from ehcna.store.alerts import AlertRow
from ehcna.store.models import CaseOfficerRow
from tests.notifications.policies import PEOPLE, make_policy, write_policy
from tests.notifications.sinks import smtp_sink
from tests.notifications.test_crash import start_worker
from tests.temporal_servers import running_worker
from tests.workflows.case_driver import OFFICER
from workflows.assessment import AssessmentWorkflow

NOTICE = '\n[notices.advice_received]\nto = ["case_officer"]\nchannels = ["email"]\nwhen = "at_once"\n'
PAEDS = Actor(user="paeds-1", role=Role.PROVIDER, team="icb-community-paeds")


def name_officer(db, ref: str, officer: str = "north-2") -> None:
    with db.sessions.begin() as s:
        s.add(CaseOfficerRow(case_ref=ref, officer=officer, assigned_on=date(2026, 1, 1), assigned_by="t"))


def alert_rows(db, ref: str) -> list[tuple[str, str, int]]:
    with db.sessions() as s:
        rows = s.scalars(select(AlertRow).where(AlertRow.case_ref == ref).order_by(AlertRow.id))
        return [(r.recipient, r.state, r.attempts) for r in rows]


def received_notice(ref: str, today: date) -> AdviceNotice:
    return AdviceNotice(
        workflow_id=f"ehcna-{ref}",
        case_ref=ref,
        seq=4,
        team="north",
        advice_id="HEALTH-1",
        advice_kind=AdviceKind.HEALTH,
        provider_team="icb-community-paeds",
        returned_on=today,
        by=PAEDS,
    )


async def test_notices_asked_at_the_same_time_go_over_one_connection_each_officer_told_once(db):
    today = date(2026, 5, 11)
    refs = [f"BATCH-{n:02d}" for n in range(12)]
    for ref in refs:
        name_officer(db, ref)
    with smtp_sink() as smtp:
        port = build_notifications(
            make_policy(smtp.port, extra=NOTICE), db.sessions, settings=Settings()
        ).port
        notices = [received_notice(ref, today) for ref in refs]
        await asyncio.gather(*(port.advice_received(n) for n in notices))
        await asyncio.gather(*(port.advice_received(n) for n in notices))  # retried or replayed: nothing
        mails = smtp.received()
        sessions = smtp.sessions

    assert sorted((m.to, m.subject) for m in mails) == [
        (PEOPLE["north-2"], f"Advice received: medical advice - case {ref}") for ref in refs
    ]
    assert sessions == 1  # twelve mails, one connection; the retries found nothing to send
    for ref in refs:
        assert alert_rows(db, ref) == [("north-2", "sent", 1)]


async def start_at_advice(client: Client, queue: str, ref: str) -> tuple[WorkflowHandle, date]:
    """A case at the advice stage, its health advice asked two days ago: nothing is due for days."""
    today = london_date(datetime.now(UTC))  # the dev server runs on the real clock
    day0 = today - timedelta(days=3)
    steps = [
        DecideToAssess(yes=True, on=day0 + timedelta(days=1), by=OFFICER),
        RequestAdvice(
            advice_kind=AdviceKind.HEALTH,
            provider_team="icb-community-paeds",
            requested_on=day0 + timedelta(days=2),
            by=OFFICER,
        ),
    ]
    start = StartAssessment(ref=ref, day0=day0, request_source=RequestSource.PARENT, team="north")
    started = await CaseGateway(client, queue).start(start, today, prior_actions=steps)
    return client.get_workflow_handle_for(AssessmentWorkflow.run, started.workflow_id), today


def submit(today: date) -> SubmitAdvice:
    return SubmitAdvice(advice_id="HEALTH-1", returned_on=today, document_ref="DOC-H", by=PAEDS)


async def notice_activities(handle: WorkflowHandle) -> list[str]:
    """The ordinary (server-side) activities the case scheduled, by name."""
    history = await handle.fetch_history()
    return [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]


async def test_advice_told_by_the_first_try_schedules_no_activity_on_the_server(dev_server, db):
    ref = f"NOTICE-LOCAL-{uuid4().hex[:6]}"
    name_officer(db, ref)
    with smtp_sink() as smtp:
        notifications = build_notifications(make_policy(smtp.port, extra=NOTICE), db.sessions, Settings())
        client = dev_server.env.client
        async with running_worker(client, StoreCaseRecords(db.sessions), notifications.port) as (_, queue):
            handle, today = await start_at_advice(client, queue, ref)
            view = await handle.execute_update(AssessmentWorkflow.submit_advice, submit(today))
            # answered once the record and the first try are done: the mail is already out
            assert [m.to for m in smtp.received()] == [PEOPLE["north-2"]]
            assert view.case.advice_by_id("HEALTH-1").status is AdviceStatus.RECEIVED
            assert await notice_activities(handle) == []
            assert alert_rows(db, ref) == [("north-2", "sent", 1)]
            await handle.terminate("test over")


async def test_a_mail_server_down_at_the_first_try_leaves_it_to_the_retried_activity_told_once(
    dev_server, db
):
    ref = f"NOTICE-DOWN-{uuid4().hex[:6]}"
    name_officer(db, ref)
    with smtp_sink(running=False) as smtp:
        notifications = build_notifications(make_policy(smtp.port, extra=NOTICE), db.sessions, Settings())
        client = dev_server.env.client
        async with running_worker(client, StoreCaseRecords(db.sessions), notifications.port) as (_, queue):
            handle, today = await start_at_advice(client, queue, ref)
            view = await handle.execute_update(AssessmentWorkflow.submit_advice, submit(today))
            assert view.case.advice_by_id("HEALTH-1").status is AdviceStatus.RECEIVED  # not held up
            ((recipient, state, attempts),) = alert_rows(db, ref)
            assert (recipient, state) == ("north-2", "claimed") and attempts >= 1
            smtp.start()
            await asyncio.to_thread(smtp.wait_for, 1, 60)  # the activity's retry (1 s, 2 s, 4 s ...)
            await asyncio.sleep(2)  # anything more would have come by now
            assert [(m.to, m.subject) for m in smtp.received()] == [
                (PEOPLE["north-2"], f"Advice received: medical advice - case {ref}")
            ]
            assert await notice_activities(handle) == ["notify_advice_received"]
            assert [(r, s) for r, s, _ in alert_rows(db, ref)] == [("north-2", "sent")]
            await handle.terminate("test over")


async def test_a_worker_killed_between_claiming_the_notice_and_sending_it_sends_it_once(
    dev_server, db, tmp_path: Path
):
    env = dev_server.env
    address = env.client.service_client.config.target_host
    ref = f"CRASH-NOTICE-{uuid4().hex[:6]}"
    queue = f"crash-notice-{uuid4().hex[:6]}"
    marker = tmp_path / "crashed"
    name_officer(db, ref)
    with smtp_sink() as smtp:
        policy_path = write_policy(tmp_path / "escalation.toml", smtp.port, extra=NOTICE)
        first = await start_worker(address, queue, db.url, policy_path, marker)
        second = None
        try:
            handle, today = await start_at_advice(env.client, queue, ref)
            answer = asyncio.create_task(
                handle.execute_update(AssessmentWorkflow.submit_advice, submit(today))
            )
            assert await asyncio.wait_for(first.wait(), 60) == 137
            assert "#advice-received#north-2#email" in marker.read_text()
            assert alert_rows(db, ref) == [("north-2", "claimed", 1)]  # claimed, never sent
            assert smtp.received() == []

            second = await start_worker(address, queue, db.url, policy_path, marker)
            # the task the dead worker held is given to the new one, which records again (keyed) and
            # tries the notice again: the claimed row is sent, once; then the update is answered
            view = await asyncio.wait_for(answer, 90)
            assert view.case.advice_by_id("HEALTH-1").status is AdviceStatus.RECEIVED
            await asyncio.sleep(2)  # anything more would have come by now
            assert [(m.to, m.subject) for m in smtp.received()] == [
                (PEOPLE["north-2"], f"Advice received: medical advice - case {ref}")
            ]
            assert alert_rows(db, ref) == [("north-2", "sent", 2)]
            await handle.terminate("test over")
        finally:
            for proc in (first, second):
                if proc is not None and proc.returncode is None:
                    proc.kill()
                    await proc.wait()


def test_one_connection_carries_plain_and_encoded_mails_each_read_back_as_written():
    smith = Target("north-2", "Smith, Jo", Channel.EMAIL, PEOPLE["north-2"])  # a name to quote
    zoe = Target("hos", "Zoë Ågren", Channel.EMAIL, PEOPLE["hos"])  # headers to encode
    welsh = "Advice received – case ÉH-2 from Ysgol Gŵyr"
    with smtp_sink() as smtp:
        config = SmtpConfig(host="127.0.0.1", port=smtp.port, tls=Tls.NONE, sender="EHCNA <a@example.org>")
        batch = [
            (t, Message(subject, f"Dear {t.name},\nadvice arrived.", f"<p>{t.name}</p>"), f"key-{n}")
            for n, (t, subject) in enumerate([(smith, "Advice received - case EH-1"), (zoe, welsh)])
        ]
        assert SmtpSender(config)._send_many(batch) == [None, None]
        mails = smtp.received()
        sessions = smtp.sessions
    assert sessions == 1
    assert [(m.to, str(m.message["To"]), m.subject) for m in mails] == [
        (PEOPLE["north-2"], f'"Smith, Jo" <{PEOPLE["north-2"]}>', "Advice received - case EH-1"),
        (PEOPLE["hos"], f"Zoë Ågren <{PEOPLE['hos']}>", welsh),
    ]
    assert [m.text for m in mails] == [f"Dear {t.name},\nadvice arrived.\n" for t in (smith, zoe)]
    assert [m.html.strip() for m in mails] == ["<p>Smith, Jo</p>", "<p>Zoë Ågren</p>"]
    assert mails[0].message["Message-ID"] != mails[1].message["Message-ID"]


async def test_a_mail_server_that_hangs_holds_the_answer_no_longer_than_the_smtp_timeout(dev_server, db):
    """A server that takes the connection and never greets: the first try gives up after the policy's
    SMTP timeout (2 s here), the answer comes, and the retried activity tells the officer once the
    server answers."""
    ref = f"NOTICE-HANG-{uuid4().hex[:6]}"
    name_officer(db, ref)
    hanging = socket.create_server(("127.0.0.1", 0))  # listens: connections are taken, never answered
    port = hanging.getsockname()[1]
    notifications = build_notifications(make_policy(port, extra=NOTICE), db.sessions, Settings())
    client = dev_server.env.client
    async with running_worker(client, StoreCaseRecords(db.sessions), notifications.port) as (_, queue):
        handle, today = await start_at_advice(client, queue, ref)
        started = time.monotonic()
        view = await handle.execute_update(AssessmentWorkflow.submit_advice, submit(today))
        waited = time.monotonic() - started
        assert view.case.advice_by_id("HEALTH-1").status is AdviceStatus.RECEIVED
        assert 2 <= waited < 8  # the SMTP timeout, not the first try's 10 s, nor the activity's retries
        hanging.close()
        with smtp_sink(running=False) as smtp:
            smtp.port = port
            smtp.start()
            await asyncio.to_thread(smtp.wait_for, 1, 90)  # the activity's retry, once the server answers
            await asyncio.sleep(2)  # anything more would have come by now
            assert [m.to for m in smtp.received()] == [PEOPLE["north-2"]]
        assert await notice_activities(handle) == ["notify_advice_received"]
        assert [(r, s) for r, s, _ in alert_rows(db, ref)] == [("north-2", "sent")]
        await handle.terminate("test over")
