"""Each manager's daily digest: what it lists, sent once a day, started by a Temporal Schedule."""

import asyncio
from datetime import date, timedelta
from uuid import uuid4

from temporalio.client import ScheduleActionStartWorkflow
from temporalio.worker import Worker

from domain.case import AdviceKind, AdviceRequest, AdviceStatus, Case, Decision, Outcome, RequestSource
from domain.clock import london_date, start_of_day
from ehcna.bootstrap import build_notifications
from ehcna.gateway.schedules import ensure_digest_schedule
from ehcna.notifications.policy import parse_policy
from ehcna.settings import Settings
from ehcna.store import alerts
from ehcna.store.alerts import AlertKind, Claim
from ehcna.store.records import save_case
from tests.notifications.policies import PEOPLE, policy_text
from tests.notifications.sinks import smtp_sink
from workflows.digest import DigestWorkflow

T1 = "Decision whether to assess within 6 weeks"  # the deadline in words (domain/words.py)

TODAY = date(2026, 5, 11)


def seed(db, today: date = TODAY) -> None:
    def case(ref: str, days_ago: int, team: str = "north", **kw) -> Case:
        day0 = today - timedelta(days=days_ago)
        return Case(ref=ref, day0=day0, request_source=RequestSource.PARENT, team=team, **kw)

    def advice(kind: AdviceKind, team: str, days_ago: int, **kw) -> AdviceRequest:
        requested = today - timedelta(days=days_ago)
        return AdviceRequest(id=f"{kind}-1", kind=kind, provider_team=team, requested_on=requested, **kw)

    assessed = Decision(yes=True, on=today - timedelta(days=55))
    cases = [
        case("EH-RISK", 35),  # T1 due in 7 days
        case("EH-LATE", 50),  # T1 8 days late
        case(
            "EH-ADVICE",
            60,
            decision_to_assess=assessed,
            advice=[
                advice(AdviceKind.EP, "ep-service", 50),  # due 8 days ago
                advice(AdviceKind.HEALTH, "icb-community-paeds", 10),  # due in 32 days
                advice(
                    AdviceKind.SOCIAL_CARE, "ep-service", 50, status=AdviceStatus.RECEIVED, returned_on=today
                ),
            ],
        ),
        case("EH-SOUTH", 50, team="south"),  # another manager's
        case("EH-CLOSED", 50, outcome=Outcome.WITHDRAWN, outcome_on=today - timedelta(days=20)),
    ]
    with db.sessions.begin() as s:
        for c in cases:
            save_case(s, c, f"ehcna-{c.ref}", 1, start_of_day(today))
        failed = Claim(
            key="k#north-lead#email",
            source_key="k",
            kind=AlertKind.ALARM,
            recipient="north-lead",
            recipient_name="North-Lead",
            address=PEOPLE["north-lead"],
            channel="email",
            subject=f"Deadline breached: {T1}, 1 day late - case EH-LATE",
            case_ref="EH-LATE",
            team="north",
        )
        yesterday = start_of_day(today) - timedelta(hours=15)
        alerts.claim(s, [failed], yesterday)
        alerts.mark_failed(s, failed.key, "SMTP 550: no such mailbox", yesterday)


async def test_each_manager_gets_their_cases_at_risk_breaches_and_advice_overdue_once_a_day(db):
    seed(db)
    with smtp_sink() as smtp:
        digests = build_notifications(
            parse_policy(policy_text(smtp.port)), db.sessions, settings=Settings()
        ).digests
        assert await digests.send_daily_digests(TODAY) == 2
        assert await digests.send_daily_digests(TODAY) == 2  # retried: the same two, none sent again
        mails = smtp.received()
    # dco and the admin team have nothing today: no empty digest
    assert [m.to for m in mails] == [PEOPLE["north-lead"], PEOPLE["ep-lead"]]
    north, ep = mails
    assert north.subject == "Daily digest 11 May 2026: 1 breaches open, 1 at risk, 1 advice overdue"
    text = north.text
    assert f"Breaches still open (1)\n  - EH-LATE: {T1} - 8 days late" in text
    assert "At risk: a deadline within 14 days (1)\n  - EH-RISK: Decision whether to assess" in text
    assert "due in 7 days" in text
    assert (
        "Advice overdue from EP service (1)\n  - EH-ADVICE: Psychological advice within 6 weeks - 8 days late"
        in text
    )
    assert "HEALTH" not in text and "SOCIAL_CARE" not in text
    assert "EH-SOUTH" not in text and "EH-CLOSED" not in text
    assert "Alerts that could not be delivered (1)" in text and "SMTP 550: no such mailbox" in text
    assert '<a href="https://ehcna.test/cases/EH-LATE">' in north.html
    # the EP manager sees what their service owes, not the north team's own deadlines
    assert "Advice overdue from EP service (1)" in ep.text
    assert "EH-LATE" not in ep.text and "EH-RISK" not in ep.text


async def test_the_schedule_starts_the_digest_workflow_which_sends_it(dev_server, db):
    env = dev_server.env
    today = london_date(await env.get_current_time())  # the day the triggered run sends for
    seed(db, today)
    schedule_id = f"digest-{uuid4().hex[:6]}"
    queue = f"digest-{uuid4().hex[:6]}"
    with smtp_sink() as smtp:
        policy = parse_policy(policy_text(smtp.port))
        digests = build_notifications(policy, db.sessions, settings=Settings()).digests
        await ensure_digest_schedule(env.client, queue, policy.digest, schedule_id)
        handle = env.client.get_schedule_handle(schedule_id)
        try:
            later = parse_policy(
                policy_text(smtp.port).replace("[directory]", "[digest]\nhour = 6\nminute = 5\n\n[directory]")
            )
            await ensure_digest_schedule(env.client, queue, later.digest, schedule_id)  # at the next start
            desc = await handle.describe()
            (calendar,) = desc.schedule.spec.calendars
            assert (calendar.hour[0].start, calendar.minute[0].start) == (6, 5)
            assert desc.schedule.spec.time_zone_name == "Europe/London"
            assert isinstance(desc.schedule.action, ScheduleActionStartWorkflow)
            assert desc.schedule.action.workflow == "DailyDigest"
            async with Worker(
                env.client,
                task_queue=queue,
                workflows=[DigestWorkflow],
                activities=[digests.send_daily_digests],
            ):
                await handle.trigger()
                mails = await asyncio.to_thread(smtp.wait_for, 2, 30)
                await asyncio.sleep(1)
                mails = smtp.received()
        finally:
            await handle.delete()
    assert sorted(m.to for m in mails) == sorted([PEOPLE["north-lead"], PEOPLE["ep-lead"]])
    assert all(m.subject.startswith(f"Daily digest {today.day} {today:%B %Y}: ") for m in mails)
