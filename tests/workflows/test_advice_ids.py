"""Workflow ids that cannot collide: an advice clock's id lives in a space no case reference can reach,
so one case can never take (and so kill) another's advice workflow."""

import asyncio
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st
from temporalio.service import RPCError

from domain.case import AdviceKind, RequestSource
from domain.clock import london_date
from domain.commands import REF_PATTERN, DecideToAssess, RequestAdvice, StartAssessment
from ehcna.gateway.cases import CaseGateway
from ehcna.gateway.errors import InvalidStart
from tests.workflows.case_driver import OFFICER
from workflows.ids import advice_workflow_id, assessment_id, case_ref_of

REFS = st.from_regex(REF_PATTERN, fullmatch=True)


@given(ref=REFS, other=REFS, advice_id=st.from_regex(r"[A-Z_]{2,12}-[1-9][0-9]?", fullmatch=True))
def test_no_case_reference_takes_the_id_of_an_advice_clock(ref, other, advice_id):
    advice = advice_workflow_id(ref, advice_id)
    assert assessment_id(other) != advice
    assert case_ref_of(advice) == ref and case_ref_of(assessment_id(ref)) == ref


async def test_a_reference_that_would_collide_with_an_advice_clock_is_refused_before_anything_is_sent(
    dev_server,
):
    client = dev_server.env.client
    cases = CaseGateway(client, dev_server.task_queue)
    today = london_date(datetime.now(UTC))
    ref = f"COLLIDE-{uuid4().hex[:6]}"
    await cases.start(
        StartAssessment(ref=ref, day0=today, request_source=RequestSource.PARENT, team="north", by=OFFICER),
        today,
    )
    await cases.act(ref, DecideToAssess(yes=True, on=today, by=OFFICER))
    view = await cases.act(
        ref,
        RequestAdvice(advice_kind=AdviceKind.HEALTH, provider_team="health", requested_on=today, by=OFFICER),
    )
    (advice,) = view.case.advice
    # since v7 the advice clock runs inside the case: no workflow takes an advice clock's id at all
    # (cases begun before keep their children, named ehcna-<ref>/advice/<advice id>)
    await asyncio.sleep(0.5)  # the case starts the clock in its main loop, just after answering
    assert await cases.read(ref)  # the case is running
    with pytest.raises(RPCError):
        await client.get_workflow_handle(advice_workflow_id(ref, advice.id)).describe()
    assert advice_workflow_id(ref, advice.id) == f"ehcna-{ref}/advice/{advice.id}"

    # the attack of the report: a case named as the advice clock was (ehcna-X-advice-HEALTH-1)
    legacy = f"{ref}-advice-{advice.id}"
    with pytest.raises(InvalidStart) as refused:
        await cases.start(
            StartAssessment(
                ref=legacy, day0=today, request_source=RequestSource.PARENT, team="north", by=OFFICER
            ),
            today,
        )
    assert refused.value.field == "ref" and "-advice-" in refused.value.reason
    with pytest.raises(RPCError):  # nothing was started
        await client.get_workflow_handle(assessment_id(legacy)).describe()
    # and the case goes on: its advice clock is still running, the next advice starts
    assert (await cases.read(ref)).case.advice[0].is_open
    more = await cases.act(
        ref,
        RequestAdvice(advice_kind=AdviceKind.EP, provider_team="ep-service", requested_on=today, by=OFFICER),
    )
    assert len(more.case.advice) == 2
