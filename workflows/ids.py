"""Workflow ids, derived from the case reference in one place (and read back in one place).

A case is ``ehcna-<ref>``. Its advice requests live in a space no case can reach:
``ehcna-<ref>/advice/<advice id>``, since a reference may not contain ``/``
(``domain.commands.REF_PATTERN``). Cases started before that change name their
advice ``ehcna-<ref>-advice-<advice id>`` (``LEGACY_ADVICE``) and keep doing so
while they replay; a new reference may not contain that separator either, so it
can never take the id of such an advice clock still running.
"""

PREFIX = "ehcna-"
# a plan in force lives apart from any case: no case id starts with it, and the plan's reference
# (a case's, for a plan the engine issued) carries no personal data
PLAN_PREFIX = "ehcplan-"
ADVICE = "/advice/"
LEGACY_ADVICE = "-advice-"


def assessment_id(case_ref: str) -> str:
    return f"{PREFIX}{case_ref}"


def plan_workflow_id(plan_ref: str) -> str:
    """The plan's id; it keeps it across every review (the workflow continues as new at each)."""
    return f"{PLAN_PREFIX}{plan_ref}"


def advice_workflow_id(case_ref: str, advice_id: str, apart: bool = True) -> str:
    """The advice clock's id; ``apart=False`` only for cases that began with the legacy ids."""
    return f"{PREFIX}{case_ref}{ADVICE if apart else LEGACY_ADVICE}{advice_id}"


def case_ref_of(workflow_id: str) -> str:
    """The case reference a case's (or its advice's) workflow id was made from."""
    return workflow_id.removeprefix(PREFIX).split(ADVICE)[0].split(LEGACY_ADVICE)[0]
