"""The case officer is told when advice arrives: at once or in the next morning's digest, as the
policy's [notices.advice_received] says; by mail through a real SMTP server on loopback; nothing of
the child in it; never to the person who recorded the advice; never twice."""

from datetime import date, datetime, timedelta

import pytest

from domain.alarms import AlarmLevel
from domain.case import AdviceKind, AdviceRequest, AdviceStatus, Case, Decision, RequestSource
from domain.clock import at_london_time
from domain.commands import Actor, Role, SubmitAdvice, Withdraw
from domain.events import AdviceNotice, CaseEvent
from ehcna.bootstrap import build_notifications
from ehcna.notifications.policy import PolicyError, parse_policy
from ehcna.settings import Settings
from ehcna.store.adapters import StoreCaseRecords
from ehcna.store.models import CaseOfficerRow
from ehcna.store.records import record_case_event
from tests.notifications.events import alarm_event
from tests.notifications.policies import PEOPLE, make_policy, policy_text
from tests.notifications.sinks import smtp_sink
from tests.temporal_servers import running_worker, time_skipping_env
from tests.workflows.case_driver import OFFICER, CaseDriver
from workflows.assessment import AssessmentWorkflow


def notice(when: str = "at_once", to: str = '"case_officer"', channels: str = '"email"') -> str:
    return f'\n[notices.advice_received]\nto = [{to}]\nchannels = [{channels}]\nwhen = "{when}"\n'


def name_officer(db, ref: str, officer: str) -> None:
    with db.sessions.begin() as s:
        s.add(CaseOfficerRow(case_ref=ref, officer=officer, assigned_on=date(2026, 1, 1), assigned_by="t"))


async def test_the_named_officer_is_told_at_once_when_advice_arrives_and_not_of_their_own(db):
    ref = "TS-ADVICE-IN"
    with smtp_sink() as smtp:
        policy = make_policy(smtp.port, extra=notice("at_once"))
        notifications = build_notifications(policy, db.sessions, settings=Settings())
        async with (
            time_skipping_env() as env,
            running_worker(env.client, StoreCaseRecords(db.sessions), notifications.port) as (_, queue),
        ):
            case = await CaseDriver.start(env, queue, ref)
            name_officer(db, ref, "north-2")  # the case's named officer: a person of the directory
            await case.decide_to_assess(1)
            await case.request_advice(2, [AdviceKind.HEALTH, AdviceKind.EP])
            await case.submit_advice(10, AdviceKind.HEALTH)  # by the health provider: north-2 is told
            own = SubmitAdvice(
                advice_id="EP-1",
                returned_on=case.day(10),
                document_ref="EP report",
                summary="Ada finds reading hard",
                by=Actor(user="north-2", role=Role.CASE_OFFICER, team="north"),
            )
            await case.handle.execute_update(AssessmentWorkflow.submit_advice, own)  # their own: not told
            await case.go_to_day(11)
            withdraw = Withdraw(on=case.day(11), by=OFFICER)
            await case.handle.execute_update(AssessmentWorkflow.withdraw, withdraw)
            await case.handle.result()  # the workflow ends only once its notices are delivered
        mails = smtp.received()

    assert [(m.to, m.subject) for m in mails] == [
        (PEOPLE["north-2"], f"Advice received: medical advice - case {ref}"),
    ]
    (mail,) = mails
    assert f"Medical advice has arrived for case {ref} from Community paediatrics." in mail.text
    day = case.day(10)
    assert f"Dated:  {day.day} {day:%B %Y}" in mail.text
    assert f'<a href="https://ehcna.test/cases/{ref}">' in mail.html
    # the case reference, the advice in words and a link: no codes, no document, nothing of the child
    for private in ("DOC-HEALTH", "HEALTH-1", "Ada", "reading"):
        assert private not in mail.text and private not in mail.html


def received_event(ref: str, advice_id: str, at: datetime, by: Actor, seq: int) -> CaseEvent:
    today = at.date()
    advice = [
        AdviceRequest(
            id=f"{kind}-1",
            kind=kind,
            provider_team=team,
            requested_on=today - timedelta(days=20),
            status=AdviceStatus.RECEIVED,
            returned_on=today - timedelta(days=1),
            document_ref="DOC",
        )
        for kind, team in ((AdviceKind.EP, "ep-service"), (AdviceKind.HEALTH, "icb-community-paeds"))
    ]
    case = Case(
        ref=ref,
        day0=today - timedelta(days=30),
        request_source=RequestSource.PARENT,
        team="north",
        decision_to_assess=Decision(yes=True, on=today - timedelta(days=25)),
        advice=advice,
    )
    detail = {"advice_id": advice_id, "returned_on": str(today - timedelta(days=1)), "document_ref": "DOC"}
    return CaseEvent(
        workflow_id=f"ehcna-{ref}", seq=seq, action="submit_advice", at=at, by=by, detail=detail, case=case
    )


async def test_a_digest_policy_tells_each_officer_the_next_morning_of_the_advice_received_once(db):
    today = date(2026, 5, 11)
    yesterday = at_london_time(today - timedelta(days=1), 15)
    provider = Actor(user="ep-1", role=Role.PROVIDER, team="ep-service")
    north_1 = Actor(user="north-1", role=Role.CASE_OFFICER, team="north")
    with db.sessions.begin() as s:
        record_case_event(s, received_event("EH-DIG-1", "EP-1", yesterday, provider, 2))
        record_case_event(s, received_event("EH-DIG-1", "HEALTH-1", yesterday, north_1, 3))
        # the day before yesterday: yesterday morning's digest told it
        record_case_event(s, received_event("EH-DIG-2", "EP-1", yesterday - timedelta(days=1), provider, 2))
    with smtp_sink() as smtp:
        notifications = build_notifications(
            make_policy(smtp.port, extra=notice("digest", '"case_team"')), db.sessions, settings=Settings()
        )
        at_once = AdviceNotice(
            workflow_id="ehcna-EH-DIG-1",
            case_ref="EH-DIG-1",
            seq=2,
            team="north",
            advice_id="EP-1",
            advice_kind=AdviceKind.EP,
            provider_team="ep-service",
            returned_on=today,
            by=provider,
        )
        await notifications.port.advice_received(at_once)  # a digest policy sends nothing now
        assert smtp.received() == []
        first = await notifications.digests.send_daily_digests(today)
        again = await notifications.digests.send_daily_digests(today)  # a retried run: nothing new
        mails = [m for m in smtp.received() if m.subject.startswith("Advice received")]
    assert first == again
    day = today - timedelta(days=1)
    subject = f"Advice received on {day.day} {day:%B %Y}: "
    assert sorted((m.to, m.subject) for m in mails) == [
        (PEOPLE["north-1"], subject + "1 piece"),  # not told of the health advice they recorded
        (PEOPLE["north-2"], subject + "2 pieces"),
    ]
    north_2 = next(m for m in mails if m.to == PEOPLE["north-2"])
    assert "Case EH-DIG-1: psychological advice from EP service" in north_2.text
    assert "Case EH-DIG-1: medical advice from Community paediatrics" in north_2.text
    assert "https://ehcna.test/cases/EH-DIG-1" in north_2.text and "EH-DIG-2" not in north_2.text
    assert "DOC" not in north_2.text


def test_the_policy_refuses_a_digest_by_webhook_and_a_notice_to_the_family():
    with pytest.raises(PolicyError, match="a digest goes to each person by mail"):
        make_policy(2525, extra=notice("digest", channels='"email", "webhook"'))
    with pytest.raises(PolicyError, match=r"notices\.advice_received\.to: 'family'"):
        make_policy(2525, extra=notice("at_once", to='"family"'))
    with pytest.raises(PolicyError, match="when"):
        make_policy(2525, extra=notice("weekly"))
    assert make_policy(2525).notices.advice_received is None  # left out: no one is told


async def test_case_officer_in_a_deadline_policy_is_the_named_officer_else_the_case_team(db):
    with smtp_sink() as smtp:
        # T1's reminder goes to the case officer
        text = policy_text(smtp.port).replace('to = ["case_team"]', 'to = ["case_officer"]', 1)
        notifications = build_notifications(parse_policy(text), db.sessions, settings=Settings())
        name_officer(db, "EH-1", "north-1")
        await notifications.port.alarm(alarm_event(AlarmLevel.REMINDER, 7, ref="EH-1"))
        await notifications.port.alarm(alarm_event(AlarmLevel.REMINDER, 7, ref="EH-2"))  # no named officer
        mails = smtp.received()
    assert sorted((m.to, m.subject.rsplit(" - ", 1)[1]) for m in mails) == [
        (PEOPLE["north-1"], "case EH-1"),
        (PEOPLE["north-1"], "case EH-2"),
        (PEOPLE["north-2"], "case EH-2"),
    ]
