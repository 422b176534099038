"""The engine's own errors for what Temporal answers, so no caller reads Temporal's.

Each error names the field it is about and the reason in words; the web layer
turns each kind into one HTTP status (``ehcna.web.errors``), the CLI into an
exit status. Raised only by the gateway.
"""

from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.exceptions import ApplicationError, TemporalError
from temporalio.service import RPCError, RPCStatusCode

from domain.errors import RuleViolation
from workflows.refusals import RULE_VIOLATION  # the ApplicationError type a workflow refuses an action with


class GatewayError(Exception):
    """Something the engine could not do for the caller: ``field`` and ``reason`` say what and why."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class RuleRefused(GatewayError):
    """A statutory or engine rule refused the action; nothing was applied."""


class InvalidStart(RuleRefused):
    """The start of a case is not valid input (a day 0 in the future, say)."""


class AlreadyStarted(RuleRefused):
    """The case reference is already used, by a running, closed or imported case."""

    def __init__(self, ref: str) -> None:
        super().__init__("ref", f"case reference {ref} already exists; each case has one reference")


class CaseNotFound(GatewayError):
    def __init__(self, ref: str) -> None:
        super().__init__("case", f"no case {ref}")


class CaseClosed(GatewayError):
    def __init__(self, ref: str) -> None:
        super().__init__("case", f"case {ref} is closed; no further action can be taken")


class Retryable(GatewayError):
    """Try again later: nothing was lost, and the action may still be applied."""


class CaseBusy(Retryable):
    """The case has too many actions in flight; nothing was applied."""


class NotAnswered(Retryable):
    """No worker answered in time: the action may still be applied later (a keyed retry tells)."""


class Unavailable(Retryable):
    """Temporal itself cannot be reached."""


def refusal_of(err: WorkflowUpdateFailedError) -> RuleViolation | None:
    """The rule a refused update broke, or None if it failed for another reason."""
    cause = err.cause
    if isinstance(cause, ApplicationError) and cause.type == RULE_VIOLATION:
        field = str(cause.details[0]) if cause.details else "action"
        return RuleViolation(field, cause.message)
    return None


def from_temporal(ref: str, err: Exception) -> GatewayError:
    """The engine's error for a Temporal failure met while acting on or reading case ``ref``."""
    if isinstance(err, WorkflowUpdateFailedError):
        rule = refusal_of(err)
        if rule is not None:
            return RuleRefused(rule.field, rule.reason)
        # aborted (the case closed meanwhile, say) or failed in the handler: nothing was applied
        return CaseBusy(
            "case", f"case {ref} did not apply the action, nothing was applied: {err.cause or err}"
        )
    if isinstance(err, TimeoutError | WorkflowUpdateRPCTimeoutOrCancelledError):
        # no worker took it in time (stopped, or overwhelmed): it may still be applied later
        return NotAnswered(
            "case",
            "the case did not answer in time and the action may still be applied: look at the case "
            "before trying again (a program retries with the same Idempotency-Key to get its result)",
        )
    if isinstance(err, RPCError):
        if err.status == RPCStatusCode.NOT_FOUND:
            # a closed case answers NOT_FOUND too, with "workflow execution already completed"
            return CaseClosed(ref) if "completed" in err.message else CaseNotFound(ref)
        if err.status == RPCStatusCode.RESOURCE_EXHAUSTED:  # Temporal's limit of updates in flight
            return CaseBusy(
                "case", f"the case is busy with other actions; nothing was applied ({err.message})"
            )
        if err.status == RPCStatusCode.FAILED_PRECONDITION:  # "no poller seen": no worker running
            return NotAnswered("case", f"case {ref} cannot be read: no worker is answering for it")
        return Unavailable("case", f"the workflow service did not serve the request ({err.message})")
    if isinstance(err, TemporalError):
        return Unavailable("case", f"the workflow service did not serve the request ({err})")
    raise err  # not Temporal's: a defect of ours, to be seen as one
