"""The questions each form asks, named after the fields of the command it builds.

Which action a case page offers depends on the case's stage; that is only a
convenience: the workflow's validated update still decides, and a refusal
comes back to the form as an error on the field the rule names.
"""

from dataclasses import dataclass, replace

from domain.case import AdviceKind, RequestSource, Stage
from domain.statutory_exceptions import ExceptionCode
from domain.views import CaseView
from ehcna.web.pages.forms import Field
from ehcna.web.pages.names import ADVICE_NAMES, EXCEPTION_NAMES, SOURCE_NAMES, advice_request

EXAMPLE_DATE = "For example, 27 3 2026"
OPEN_STAGES = frozenset({Stage.REQUEST, Stage.ADVICE, Stage.DRAFTING, Stage.DRAFT_SERVED})

ADVICE_FROM = {
    AdviceKind.PARENT: "From the family. It has no 6-week clock.",
    AdviceKind.EDUCATION: "From the head teacher, principal or early years setting.",
    AdviceKind.HEALTH: "From a health professional identified by the ICB.",
    AdviceKind.EP: "From an educational psychologist.",
    AdviceKind.SOCIAL_CARE: "From children's or adults' social care.",
    AdviceKind.PFA: "For a child in year 9 or above.",
    AdviceKind.OTHER: "For example speech and language therapy, occupational therapy or CAMHS.",
}
EXCEPTION_NEEDS = {
    ExceptionCode.E_SCH: "Give the closure and reopening dates and the date the school was asked for advice.",
    ExceptionCode.E_EY: "Give the closure and reopening dates and the date the setting was asked for advice.",
    ExceptionCode.E_PERS: "Describe the circumstances and give the date they began.",
    ExceptionCode.E_ABS: "Give the first and last days of the absence.",
    ExceptionCode.A_PERS: "Choose the advice request, describe the circumstances and say when they began.",
    ExceptionCode.A_ABS: "Choose the advice request and give the first and last days of the absence.",
    ExceptionCode.A_APPT: "Choose the advice request and give the date of the missed appointment.",
}


def _on(label: str, noun: str, hint: str = EXAMPLE_DATE) -> Field:
    return Field("on", label, "date", hint=hint, noun=noun)


def _decision(question: str, yes: str, no: str, appeal_rule: str) -> tuple[Field, ...]:
    return (
        Field("yes", question, "radios", options=(("true", yes), ("false", no)), noun="a decision"),
        _on("Date the family was told of the decision", "the date the family was told"),
        Field(
            "appeal_information_given",
            "The notice told the family of their right of appeal and of mediation",
            "checkbox",
            hint=f"Required when the answer is no ({appeal_rule}).",
        ),
    )


START = (
    Field(
        "ref",
        "Case reference",
        hint="Letters, numbers, hyphens or underscores. Do not use the child's name.",
        width="govuk-input--width-20",
        noun="a case reference",
    ),
    Field(
        "day0",
        "Date the request for an assessment was received",
        "date",
        hint="This is day 0: every statutory time limit counts from it. " + EXAMPLE_DATE,
        noun="the date the request was received",
    ),
    Field(
        "request_source",
        "Who made the request?",
        "radios",
        # UNKNOWN is for imported history only: a request received now says who made it
        options=tuple((str(s), name) for s, name in SOURCE_NAMES.items() if s != RequestSource.UNKNOWN),
        noun="who made the request",
    ),
    Field(
        "team", "Case officer team", hint="The team that will hold the case.", width="govuk-input--width-20"
    ),
    Field(
        "year_group",
        "National curriculum year (optional)",
        "number",
        hint="For example, 9. Reception is 0 and nursery is -1. Needed for preparing for adulthood advice.",
        width="govuk-input--width-3",
        noun="the year",
    ),
)

ADVICE_ID = Field("advice_id", "Advice request", "select", noun="an advice request")

_EXCEPTION_DETAIL = (
    _on("Date the exception was recorded", "the date the exception was recorded"),
    Field(
        "description",
        "Description of the circumstances",
        "textarea",
        hint="Needed for exceptional circumstances. Do not include medical detail.",
    ),
    Field(
        "start",
        "Start date",
        "date",
        hint="The date the setting closed, the circumstances began or the absence began. " + EXAMPLE_DATE,
        noun="the start date",
    ),
    Field(
        "end",
        "End date",
        "date",
        hint="The date the setting reopened, or the last day of the absence. " + EXAMPLE_DATE,
        noun="the end date",
    ),
)


def _exception_code(codes: tuple[ExceptionCode, ...], label: str) -> Field:
    return Field(
        "code",
        label,
        "radios",
        options=tuple((str(c), EXCEPTION_NAMES[c]) for c in codes),
        option_hints={str(c): EXCEPTION_NEEDS[c] for c in codes},
        noun="the exception",
    )


APPOINTMENT = Field(
    "appointment_on",
    "Date of the missed appointment",
    "date",
    hint="Only for a missed appointment. " + EXAMPLE_DATE,
    noun="the date of the missed appointment",
)

CASE_EXCEPTION = (
    _exception_code(tuple(ExceptionCode), "Which exception applies?"),
    *_EXCEPTION_DETAIL,
    replace(ADVICE_ID, label="Advice request (only for an exception to advice)"),
    Field(
        "requested_on",
        "Date the school or setting was asked for advice",
        "date",
        hint="Only when a school, college or early years setting was closed. " + EXAMPLE_DATE,
        noun="the date advice was requested",
    ),
    APPOINTMENT,
)

RECEIVED_ON = Field(
    "received_on",
    "Date the team received the request (optional)",
    "date",
    hint="When known, the team's 6 weeks count from this date instead (reg 8(1)). " + EXAMPLE_DATE,
    noun="the date the request was received",
)

# The provider's own forms: the advice request comes from the page's address.
SUBMIT_ADVICE = (
    Field("returned_on", "Date the advice was provided", "date", hint=EXAMPLE_DATE, noun="the date"),
    Field(
        "document_ref",
        "Document reference",
        hint="Where the advice is filed, for example EHC-HEALTH-77.",
        width="govuk-input--width-20",
        noun="a document reference",
    ),
    Field("summary", "Summary (optional)", "textarea", hint="A few lines for the case officer."),
)
ADVICE_EXCEPTION = (
    _exception_code(
        (ExceptionCode.A_PERS, ExceptionCode.A_ABS, ExceptionCode.A_APPT), "Which reg 8(2) exception applies?"
    ),
    *_EXCEPTION_DETAIL,
    APPOINTMENT,
)


@dataclass(frozen=True)
class ActionForm:
    name: str  # the action of web.case_actions.ACTIONS
    title: str  # the page heading, and the link on the case page
    button: str
    done: str  # said on the case page afterwards
    fields: tuple[Field, ...]
    stages: frozenset[Stage]  # where the case page offers it
    intro: str | None = None

    def fields_for(self, view: CaseView) -> tuple[Field, ...]:
        """The fields, with the case's own advice requests as the choices of ``advice_id``."""
        awaited = tuple(
            (a.id, f"{advice_request(a.id)} from {a.provider_team}")
            for a in view.case.advice
            if a.is_open or self.name == "record-exception"
        )
        return tuple(replace(f, options=awaited) if f.name == "advice_id" else f for f in self.fields)


ACTION_FORMS: dict[str, ActionForm] = {
    form.name: form
    for form in (
        ActionForm(
            "decide-to-assess",
            "Record the decision whether to assess",
            "Record decision",
            "Decision whether to assess recorded",
            _decision(
                "Did the council decide to carry out an EHC needs assessment?",
                "Yes, carry out an assessment",
                "No, do not assess",
                "reg 5(3)",
            ),
            frozenset({Stage.REQUEST}),
            "The decision must be made and the family told within 6 weeks of day 0 (reg 5(1)).",
        ),
        ActionForm(
            "request-advice",
            "Request advice",
            "Request advice",
            "Advice requested",
            (
                Field(
                    "advice_kind",
                    "What advice is needed?",
                    "radios",
                    options=tuple((str(k), name) for k, name in ADVICE_NAMES.items()),
                    option_hints={str(k): h for k, h in ADVICE_FROM.items()},
                    noun="the advice needed",
                ),
                Field(
                    "provider_team",
                    "Team asked for the advice",
                    hint="Only this team sees the request in its inbox, for example icb-community-paeds.",
                    width="govuk-input--width-20",
                    noun="the team asked",
                ),
                Field(
                    "requested_on",
                    "Date the advice was requested",
                    "date",
                    hint="The team's 6 weeks start on this date unless you give the date it was received. "
                    + EXAMPLE_DATE,
                    noun="the date the advice was requested",
                ),
                RECEIVED_ON,
                Field(
                    "existing_advice_date",
                    "Date of existing advice used instead (optional)",
                    "date",
                    hint="Only when advice already given is used (reg 6(4)). It has no 6-week clock.",
                    noun="the date of the existing advice",
                ),
            ),
            frozenset({Stage.ADVICE}),
        ),
        ActionForm(
            "submit-advice",
            "Record advice received",
            "Record advice",
            "Advice recorded",
            (ADVICE_ID, *SUBMIT_ADVICE),
            frozenset({Stage.ADVICE}),
        ),
        ActionForm(
            "advice-not-received",
            "Record advice as not received",
            "Record as not received",
            "Advice recorded as not received",
            (ADVICE_ID, _on("Date recorded as not received", "the date")),
            frozenset({Stage.ADVICE}),
            "Only once the advice is overdue. The case can then move on; the advice still counts as late "
            "for the team asked.",
        ),
        ActionForm(
            "record-exception",
            "Record an exception to a time limit",
            "Record exception",
            "Exception recorded",
            CASE_EXCEPTION,
            OPEN_STAGES,
            "An exception does not move a deadline. It takes the case (E-) or the advice (A-) out of the "
            "headline measure, and the family is told.",
        ),
        ActionForm(
            "decide-to-issue",
            "Record the decision whether to issue an EHC plan",
            "Record decision",
            "Decision whether to issue a plan recorded",
            _decision(
                "Did the council decide to issue an EHC plan?",
                "Yes, issue a plan",
                "No, do not issue a plan",
                "reg 10(1)",
            ),
            frozenset({Stage.ADVICE}),
            "A decision not to issue a plan must be made within 16 weeks of day 0 (reg 10(1)).",
        ),
        ActionForm(
            "serve-draft",
            "Record the draft plan as served",
            "Record draft plan",
            "Draft plan recorded as served",
            (_on("Date the draft plan was served", "the date the draft plan was served"),),
            frozenset({Stage.DRAFTING}),
            "The family then has 15 days to comment and to ask for a school to be named (reg 13(1)).",
        ),
        ActionForm(
            "family-response",
            "Record the family's response to the draft plan",
            "Record response",
            "Family's response recorded",
            (_on("Date the response was received", "the date the response was received"),),
            frozenset({Stage.DRAFT_SERVED}),
        ),
        ActionForm(
            "issue-final-plan",
            "Record the final EHC plan as issued",
            "Record final plan",
            "Final EHC plan recorded",
            (_on("Date the final plan was issued", "the date the final plan was issued"),),
            frozenset({Stage.DRAFT_SERVED}),
            "The final plan must be issued within 20 weeks of day 0 (reg 13(2)).",
        ),
        ActionForm(
            "withdraw",
            "Record the request as withdrawn",
            "Record withdrawal",
            "Request recorded as withdrawn",
            (_on("Date the request was withdrawn", "the date the request was withdrawn"),),
            OPEN_STAGES,
            "This closes the case.",
        ),
        ActionForm(
            "transfer-out",
            "Record that the family moved out of the area",
            "Record transfer",
            "Case recorded as transferred out",
            (_on("Date the family moved out of the area", "the date the family moved"),),
            OPEN_STAGES,
            "This closes the case (SEN2 Exported).",
        ),
        ActionForm(
            "advice-request-received",
            "Record when the team received the request for advice",
            "Record date received",
            "Date the request was received recorded",
            (ADVICE_ID, RECEIVED_ON),
            frozenset({Stage.ADVICE}),
            "The team's 6 weeks count from the day it received the request (reg 8(1)).",
        ),
        ActionForm(
            "withdraw-advice-request",
            "Withdraw a request for advice",
            "Withdraw request",
            "Request for advice withdrawn",
            (
                ADVICE_ID,
                _on("Date the request was withdrawn", "the date the request was withdrawn"),
                Field(
                    "reason",
                    "Why is it withdrawn?",
                    "textarea",
                    hint="For example, sent in error.",
                    noun="a reason",
                ),
            ),
            frozenset({Stage.ADVICE}),
            "Only a request not yet answered. It then has no 6-week clock and is not counted in the "
            "advice timeliness figures.",
        ),
        ActionForm(
            "resend-advice-request",
            "Send a request for advice to another team",
            "Send to the other team",
            "Request sent to the other team",
            (
                ADVICE_ID,
                Field(
                    "provider_team",
                    "Team to send it to",
                    hint="The first request is withdrawn; the new team has 6 weeks from the date below.",
                    width="govuk-input--width-20",
                    noun="the team",
                ),
                _on("Date it was sent to the other team", "the date it was sent"),
            ),
            frozenset({Stage.ADVICE}),
        ),
        ActionForm(
            "reassign-team",
            "Move the case to another team",
            "Move case",
            "Case moved to another team",
            (
                Field(
                    "team", "Team", hint="The team of case officers who will hold the case", noun="the team"
                ),
                _on("Date the case moved", "the date the case moved"),
            ),
            OPEN_STAGES,
            "A manager or the head of service moves a case. Its deadlines stay as they are; the new "
            "team's officers take it from now.",
        ),
    )
}
