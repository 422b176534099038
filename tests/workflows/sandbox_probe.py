"""A workflow outside the packages the worker's sandbox passes through, to see what the sandbox lets it do.

Kept in a module of its own: the sandbox runs this module afresh for every workflow, as it did every
workflow module before the worker passed ``workflows`` through.
"""

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from pydantic import BaseModel


class Seen(BaseModel):
    assessment_module: int  # id() of the workflows.assessment module this workflow imports
    now_refused: bool  # datetime.now() refused by the sandbox
    open_refused: bool  # the builtin open() refused by the sandbox


@workflow.defn(name="SandboxProbe")
class SandboxProbe:
    @workflow.run
    async def run(self) -> Seen:
        import workflows.assessment as assessment

        return Seen(
            assessment_module=id(assessment),
            now_refused=_refused(lambda: datetime.now()),
            open_refused=_refused(lambda: open(__file__)),
        )


def _refused(call: object) -> bool:
    try:
        call()  # type: ignore[operator]
    except Exception as err:  # the sandbox's RestrictedWorkflowAccessError
        return type(err).__name__ == "RestrictedWorkflowAccessError"
    return False
