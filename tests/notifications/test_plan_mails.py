"""A plan's alert names the plan and links to its own page (/plans/<ref>), never to a case page."""

from domain.alarms import Alarm, AlarmLevel
from domain.events import AlarmEvent
from domain.plan_calendar import PlanDuty
from ehcna.notifications.messages import alarm_message
from tests.notifications.events import DUE, alarm_event, raised


def plan_breach(ref: str) -> AlarmEvent:
    alarm = Alarm(
        deadline_key=f"{PlanDuty.R1}:{DUE.isoformat()}",
        duty=PlanDuty.R1,
        subject=None,
        level=AlarmLevel.BREACH,
        offset_days=0,
        at=raised(AlarmLevel.BREACH, 0),
        due=DUE.isoformat(),
    )
    return AlarmEvent(
        workflow_id=f"ehcplan-{ref}",
        case_ref=ref,
        team="north",
        holder="north",
        alarm=alarm,
        raised_at=alarm.at,
    )


def test_a_plan_alert_links_to_the_plan_page():
    mail = alarm_message(
        plan_breach("EH-9"), "North-Lead", "North SEN team", "North SEN team", "https://e.test/"
    )
    assert mail.subject == "Deadline breached: Annual review within 12 months, 1 day late - plan EH-9"
    assert mail.link == "https://e.test/plans/EH-9"
    assert "Open the plan: https://e.test/plans/EH-9" in mail.text and "/cases/" not in mail.text
    assert '<a href="https://e.test/plans/EH-9">Open plan EH-9</a>' in mail.html
    assert "Annual review within 12 months was due on 16 March 2026 and has not been met." in mail.text
    assert "Exception recorded" not in mail.text  # a plan's time limits have no exceptions


def test_an_assessment_alert_still_links_to_the_case_page():
    mail = alarm_message(
        alarm_event(AlarmLevel.BREACH), "North-Lead", "North SEN team", "North", "https://e.test"
    )
    assert (
        mail.link == "https://e.test/cases/EH-1" and "Open the case: https://e.test/cases/EH-1" in mail.text
    )
