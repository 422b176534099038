"""The questions each step of a plan in force asks, named after the fields of the command it builds
(domain.plan_commands); the plan workflow's validated update still decides."""

from dataclasses import dataclass

from domain.plan import AppealOutcome, CeaseReason, ReviewOutcome
from ehcna.web.pages.action_forms import EXAMPLE_DATE
from ehcna.web.pages.forms import Field

# SEN2 CeaseReason in words (plan-lifecycle.md, "Outcomes of a review"); a transfer to another council
# is its own step (transfer out), never a reason to cease
CEASE_REASONS: dict[CeaseReason, str] = {
    CeaseReason.MAXIMUM_AGE: "Reached the maximum age",
    CeaseReason.NEEDS_MET_WITHOUT_PLAN: "Needs met without a plan",
    CeaseReason.HIGHER_EDUCATION: "Moved on to higher education",
    CeaseReason.PAID_EMPLOYMENT: "Moved on to paid employment",
    CeaseReason.NO_LONGER_ENGAGES: "The young person no longer wishes to engage in education or training",
    CeaseReason.MOVED_OUTSIDE_ENGLAND: "Moved outside England",
    CeaseReason.DECEASED: "Died",
    CeaseReason.OTHER: "Other",
}
OUTCOMES: dict[ReviewOutcome, str] = {
    ReviewOutcome.MAINTAIN: "Keep the plan as it is",
    ReviewOutcome.AMEND: "Amend the plan",
    ReviewOutcome.CEASE: "Cease the plan",
}
APPEAL_OUTCOMES: dict[AppealOutcome, str] = {
    AppealOutcome.DISMISSED: "Dismissed: the decision to cease stands",
    AppealOutcome.WITHDRAWN: "Withdrawn by the family: the decision to cease stands",
    AppealOutcome.PLAN_KEPT: "The tribunal ordered the plan to be kept",
}


def _on(label: str, noun: str, hint: str = EXAMPLE_DATE) -> Field:
    return Field("on", label, "date", hint=hint, noun=noun)


APPEAL_TOLD = Field(
    "appeal_information_given",
    "The notice told the family of their right of appeal and of mediation",
    "checkbox",
    hint="Required for a decision to cease (reg 31), unless the young person has died.",
)


def _reasons(label: str, name: str) -> Field:
    return Field(
        name, label, "radios", options=tuple((str(r), w) for r, w in CEASE_REASONS.items()), noun="a reason"
    )


@dataclass(frozen=True)
class PlanForm:
    name: str  # the step of ehcna.web.plan_actions.PLAN_STEPS
    title: str  # the page heading, and the link on the plan page
    button: str
    done: str  # said on the plan page afterwards
    fields: tuple[Field, ...]
    intro: str | None = None


PLAN_FORMS: dict[str, PlanForm] = {
    f.name: f
    for f in (
        PlanForm(
            "schedule-review-meeting",
            "Arrange the review meeting",
            "Record meeting arranged",
            "Review meeting arranged",
            (
                Field("meeting_on", "Date of the review meeting", "date", hint=EXAMPLE_DATE, noun="the date"),
                _on("Date the invitations were sent", "the date the invitations were sent"),
            ),
            "Invitations and advice must go out at least 2 weeks before the meeting (reg 20). Shorter notice "
            "is recorded, and shown as a warning.",
        ),
        PlanForm(
            "circulate-review-advice",
            "Record the advice as circulated",
            "Record advice circulated",
            "Advice recorded as circulated",
            (_on("Date the advice and information were sent", "the date the advice was sent"),),
            "Everyone invited must have the advice at least 2 weeks before the meeting (reg 20).",
        ),
        PlanForm(
            "hold-review-meeting",
            "Record the review meeting as held",
            "Record meeting",
            "Review meeting recorded",
            (_on("Date the review meeting was held", "the date the meeting was held"),),
            "The next review is due within 12 months of this meeting. The council's decision is due within "
            "4 weeks of it.",
        ),
        PlanForm(
            "receive-review-report",
            "Record the report of the review meeting",
            "Record report",
            "Report of the review meeting recorded",
            (_on("Date the report was sent to the council", "the date the report was sent"),),
            "The report is due within 2 weeks of the meeting (reg 20).",
        ),
        PlanForm(
            "decide-review",
            "Record the council's decision on the review",
            "Record decision",
            "Review decision recorded",
            (
                Field(
                    "outcome",
                    "What did the council decide?",
                    "radios",
                    options=tuple((str(o), w) for o, w in OUTCOMES.items()),
                    noun="a decision",
                ),
                _on("Date the family was told of the decision", "the date the family was told"),
                _reasons("Reason to cease (only when ceasing)", "cease_reason"),
                APPEAL_TOLD,
            ),
            "The decision is due within 4 weeks of the meeting (reg 20). It completes the review.",
        ),
        PlanForm(
            "send-amendment-notice",
            "Record the proposed amendments as sent",
            "Record amendment notice",
            "Amendment notice recorded",
            (_on("Date the amendment notice was sent to the family", "the date the notice was sent"),),
            "The family then has at least 15 days to comment and ask for a school to be named. The amended "
            "plan is due within 8 weeks of the notice (reg 22).",
        ),
        PlanForm(
            "record-amendment-response",
            "Record the family's response to the proposed amendments",
            "Record response",
            "Family's response recorded",
            (_on("Date the response was received", "the date the response was received"),),
        ),
        PlanForm(
            "name-setting",
            "Name the new setting for the phase transfer",
            "Record setting",
            "New setting recorded",
            (
                Field(
                    "setting",
                    "URN or UKPRN of the new setting",
                    hint="6 digits for a school (URN) or 8 digits for a college or provider (UKPRN).",
                    width="govuk-input--width-10",
                    noun="the URN or UKPRN",
                ),
                Field(
                    "setting_team",
                    "The new setting's team, if it uses this service",
                    "select",
                    hint="Once the amended plan is issued, that team sees the plan and convenes its reviews; "
                    "otherwise the current setting goes on doing so.",
                    noun="the setting's team",
                ),
                _on("Date the setting was named", "the date the setting was named"),
            ),
            "The amended plan naming it must be issued by 15 February (31 March for post-16) before the "
            "September of the transfer (reg 18).",
        ),
        PlanForm(
            "issue-amended-plan",
            "Record the amended plan as issued",
            "Record amended plan",
            "Amended plan recorded",
            (_on("Date the amended plan was issued", "the date the amended plan was issued"),),
            "Not before the family's 15 days are over, unless their response is recorded (reg 22).",
        ),
        PlanForm(
            "decide-to-cease",
            "Record a decision to cease the plan",
            "Record decision to cease",
            "Decision to cease recorded",
            (
                _reasons("Why is the plan to cease?", "reason"),
                _on("Date the family was told of the decision", "the date the family was told"),
                APPEAL_TOLD,
            ),
            "The plan is kept while an appeal against the decision is pending (CFA s.45).",
        ),
        PlanForm(
            "record-cease-appeal",
            "Record an appeal against the decision to cease",
            "Record appeal",
            "Appeal recorded",
            (_on("Date the appeal was lodged", "the date the appeal was lodged"),),
        ),
        PlanForm(
            "record-cease-appeal-outcome",
            "Record the outcome of the appeal",
            "Record outcome",
            "Outcome of the appeal recorded",
            (
                Field(
                    "outcome",
                    "How did the appeal end?",
                    "radios",
                    options=tuple((str(o), w) for o, w in APPEAL_OUTCOMES.items()),
                    noun="the outcome",
                ),
                _on("Date of the outcome", "the date of the outcome"),
            ),
        ),
        PlanForm(
            "cease",
            "Record the plan as ceased",
            "Record plan ceased",
            "Plan recorded as ceased",
            (_on("Date the plan ceased", "the date the plan ceased"),),
            "This ends the plan. It cannot cease while an appeal is pending.",
        ),
        PlanForm(
            "tell-family-of-transfer-in",
            "Record that the family was told whether the plan will be reassessed",
            "Record",
            "Family's notice recorded",
            (
                Field(
                    "reassess",
                    "Will the council reassess the plan?",
                    "radios",
                    options=(("true", "Yes, reassess"), ("false", "No, review it")),
                    noun="an answer",
                ),
                _on("Date the family was told", "the date the family was told"),
            ),
            "Within 6 weeks of the transfer (reg 15).",
        ),
        PlanForm(
            "transfer-out",
            "Record that the plan went to another council",
            "Record transfer",
            "Plan recorded as transferred out",
            (_on("Date the child moved to the other council", "the date the child moved"),),
            "This ends the plan here (SEN2: transferred to another local authority).",
        ),
    )
}
