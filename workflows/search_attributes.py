"""The typed search attributes that list cases in the Temporal UI and CLI."""

from temporalio.common import SearchAttributeKey

CASE_STAGE = SearchAttributeKey.for_keyword("CaseStage")
NEXT_DEADLINE = SearchAttributeKey.for_datetime("NextDeadline")
BREACHED = SearchAttributeKey.for_bool("Breached")
TEAM = SearchAttributeKey.for_keyword("Team")

ALL = (CASE_STAGE, NEXT_DEADLINE, BREACHED, TEAM)


def dev_server_flags() -> list[str]:
    """``--search-attribute`` flags that register them on ``temporal server start-dev``."""
    kinds = {CASE_STAGE: "Keyword", NEXT_DEADLINE: "Datetime", BREACHED: "Bool", TEAM: "Keyword"}
    flags: list[str] = []
    for key in ALL:
        flags += ["--search-attribute", f"{key.name}={kinds[key]}"]
    return flags
