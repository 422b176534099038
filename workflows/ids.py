"""Workflow ids, derived from the case reference in one place."""

PREFIX = "ehcna-"


def assessment_id(case_ref: str) -> str:
    return f"{PREFIX}{case_ref}"


def advice_workflow_id(case_ref: str, advice_id: str) -> str:
    return f"{PREFIX}{case_ref}-advice-{advice_id}"
