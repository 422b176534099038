"""Every way Temporal can fail a request about a case becomes one of the engine's own errors,
and each of those one HTTP answer: no caller reads Temporal's errors or its message text."""

import pytest
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.exceptions import ApplicationError, TemporalError
from temporalio.service import RPCError, RPCStatusCode

from ehcna.gateway.errors import (
    RULE_VIOLATION,
    AlreadyStarted,
    CaseBusy,
    CaseClosed,
    CaseNotFound,
    InvalidStart,
    NotAnswered,
    RuleRefused,
    Unavailable,
    from_temporal,
)
from ehcna.web.errors import http_error


def rpc(status: RPCStatusCode, message: str = "") -> RPCError:
    return RPCError(message, status, b"")


@pytest.mark.parametrize(
    ("failure", "kind", "status"),
    [
        (
            WorkflowUpdateFailedError(
                ApplicationError("advice already submitted", "advice_id", type=RULE_VIOLATION)
            ),
            RuleRefused,
            409,
        ),
        (WorkflowUpdateFailedError(ApplicationError("boom", type="ValueError")), CaseBusy, 503),
        (rpc(RPCStatusCode.NOT_FOUND, "workflow execution already completed"), CaseClosed, 409),
        (rpc(RPCStatusCode.NOT_FOUND, "workflow not found for ID: ehcna-X"), CaseNotFound, 404),
        (rpc(RPCStatusCode.RESOURCE_EXHAUSTED, "too many outstanding updates"), CaseBusy, 503),
        (rpc(RPCStatusCode.FAILED_PRECONDITION, "no poller seen"), NotAnswered, 503),
        (rpc(RPCStatusCode.UNAVAILABLE, "connection refused"), Unavailable, 503),
        (rpc(RPCStatusCode.INTERNAL, "anything else"), Unavailable, 503),
        (TimeoutError(), NotAnswered, 503),
        (WorkflowUpdateRPCTimeoutOrCancelledError(), NotAnswered, 503),
        (TemporalError("a failure of the SDK"), Unavailable, 503),
    ],
)
def test_every_temporal_failure_becomes_a_typed_error_and_one_http_status(failure, kind, status):
    err = from_temporal("X", failure)
    assert type(err) is kind
    answer = http_error(err)
    assert answer.status_code == status
    if status == 503:
        assert answer.headers == {"Retry-After": "5"}
    if status != 404:
        assert answer.detail == {"field": err.field, "reason": err.reason}


def test_a_refusal_keeps_the_rule_s_field_and_reason():
    failure = WorkflowUpdateFailedError(
        ApplicationError("advice already submitted", "advice_id", type=RULE_VIOLATION)
    )
    err = from_temporal("X", failure)
    assert (err.field, err.reason) == ("advice_id", "advice already submitted")


def test_a_failure_that_is_not_temporal_s_is_not_hidden():
    with pytest.raises(KeyError):
        from_temporal("X", KeyError("a defect of ours"))


def test_a_start_refused_as_input_is_422_and_a_reused_reference_409():
    assert http_error(InvalidStart("day0", "day 0 cannot be in the future")).status_code == 422
    assert http_error(AlreadyStarted("EH-1")).status_code == 409
