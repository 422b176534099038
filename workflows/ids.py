"""Workflow ids, derived from the case reference in one place (and read back in one place)."""

PREFIX = "ehcna-"
ADVICE = "-advice-"


def assessment_id(case_ref: str) -> str:
    return f"{PREFIX}{case_ref}"


def advice_workflow_id(case_ref: str, advice_id: str) -> str:
    return f"{PREFIX}{case_ref}{ADVICE}{advice_id}"


def case_ref_of(workflow_id: str) -> str:
    """The case reference a case's (or its advice's) workflow id was made from."""
    return workflow_id.removeprefix(PREFIX).split(ADVICE)[0]
