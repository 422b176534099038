"""Mails in plain English: dates in words, deadlines and advice named by what they are, never a code.

Every message the engine can send is built here without a server: each alarm of each deadline, the
family's notice of each exception, the manager's digest, the alert-not-delivered and case-not-tracked
notices, and the advice-received mails. None says an ISO date or a code (T6, M14, E-SCH,
SOCIAL_CARE-1) in its subject or its body, and none carries more than the case reference and a link.
"""

import re
from datetime import date, timedelta

import pytest

from domain.alarms import AlarmLevel
from domain.case import AdviceKind, AdviceRequest, Case, Decision, RequestSource
from domain.events import ExceptionNotice
from domain.statutory_calendar import Duty
from domain.statutory_exceptions import ExceptionCode, RecordedException
from ehcna.notifications.digest import build_digest
from ehcna.notifications.digest_message import digest_message
from ehcna.notifications.messages import (
    Message,
    advice_digest_message,
    advice_received_message,
    alarm_message,
    family_notice_message,
    undelivered_message,
    workflow_stopped_message,
)
from tests.notifications.events import alarm_event
from tests.notifications.policies import make_policy

BASE = "https://ehcna.test"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
CODE = re.compile(
    r"\b(T[1-6]|M14)\b|\b[EA]-(SCH|EY|PERS|ABS|APPT)\b"
    r"|(?<![\w-])(PARENT|EDUCATION|HEALTH|EP|SOCIAL_CARE|PFA|OTHER)-\d+\b|\b(PARENT|EDUCATION|HEALTH|SOCIAL_CARE|PFA)\b"
)


def plain(message: Message) -> None:
    for part in (message.subject, message.text, message.html, *message.facts.values()):
        assert not ISO_DATE.search(part), part
        assert not CODE.search(part), part


ALARMS = [
    (level, duty, subject)
    for duty, subject in (
        (Duty.T1, None),
        (Duty.T2, "SOCIAL_CARE-1"),
        (Duty.T2, "HEALTH-2"),
        (Duty.T3, None),
        (Duty.T6, None),
    )
    for level in (AlarmLevel.REMINDER, AlarmLevel.BREACH, AlarmLevel.ESCALATION)
] + [(AlarmLevel.REMINDER, Duty.M14, None), (AlarmLevel.MILESTONE_MISSED, Duty.M14, None)]


@pytest.mark.parametrize(("level", "duty", "subject"), ALARMS)
def test_no_alert_names_a_deadline_by_its_code_or_a_date_in_iso(level, duty, subject):
    event = alarm_event(
        level, 7 if level in (AlarmLevel.REMINDER, AlarmLevel.ESCALATION) else 0, duty, subject
    )
    message = alarm_message(event, "North-Lead", "North SEN team", "North SEN team", BASE)
    plain(message)
    assert message.subject.endswith(" - case EH-1") and f"{BASE}/cases/EH-1" in message.text
    assert "16 March 2026" in message.text


def test_alert_subjects_name_the_deadline_in_words():
    def subject(level: AlarmLevel, days: int, duty: Duty, advice: str | None = None) -> str:
        event = alarm_event(level, days, duty, advice)
        return alarm_message(event, "North-Lead", "North SEN team", "North SEN team", BASE).subject

    assert (
        subject(AlarmLevel.REMINDER, 7, Duty.T6)
        == "Reminder: Final plan within 20 weeks, due in 7 days - case EH-1"
    )
    assert (
        subject(AlarmLevel.BREACH, 0, Duty.T2, "SOCIAL_CARE-1")
        == "Deadline breached: Social care advice within 6 weeks, 1 day late - case EH-1"
    )
    assert (
        subject(AlarmLevel.ESCALATION, 14, Duty.T2, "HEALTH-2")
        == "Escalation: deadline still not met: Medical advice (request 2) within 6 weeks, 14 days late"
        " - case EH-1"
    )
    assert (
        subject(AlarmLevel.MILESTONE_MISSED, 0, Duty.M14)
        == "Milestone missed: Draft plan by week 14, 1 day late - case EH-1"
    )


@pytest.mark.parametrize("code", list(ExceptionCode))
@pytest.mark.parametrize("to_family", [True, False])
def test_the_family_notice_names_the_exception_in_words(code, to_family):
    exc = RecordedException(
        code=code,
        recorded_on=date(2026, 3, 2),
        start=date(2026, 1, 20),
        end=date(2026, 2, 28),
        advice_id="SOCIAL_CARE-1" if code.applies_to_advice else None,
    )
    notice = ExceptionNotice(workflow_id="ehcna-EH-1", case_ref="EH-1", seq=3, exception=exc)
    message = family_notice_message(notice, "North-1", BASE, to_family=to_family)
    plain(message)
    assert "2 March 2026" in message.text and "20 January 2026 to 28 February 2026" in message.text


def test_the_digest_names_deadlines_and_advice_in_words():
    day = date(2026, 5, 11)
    policy = make_policy(2525)
    late = Case(
        ref="EH-LATE", day0=day - timedelta(days=50), request_source=RequestSource.PARENT, team="north"
    )
    advice = Case(
        ref="EH-ADVICE",
        day0=day - timedelta(days=60),
        request_source=RequestSource.PARENT,
        team="north",
        decision_to_assess=Decision(yes=True, on=day - timedelta(days=55)),
        advice=[
            AdviceRequest(
                id="SOCIAL_CARE-2",
                kind=AdviceKind.SOCIAL_CARE,
                provider_team="ep-service",
                requested_on=day - timedelta(days=50),
            )
        ],
    )
    undelivered = [
        "Deadline breached: Final plan within 20 weeks, 1 day late - case EH-9 - to North-Lead by email"
    ]
    digest = build_digest([late, advice], ["north"], policy.directory, day, undelivered)
    message = digest_message(digest, "North-Lead", policy.directory, BASE)
    plain(message)
    assert message.subject.startswith("Daily digest 11 May 2026: ")
    assert "EH-LATE: Decision whether to assess within 6 weeks - 8 days late (3 May 2026)" in message.text
    assert "EH-ADVICE: Social care advice (request 2) within 6 weeks - 8 days late" in message.text


def test_the_other_notices_say_no_code_or_iso_date():
    breach = alarm_message(alarm_event(AlarmLevel.BREACH, duty=Duty.T6), "Hos", "North", "North", BASE)
    for message in (
        undelivered_message("Hos", "north.lead@example.org", "email", breach.subject, "550", "EH-1", BASE),
        workflow_stopped_message("Hos", "EH-1", "North SEN team", "TERMINATED", BASE),
        advice_received_message(
            "North-1", "EH-1", AdviceKind.SOCIAL_CARE, "Children's social care", date(2026, 3, 2), BASE
        ),
        advice_digest_message(
            "North-1", date(2026, 3, 2), [("EH-1", AdviceKind.EP, "EP service", date(2026, 3, 1))], BASE
        ),
    ):
        plain(message)
