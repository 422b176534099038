"""The actions people take on a case, one model each.

Every command carries who acts (``by``) and the date the action took effect
(the date the decision was notified, the advice provided...), which may be
earlier than the day it is entered but never later.
"""

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator

from domain.case import AdviceKind, RequestSource
from domain.statutory_exceptions import ExceptionCode

REF_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")

TeamName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]


class Role(StrEnum):
    CASE_OFFICER = "case_officer"
    PROVIDER = "provider"
    MANAGER = "manager"
    ADMIN = "admin"
    SYSTEM = "system"


class Actor(BaseModel):
    """Who acts: a user id (not a name) and, for a provider, its team."""

    user: str = Field(min_length=1, max_length=64)
    role: Role
    team: str | None = None


SYSTEM = Actor(user="system", role=Role.SYSTEM)


class StartAssessment(BaseModel):
    """Day 0: a request for an EHC needs assessment received (or responsibility taken)."""

    ref: str
    day0: date
    request_source: RequestSource
    team: TeamName
    year_group: int | None = Field(default=None, ge=-3, le=14)
    transferred_in: bool = False  # CFA s.24: moved in; day 0 is the day this council became responsible
    original_request_on: date | None = None  # when the first council received the request
    by: Actor = SYSTEM

    @field_validator("ref")
    @classmethod
    def _ref_shape(cls, ref: str) -> str:
        if not REF_PATTERN.match(ref):
            raise ValueError(
                "a case reference is 1-64 letters, digits, '-' or '_', starting with a letter "
                "or digit (no names: it appears in the workflow id)"
            )
        return ref


class DecideToAssess(BaseModel):
    kind: Literal["decide_to_assess"] = "decide_to_assess"
    yes: bool
    on: date
    appeal_information_given: bool = False
    by: Actor


class RequestAdvice(BaseModel):
    kind: Literal["request_advice"] = "request_advice"
    advice_kind: AdviceKind
    provider_team: TeamName
    requested_on: date
    received_on: date | None = None  # when the body received it, if known (T2 starts then)
    existing_advice_date: date | None = None
    by: Actor


class RecordAdviceRequestReceived(BaseModel):
    """The day the body received the request for advice: its 6 weeks count from then (T2 start)."""

    kind: Literal["advice_request_received"] = "advice_request_received"
    advice_id: str
    received_on: date
    by: Actor


class WithdrawAdviceRequest(BaseModel):
    """A request sent in error, withdrawn before it is answered: it has no clock and leaves K5."""

    kind: Literal["withdraw_advice_request"] = "withdraw_advice_request"
    advice_id: str
    on: date
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    by: Actor


class ResendAdviceRequest(BaseModel):
    """The request goes to another team instead: the first is withdrawn, a new one starts its own clock."""

    kind: Literal["resend_advice_request"] = "resend_advice_request"
    advice_id: str
    provider_team: TeamName
    on: date
    by: Actor


class SubmitAdvice(BaseModel):
    kind: Literal["submit_advice"] = "submit_advice"
    advice_id: str
    returned_on: date
    document_ref: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    summary: ShortText | None = None
    by: Actor


class RecordAdviceNotReceived(BaseModel):
    kind: Literal["advice_not_received"] = "advice_not_received"
    advice_id: str
    on: date
    by: Actor


class RecordException(BaseModel):
    kind: Literal["record_exception"] = "record_exception"
    code: ExceptionCode
    on: date
    description: ShortText | None = None
    start: date | None = None
    end: date | None = None
    advice_id: str | None = None
    requested_on: date | None = None
    appointment_on: date | None = None
    by: Actor


class DecideToIssue(BaseModel):
    kind: Literal["decide_to_issue"] = "decide_to_issue"
    yes: bool
    on: date
    appeal_information_given: bool = False
    by: Actor


class ServeDraft(BaseModel):
    kind: Literal["serve_draft"] = "serve_draft"
    on: date
    by: Actor


class RecordFamilyResponse(BaseModel):
    kind: Literal["family_response"] = "family_response"
    on: date
    by: Actor


class IssueFinalPlan(BaseModel):
    kind: Literal["issue_final_plan"] = "issue_final_plan"
    on: date
    by: Actor


class Withdraw(BaseModel):
    kind: Literal["withdraw"] = "withdraw"
    on: date
    by: Actor


class TransferOut(BaseModel):
    kind: Literal["transfer_out"] = "transfer_out"
    on: date
    by: Actor


class ReassignTeam(BaseModel):
    """The case moves to another team of case officers: the one recorded way a case changes team."""

    kind: Literal["reassign_team"] = "reassign_team"
    team: Annotated[TeamName, StringConstraints(pattern=r"^[A-Za-z0-9 _-]{1,64}$")]
    on: date
    by: Actor


CaseCommand = Annotated[
    DecideToAssess
    | RequestAdvice
    | RecordAdviceRequestReceived
    | WithdrawAdviceRequest
    | ResendAdviceRequest
    | SubmitAdvice
    | RecordAdviceNotReceived
    | RecordException
    | DecideToIssue
    | ServeDraft
    | RecordFamilyResponse
    | IssueFinalPlan
    | Withdraw
    | TransferOut
    | ReassignTeam,
    Field(discriminator="kind"),
]
