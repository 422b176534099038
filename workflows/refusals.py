"""How a workflow refuses an action: one error type, which the gateway maps to a refusal (409)."""

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.errors import RuleViolation

RULE_VIOLATION = "RuleViolation"


def refusal(err: RuleViolation) -> ApplicationError:
    """The error a refused action returns: the reason, with the field in its details."""
    return ApplicationError(err.reason, err.field, type=RULE_VIOLATION, non_retryable=True)
