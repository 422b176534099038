"""The workflow ids of cases, for programs outside the workflows (one definition: ``workflows.ids``)."""

from workflows.ids import LEGACY_ADVICE, PREFIX, assessment_id, case_ref_of

CASE_ID_PREFIX = PREFIX
case_workflow_id = assessment_id


def ref_problem(ref: str) -> str | None:
    """Why a new case may not take ``ref`` as its reference, beyond its pattern; None if it may.

    Advice clocks of cases begun before their ids moved apart are named
    ``ehcna-<ref>-advice-<id>``: a reference with that separator could take one's id.
    """
    if LEGACY_ADVICE in ref:
        return f"a case reference may not contain '{LEGACY_ADVICE}' (advice workflows are named with it)"
    return None


__all__ = ["CASE_ID_PREFIX", "case_ref_of", "case_workflow_id", "ref_problem"]
