"""The workflow ids of cases, for programs outside the workflows (one definition: ``workflows.ids``)."""

from workflows.ids import assessment_id, case_ref_of

case_workflow_id = assessment_id

__all__ = ["case_ref_of", "case_workflow_id"]
