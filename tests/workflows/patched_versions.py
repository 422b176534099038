"""Two later versions of the Assessment workflow, for the versioning tests.

Kept in a module of their own: the workflow sandbox re-imports the module
that defines a workflow, so it must not touch files at import time.
"""

from datetime import timedelta

from temporalio import workflow

from workflows.assessment import AssessmentInput, AssessmentWorkflow

with workflow.unsafe.imports_passed_through():
    from domain.views import CaseView


@workflow.defn(name="Assessment")
class PatchedAssessment(AssessmentWorkflow):
    """A new step at the start of every case, added the safe way."""

    @workflow.run
    async def run(self, inp: AssessmentInput) -> CaseView:
        if workflow.patched("settle-before-first-pass"):
            await workflow.sleep(timedelta(seconds=1))
        return await super().run(inp)


@workflow.defn(name="Assessment")
class UnpatchedAssessment(AssessmentWorkflow):
    """The same step added carelessly: old cases cannot replay it."""

    @workflow.run
    async def run(self, inp: AssessmentInput) -> CaseView:
        await workflow.sleep(timedelta(seconds=1))
        return await super().run(inp)
