"""Whole cases on the time-skipping server, one case per environment.

Each test walks a case from day 0 to its outcome through the same updates
people use, and checks the statutory state, the alarms and the result.
"""

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError

from domain.case import AdviceKind, AdviceStatus, Outcome, Stage
from domain.commands import (
    DecideToAssess,
    RecordAdviceRequestReceived,
    RecordException,
    RequestAdvice,
    ResendAdviceRequest,
    SubmitAdvice,
    Withdraw,
)
from domain.deadlines import DeadlineStatus
from domain.statutory_exceptions import ExceptionCode
from domain.words import day_in_words
from ehcna.gateway.errors import refusal_of
from tests.temporal_servers import running_worker, time_skipping_env
from tests.workflows.case_driver import (
    OFFICER,
    PROVIDER_TEAMS,
    REQUIRED_ADVICE,
    CaseDriver,
    provider,
    save_history,
)
from workflows.assessment import AssessmentWorkflow


@pytest.fixture
async def env_queue() -> AsyncIterator[tuple]:
    async with time_skipping_env() as env, running_worker(env.client) as (_, queue):
        yield env, queue


def status_of(view, key: str) -> DeadlineStatus:
    return next(d.status for d in view.deadlines if d.key == key)


async def test_plan_issued_within_20_weeks(env_queue):
    env, queue = env_queue
    case = await CaseDriver.start(env, queue, "TS-ON-TIME")
    await case.decide_to_assess(30)
    await case.request_advice(31)
    for kind in REQUIRED_ADVICE:
        await case.submit_advice(60, kind)
    await case.decide_to_issue(70)
    await case.serve_draft(80)
    await case.issue_final_plan(96)
    result = await case.finish("plan_issued_within_20_weeks")

    assert result.case.outcome is Outcome.PLAN_ISSUED
    assert result.case.final_plan_issued_on == case.day(96)
    assert status_of(result, "T1") is DeadlineStatus.MET
    assert status_of(result, "T6") is DeadlineStatus.MET
    assert not result.breached
    sent = await case.handle.query(AssessmentWorkflow.alarms_sent)
    assert not [k for k in sent if ":breach:" in k or ":escalation:" in k]
    # T2 due day 73: reminders 14 days before (day 59, 09:00) went out before the day-60 returns
    assert await case.advice_alarms("HEALTH-1") == ["T2:HEALTH-1:reminder:14"]


async def test_one_advice_late_breaches_only_that_advice(env_queue):
    env, queue = env_queue
    case = await CaseDriver.start(env, queue, "TS-LATE-ADVICE")
    await case.decide_to_assess(20)
    await case.request_advice(21)  # due day 63
    for kind in (AdviceKind.PARENT, AdviceKind.EDUCATION, AdviceKind.EP, AdviceKind.SOCIAL_CARE):
        await case.submit_advice(50, kind)
    await case.go_to_day(64)  # the morning after HEALTH's due date
    view = await case.state()
    assert status_of(view, "T2:HEALTH-1") is DeadlineStatus.BREACHED
    assert view.breached
    assert "T2:HEALTH-1:breach:0" in await case.advice_alarms("HEALTH-1")
    await case.submit_advice(66, AdviceKind.HEALTH)
    await case.decide_to_issue(70)
    await case.serve_draft(75)
    await case.issue_final_plan(95)
    result = await case.finish("one_advice_late")
    if await case.handle.query(AssessmentWorkflow.advice_alarms_sent, "HEALTH-1") is None:
        # before v7 the advice clock was a child workflow, with a history of its own
        await save_history(case.advice_handle("HEALTH-1"), "one_advice_late_advice_health")

    assert status_of(result, "T2:HEALTH-1") is DeadlineStatus.MET_LATE
    for other in ("EDUCATION-1", "EP-1", "SOCIAL_CARE-1"):
        assert status_of(result, f"T2:{other}") is DeadlineStatus.MET
        assert await case.advice_alarms(other) == ["T2:" + other + ":reminder:14"]
    assert status_of(result, "T6") is DeadlineStatus.MET


async def test_20_week_breach(env_queue):
    env, queue = env_queue
    case = await CaseDriver.start(env, queue, "TS-T6-BREACH")
    await case.decide_to_assess(40)
    await case.request_advice(41)
    for kind in REQUIRED_ADVICE:
        await case.submit_advice(80, kind)
    await case.decide_to_issue(100)
    await case.serve_draft(125)
    await case.go_to_day(141)
    view = await case.state()
    assert status_of(view, "T6") is DeadlineStatus.BREACHED
    assert view.breached
    await case.issue_final_plan(150)
    result = await case.finish("twenty_week_breach")

    assert result.case.outcome is Outcome.PLAN_ISSUED
    assert status_of(result, "T6") is DeadlineStatus.MET_LATE
    assert status_of(result, "M14") is DeadlineStatus.MET_LATE
    sent = await case.handle.query(AssessmentWorkflow.alarms_sent)
    assert "T6:breach:0" in sent
    assert "T6:escalation:7" in sent  # day 147, still not issued
    assert "T6:escalation:28" not in sent  # issued on day 150: escalation cancelled
    assert "M14:milestone_missed:0" in sent


async def test_not_assessed(env_queue):
    env, queue = env_queue
    case = await CaseDriver.start(env, queue, "TS-NOT-ASSESSED")
    await case.go_to_day(25)
    no_info = DecideToAssess(yes=False, on=case.day(25), by=OFFICER)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await case.handle.execute_update(AssessmentWorkflow.decide_to_assess, no_info)
    assert "appeal" in refusal_of(refused.value).reason
    await case.handle.execute_update(
        AssessmentWorkflow.decide_to_assess,
        DecideToAssess(yes=False, on=case.day(25), appeal_information_given=True, by=OFFICER),
    )
    result = await case.finish("not_assessed")
    assert result.case.outcome is Outcome.NOT_ASSESSED
    assert result.case.outcome_on == case.day(25)
    assert status_of(result, "T1") is DeadlineStatus.MET
    assert status_of(result, "T6") is DeadlineStatus.NOT_APPLICABLE
    assert await case.handle.query(AssessmentWorkflow.alarms_sent) == []


async def test_assessed_but_no_plan(env_queue):
    env, queue = env_queue
    case = await CaseDriver.start(env, queue, "TS-NO-PLAN")
    await case.decide_to_assess(30)
    await case.request_advice(30)
    for kind in REQUIRED_ADVICE:
        await case.submit_advice(65, kind)
    await case.decide_to_issue(100, yes=False)
    result = await case.finish("assessed_no_plan")
    assert result.case.outcome is Outcome.PLAN_NOT_ISSUED
    assert status_of(result, "T3") is DeadlineStatus.MET
    assert status_of(result, "T6") is DeadlineStatus.NOT_APPLICABLE
    assert result.stage is Stage.CLOSED


async def test_E_ABS_exception_still_breaches_flagged_as_excepted(env_queue):
    env, queue = env_queue
    case = await CaseDriver.start(env, queue, "TS-E-ABS")
    await case.decide_to_assess(35)
    await case.request_advice(36)
    await case.go_to_day(90)
    await case.handle.execute_update(
        AssessmentWorkflow.record_exception,
        RecordException(
            code=ExceptionCode.E_ABS, on=case.day(90), start=case.day(50), end=case.day(85), by=OFFICER
        ),
    )
    for kind in REQUIRED_ADVICE:
        await case.submit_advice(91, kind)
    await case.decide_to_issue(100)
    await case.serve_draft(130)
    await case.go_to_day(142)
    view = await case.state()
    t6 = next(d for d in view.deadlines if d.key == "T6")
    assert t6.status is DeadlineStatus.BREACHED and t6.excepted
    await case.issue_final_plan(146)
    result = await case.finish("e_abs_exception")
    assert result.week20_exception
    assert "T6:breach:0" in await case.handle.query(AssessmentWorkflow.alarms_sent)
    assert status_of(result, "T6") is DeadlineStatus.MET_LATE


async def test_T4_refuses_early_final_plan(env_queue):
    env, queue = env_queue
    case = await CaseDriver.start(env, queue, "TS-T4")
    await case.decide_to_assess(20)
    await case.request_advice(20)
    for kind in REQUIRED_ADVICE:
        await case.submit_advice(50, kind)
    await case.decide_to_issue(60)
    await case.serve_draft(70)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await case.issue_final_plan(80)
    reason = refusal_of(refused.value)
    assert reason is not None and reason.field == "on"
    assert f"cannot be issued before {day_in_words(case.day(85))}" in reason.reason
    assert (await case.state()).case.outcome is None  # refused: nothing applied
    await case.issue_final_plan(85)
    result = await case.finish("t4_refuses_early_final_plan")
    assert result.case.final_plan_issued_on == case.day(85)


async def test_withdrawal_mid_advice(env_queue):
    env, queue = env_queue
    case = await CaseDriver.start(env, queue, "TS-WITHDRAWN")
    await case.decide_to_assess(20)
    await case.request_advice(21)
    await case.submit_advice(40, AdviceKind.EP)
    await case.go_to_day(50)
    await case.handle.execute_update(AssessmentWorkflow.withdraw, Withdraw(on=case.day(50), by=OFFICER))
    result = await case.finish("withdrawn_mid_advice")
    assert result.case.outcome is Outcome.WITHDRAWN
    statuses = {a.id: a.status for a in result.case.advice}
    assert statuses["EP-1"] is AdviceStatus.RECEIVED
    assert statuses["HEALTH-1"] is AdviceStatus.CANCELLED
    # the cancelled advice's clock stopped: its breach (day 63) never fires
    await env.sleep(timedelta(days=30))
    assert "T2:HEALTH-1:breach:0" not in await case.advice_alarms("HEALTH-1")


async def test_advice_resent_to_another_team_and_T2_start_from_the_received_date(env_queue):
    env, queue = env_queue
    case = await CaseDriver.start(env, queue, "TS-RESENT")
    await case.decide_to_assess(20)
    await case.request_advice(21)  # every clock due day 63 as sent
    await case.go_to_day(24)
    await case.handle.execute_update(
        AssessmentWorkflow.record_advice_request_received,
        RecordAdviceRequestReceived(
            advice_id="HEALTH-1", received_on=case.day(24), by=provider(AdviceKind.HEALTH)
        ),
    )
    await case.go_to_day(25)
    await case.handle.execute_update(
        AssessmentWorkflow.resend_advice_request,
        ResendAdviceRequest(
            advice_id="SOCIAL_CARE-1", provider_team="adults-social-care", on=case.day(25), by=OFFICER
        ),
    )
    for kind in (AdviceKind.PARENT, AdviceKind.EDUCATION, AdviceKind.EP):
        await case.submit_advice(50, kind)
    await case.go_to_day(64)  # the morning after day 63
    view = await case.state()
    assert status_of(view, "T2:HEALTH-1") is not DeadlineStatus.BREACHED  # due day 66, from receipt
    assert status_of(view, "T2:SOCIAL_CARE-2") is not DeadlineStatus.BREACHED  # due day 67, re-sent
    assert "T2:SOCIAL_CARE-1" not in {d.key for d in view.deadlines}  # withdrawn: no clock
    # the withdrawn request's own clock stopped when it was withdrawn: no alarm of it ever fires
    assert await case.advice_alarms("SOCIAL_CARE-1") == []
    await case.go_to_day(67)
    assert "T2:HEALTH-1:breach:0" in await case.advice_alarms("HEALTH-1")
    await case.go_to_day(68)
    assert "T2:SOCIAL_CARE-2:breach:0" in await case.advice_alarms("SOCIAL_CARE-2")
    await case.submit_advice(69, AdviceKind.HEALTH)
    await case.handle.execute_update(
        AssessmentWorkflow.submit_advice,
        SubmitAdvice(advice_id="SOCIAL_CARE-2", returned_on=case.day(69), document_ref="DOC-SC", by=OFFICER),
    )
    await case.decide_to_issue(70, yes=False)
    result = await case.finish("advice_resent_and_received")
    statuses = {a.id: a.status for a in result.case.advice}
    assert statuses["SOCIAL_CARE-1"] is AdviceStatus.WITHDRAWN
    assert statuses["SOCIAL_CARE-2"] is AdviceStatus.RECEIVED
    assert result.case.outcome is Outcome.PLAN_NOT_ISSUED


async def test_a_migrated_case_records_its_start_and_steps_in_one_go_and_alerts_past_advice_at_once(
    env_queue,
):
    env, queue = env_queue

    def prior(day0):
        at = lambda n: day0 + timedelta(days=n)  # noqa: E731
        steps = [DecideToAssess(yes=True, on=at(10), by=OFFICER)]
        steps += [
            RequestAdvice(advice_kind=k, provider_team=PROVIDER_TEAMS[k], requested_on=at(12), by=OFFICER)
            for k in REQUIRED_ADVICE
        ]
        steps += [
            SubmitAdvice(advice_id=f"{k}-1", returned_on=at(30), document_ref=f"DOC-{k}", by=provider(k))
            for k in (AdviceKind.PARENT, AdviceKind.EDUCATION)
        ]
        return steps

    case = await CaseDriver.start(env, queue, "TS-MIGRATED", days_ago=60, prior=prior)
    # advice asked on day 12 was due on day 54: breached when the case came in, alerted at once
    # (its reminders, superseded, never go)
    assert await case.advice_alarms("HEALTH-1") == ["T2:HEALTH-1:breach:0"]
    assert await case.advice_alarms("EDUCATION-1") == []  # returned before it was due
    for kind in (AdviceKind.HEALTH, AdviceKind.EP, AdviceKind.SOCIAL_CARE):
        await case.submit_advice(61, kind)
    await case.decide_to_issue(62)
    await case.serve_draft(63)
    await case.issue_final_plan(80)
    result = await case.finish("migrated_at_advice")
    assert result.case.outcome is Outcome.PLAN_ISSUED
    assert status_of(result, "T2:HEALTH-1") is DeadlineStatus.MET_LATE
    # the start and its eight steps: one local activity, not nine; then one for each of the six actions,
    # and one for each of the three advice-received notices' first try (v10)
    history = (await case.handle.fetch_history()).to_json()
    assert history.count('"core_local_activity"') == 1 + 6 + 3
