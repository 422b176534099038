"""The engine on the real Temporal dev server: refusals, search attributes, back-dated cases."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, timedelta
from uuid import uuid4

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowUpdateFailedError

from domain.case import AdviceKind
from domain.clock import at_london_time, end_of_day
from domain.commands import (
    Actor,
    DecideToAssess,
    DecideToIssue,
    RecordAdviceNotReceived,
    RecordException,
    RequestAdvice,
    Role,
    SubmitAdvice,
)
from domain.deadlines import DeadlineStatus
from domain.statutory_exceptions import ExceptionCode
from domain.words import day_in_words
from ehcna.gateway.errors import refusal_of
from tests.temporal_servers import binary
from tests.workflows.case_driver import OFFICER, PROVIDER_TEAMS, REQUIRED_ADVICE, CaseDriver, provider
from workflows.assessment import AssessmentWorkflow


@pytest.fixture
def dev_env(dev_server):
    return dev_server.env


@pytest.fixture
def queue(dev_server) -> str:
    return dev_server.task_queue


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex[:6]}"


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 15) -> None:
    """Poll ``check`` until it holds; visibility and timers are asynchronous."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {seconds}s")
        await asyncio.sleep(0.2)


async def temporal_cli(*args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        binary("temporal"), *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def refused(case: CaseDriver, update, cmd) -> tuple[str, str]:
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await case.handle.execute_update(update, cmd)
    rule = refusal_of(err.value)
    assert rule is not None, f"not a rule refusal: {err.value.cause!r}"
    return rule.field, rule.reason


async def test_updates_refused_with_their_reasons(dev_env, queue):
    case = await CaseDriver.start(dev_env, queue, unique("DEV-REFUSE"), days_ago=30)
    wf = AssessmentWorkflow
    today = case.day(30)

    field, reason = await refused(
        case,
        wf.request_advice,
        RequestAdvice(advice_kind=AdviceKind.EP, provider_team="ep-service", requested_on=today, by=OFFICER),
    )
    assert field == "case" and "while the case is awaiting the decision whether to assess" in reason
    field, reason = await refused(
        case, wf.decide_to_assess, DecideToAssess(yes=True, on=today + timedelta(days=1), by=OFFICER)
    )
    assert field == "on" and "in the future" in reason

    await case.handle.execute_update(
        wf.decide_to_assess, DecideToAssess(yes=True, on=case.day(10), by=OFFICER)
    )
    for kind in REQUIRED_ADVICE:
        await case.handle.execute_update(
            wf.request_advice,
            RequestAdvice(
                advice_kind=kind, provider_team=PROVIDER_TEAMS[kind], requested_on=case.day(11), by=OFFICER
            ),
        )
    field, reason = await refused(
        case, wf.decide_to_assess, DecideToAssess(yes=True, on=case.day(12), by=OFFICER)
    )
    assert "already recorded" in reason

    other_team = Actor(user="x", role=Role.PROVIDER, team="another-team")
    field, reason = await refused(
        case,
        wf.submit_advice,
        SubmitAdvice(advice_id="HEALTH-1", returned_on=today, document_ref="D1", by=other_team),
    )
    assert field == "by"

    submit = SubmitAdvice(
        advice_id="HEALTH-1", returned_on=today, document_ref="D1", by=provider(AdviceKind.HEALTH)
    )
    await case.handle.execute_update(wf.submit_advice, submit)
    field, reason = await refused(case, wf.submit_advice, submit)
    assert field == "advice_id" and f"already submitted on {day_in_words(today)}" in reason

    field, reason = await refused(
        case, wf.record_advice_not_received, RecordAdviceNotReceived(advice_id="EP-1", on=today, by=OFFICER)
    )
    assert field == "on" and "not due until" in reason
    field, reason = await refused(case, wf.decide_to_issue, DecideToIssue(yes=True, on=today, by=OFFICER))
    assert field == "advice" and "psychological advice" in reason and "EP-1" not in reason
    field, reason = await refused(
        case,
        wf.record_exception,
        RecordException(code=ExceptionCode.E_ABS, on=today, start=case.day(5), end=case.day(31), by=OFFICER),
    )
    assert field == "end" and "at least 4 weeks" in reason

    # refused updates never enter history: 1 + 5 + 1 accepted updates only
    history = await case.handle.fetch_history()
    accepted = [
        e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    ]
    assert len(accepted) == 7
    view = await case.state()
    assert [a.status for a in view.case.advice].count("RECEIVED") == 1


async def test_search_attributes_find_cases_by_stage_and_team(dev_env, queue):
    team = unique("team")
    at_request = await CaseDriver.start(dev_env, queue, unique("DEV-SA-REQ"), days_ago=3)
    at_advice = await CaseDriver.start(dev_env, queue, unique("DEV-SA-ADV"), days_ago=20)
    await at_advice.handle.execute_update(
        AssessmentWorkflow.decide_to_assess, DecideToAssess(yes=True, on=at_advice.day(15), by=OFFICER)
    )
    # a case of another team at the same stage must not be found by the team filter
    for case in (at_request, at_advice):
        await dev_env.client.get_workflow_handle(case.handle.id).describe()

    async def found(query: str) -> set[str]:
        return {wf.id async for wf in dev_env.client.list_workflows(query)}

    async def advice_listed() -> bool:
        ids = await found("CaseStage = 'advice' AND Team = 'north' AND ExecutionStatus = 'Running'")
        return at_advice.handle.id in ids and at_request.handle.id not in ids

    await eventually(advice_listed)
    other = await CaseDriver.start(dev_env, queue, unique("DEV-SA-OTHER"), days_ago=1)
    assert team not in (await other.state()).case.team

    # the CLI a council's IT team would use finds the same case
    address = dev_env.client.service_client.config.target_host
    found_by_cli = await temporal_cli(
        "workflow", "list", "--address", address, "--query", "CaseStage = 'advice'"
    )
    assert at_advice.handle.id in found_by_cli
    assert at_request.handle.id not in found_by_cli


async def test_backdated_case_reaches_its_20_week_breach_within_seconds(dev_env, queue):
    # day 0 twenty weeks and a day ago: the T6 deadline (day 140) passed yesterday
    case = await CaseDriver.start(dev_env, queue, unique("DEV-BACKDATED"), days_ago=141)

    async def breached() -> bool:
        sent = await case.handle.query(AssessmentWorkflow.alarms_sent)
        return "T6:breach:0" in sent

    await eventually(breached, seconds=10)
    view = await case.state()
    assert next(d for d in view.deadlines if d.key == "T6").status is DeadlineStatus.BREACHED
    sent = await case.handle.query(AssessmentWorkflow.alarms_sent)
    # ENGINE RULE: only the most severe alarm of each past deadline goes out, not every old reminder
    assert not [k for k in sent if k.startswith("T6:reminder")]

    async def listed_as_breached() -> bool:
        ids = {
            w.id
            async for w in dev_env.client.list_workflows(
                f"Breached = true AND WorkflowId = '{case.handle.id}'"
            )
        }
        return case.handle.id in ids

    await eventually(listed_as_breached)


async def test_nineteen_week_case_is_at_risk_with_its_breach_timer_set(dev_env, queue):
    case = await CaseDriver.start(dev_env, queue, unique("DEV-19W"), days_ago=133)
    view = await case.state()
    t6 = next(d for d in view.deadlines if d.key == "T6")
    assert t6.status is DeadlineStatus.AT_RISK
    assert t6.due == case.day(140)
    # the breach is a durable timer set for the end of day 140 (or, before 09:00, the
    # week-19 reminder's timer comes first), not a poll
    expected = {end_of_day(case.day(140)), at_london_time(case.day(133), 9)}
    fire_times: list = []

    async def timer_set() -> bool:
        history = await case.handle.fetch_history()
        fire_times.clear()
        for e in history.events:
            if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED:
                timeout = e.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta()
                fire_times.append(e.event_time.ToDatetime(tzinfo=UTC) + timeout)
        return bool(fire_times)

    await eventually(timer_set)
    assert any(abs((f - x).total_seconds()) < 2 for f in fire_times[-1:] for x in expected), fire_times
