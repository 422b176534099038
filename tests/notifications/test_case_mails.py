"""A whole case on the time-skipping server sends exactly the mails its policy says, in order."""

from datetime import timedelta

from domain.case import Outcome, RequestSource
from domain.clock import london_date
from domain.commands import RecordException, StartAssessment, Withdraw
from domain.statutory_exceptions import ExceptionCode
from ehcna.bootstrap import build_notifications
from ehcna.gateway.cases import CaseGateway
from ehcna.settings import Settings
from ehcna.store.adapters import StoreCaseRecords
from tests.notifications.policies import PEOPLE, make_policy
from tests.notifications.sinks import smtp_sink
from tests.temporal_servers import running_worker, time_skipping_env
from tests.workflows.case_driver import OFFICER, CaseDriver
from workflows.assessment import AssessmentWorkflow

T1 = "Decision whether to assess within 6 weeks"  # the deadline in words (domain/words.py)


async def test_a_late_decision_sends_reminder_breach_escalation_and_the_family_notice(db):
    ref = "TS-MAILS"
    with smtp_sink() as smtp:
        policy = make_policy(smtp.port)
        notifications = build_notifications(policy, db.sessions, settings=Settings())
        async with (
            time_skipping_env() as env,
            running_worker(env.client, StoreCaseRecords(db.sessions), notifications.port) as (_, queue),
        ):
            today = london_date(await env.get_current_time())
            start = StartAssessment(ref=ref, day0=today, request_source=RequestSource.PARENT, team="north")
            started = await CaseGateway(env.client, queue, timing=policy.timing()).start(start, today)
            handle = env.client.get_workflow_handle_for(AssessmentWorkflow.run, started.workflow_id)
            case = CaseDriver(env, handle, today, ref)
            # T1 is due on day 42: reminded on day 35, breached at the end of day 42,
            # escalated on day 49; the exception recorded on day 50 is told to the family
            await case.go_to_day(50)
            await handle.execute_update(
                AssessmentWorkflow.record_exception,
                RecordException(
                    code=ExceptionCode.E_PERS,
                    on=case.day(50),
                    start=case.day(10),
                    end=case.day(40),
                    description="bereavement in the family",
                    by=OFFICER,
                ),
            )
            await case.go_to_day(51)
            await handle.execute_update(AssessmentWorkflow.withdraw, Withdraw(on=case.day(51), by=OFFICER))
            result = await handle.result()
            assert result.case.outcome is Outcome.WITHDRAWN
            # withdrawn on day 51: the M14 reminder (day 91) and everything after is cancelled
            await env.sleep(timedelta(days=120))
            sent = await handle.query(AssessmentWorkflow.alarms_sent)
        mails = smtp.received()

    assert sent == ["T1:reminder:7", "T1:breach:0", "T1:escalation:7"]
    assert [(m.to, m.subject) for m in mails] == [
        (
            PEOPLE["north-1"],
            f"Reminder: {T1}, due in 7 days - case {ref}",
        ),
        (
            PEOPLE["north-2"],
            f"Reminder: {T1}, due in 7 days - case {ref}",
        ),
        (
            PEOPLE["north-lead"],
            f"Deadline breached: {T1}, 1 day late - case {ref}",
        ),
        (
            PEOPLE["hos"],
            f"Escalation: deadline still not met: {T1}, 7 days late - case {ref}",
        ),
        (PEOPLE["north-1"], f"Exception recorded on EHC needs assessment {ref}"),
        (PEOPLE["north-2"], f"Exception recorded on EHC needs assessment {ref}"),
    ]
    due = case.day(42)
    assert f"was due on {due.day} {due:%B %Y}" in mails[2].text
    assert "Held by:            North SEN team" in mails[3].text
    assert f"https://ehcna.test/cases/{ref}" in mails[3].html
