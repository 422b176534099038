"""A plan in force as a state machine: each action checked, then applied (plan-lifecycle.md R1-R11).

``apply`` is the single path for the plan workflow's update validators (to refuse) and its handlers (to
apply), as ``domain.assessment.apply`` is for a case. A refusal names the rule and the date in words.
The setting's steps that come late (R2-R4) are not refused: they are kept, and warned of
(``plan_deadlines.review_warnings``).
"""

from datetime import date

from domain.commands import Actor, Role
from domain.errors import RuleViolation
from domain.phase_transfer import reception_year_of, transfers_owed
from domain.plan import (
    Amendment,
    AppealOutcome,
    CeaseDecision,
    CeaseReason,
    Plan,
    Review,
    ReviewOutcome,
    TransferIn,
)
from domain.plan_calendar import earliest_amended_plan
from domain.plan_commands import (
    CeasePlan,
    CirculateReviewAdvice,
    DecideReview,
    DecideToCease,
    HoldReviewMeeting,
    IssueAmendedPlan,
    NameSetting,
    PlanCommand,
    ReceiveReviewReport,
    RecordAmendmentResponse,
    RecordCeaseAppeal,
    RecordCeaseAppealOutcome,
    ScheduleReviewMeeting,
    SendAmendmentNotice,
    StartPlan,
    TellFamilyOfTransferIn,
    TransferPlanOut,
)
from domain.plan_deadlines import current_transfer, open_review_due
from domain.words import day_in_words

OFFICER_ROLES = {Role.CASE_OFFICER, Role.MANAGER, Role.ADMIN, Role.SYSTEM}
# the steps of a review the setting takes (reg 20): its own team may record them
SETTING_STEPS = (ScheduleReviewMeeting, CirculateReviewAdvice, HoldReviewMeeting, ReceiveReviewReport)
# a decision to cease tells the family of their right of appeal, unless there is no one to tell
NO_APPEAL_NOTICE = {CeaseReason.DECEASED}


def start_plan(cmd: StartPlan, today: date) -> Plan:
    """A plan in force from ``cmd.start_on`` (which may be years ago: an imported plan), never ahead."""
    if cmd.start_on > today:
        raise RuleViolation(
            "start_on",
            f"the plan's start ({day_in_words(cmd.start_on)}) cannot be in the future "
            f"(today is {day_in_words(today)})",
        )
    transfer_in = None
    if cmd.transferred_on is not None:
        _not_after_today("transferred_on", cmd.transferred_on, today)
        _not_before("transferred_on", cmd.transferred_on, cmd.start_on, "the plan's start")
        old = cmd.old_last_review_on or cmd.start_on
        _not_before("old_last_review_on", old, cmd.start_on, "the plan's start")
        if old > cmd.transferred_on:
            raise RuleViolation(
                "old_last_review_on",
                f"the old council's last review ({day_in_words(old)}) cannot be after the transfer "
                f"({day_in_words(cmd.transferred_on)})",
            )
        transfer_in = TransferIn(transferred_on=cmd.transferred_on, old_last_review_on=old)
    elif cmd.old_last_review_on is not None:
        raise RuleViolation(
            "old_last_review_on", "the old council's last review is kept only for a transfer in"
        )
    last_review = None
    if cmd.last_review_on is not None:
        if transfer_in is not None:
            raise RuleViolation("last_review_on", "a plan transferred in gives the old council's last review")
        _not_after_today("last_review_on", cmd.last_review_on, today)
        _not_before("last_review_on", cmd.last_review_on, cmd.start_on, "the plan's start")
        last_review = Review(held_on=cmd.last_review_on, decided_on=cmd.last_review_on)
    # the year group is the one on the plan when this council took it on
    reception_year = reception_year_of(cmd.year_group, cmd.transferred_on or cmd.start_on)
    extra = sorted(set(cmd.extra_transfer_years))
    # a plan taken on here owes the transfers from then on; one transferred in, those from its transfer
    owed_from = cmd.transferred_on or cmd.start_on
    return Plan(
        ref=cmd.ref,
        team=cmd.team,
        setting_team=cmd.setting_team,
        start_on=cmd.start_on,
        reception_year=reception_year,
        extra_transfer_years=extra,
        transfer_in=transfer_in,
        last_review=last_review,
        transfers=transfers_owed(reception_year, owed_from, tuple(extra)),
    )


def apply(plan: Plan, cmd: PlanCommand, today: date) -> Plan:
    """Return the plan after ``cmd``, or raise ``RuleViolation`` with the rule and the date."""
    _authorise(plan, cmd)
    if not plan.in_force:
        assert plan.ended_on is not None
        raise RuleViolation(
            "plan", f"plan {plan.ref} ended on {day_in_words(plan.ended_on)}; no further action can be taken"
        )
    _not_after_today("on", cmd.on, today)
    _not_before("on", cmd.on, plan.start_on, "the plan's start")
    new = plan.changeable_copy()
    match cmd:
        case ScheduleReviewMeeting():
            _schedule(new, cmd)
        case CirculateReviewAdvice():
            _circulate(new, cmd)
        case HoldReviewMeeting():
            _hold(new, cmd)
        case ReceiveReviewReport():
            _report(new, cmd)
        case DecideReview():
            _decide(new, cmd)
        case SendAmendmentNotice():
            _amendment_notice(new, cmd)
        case RecordAmendmentResponse():
            _amendment_response(new, cmd)
        case NameSetting():
            _name_setting(new, cmd)
        case IssueAmendedPlan():
            _issue_amended_plan(new, cmd)
        case DecideToCease():
            _decide_to_cease(new, cmd.on, cmd.reason, cmd.appeal_information_given)
        case RecordCeaseAppeal():
            _appeal(new, cmd)
        case RecordCeaseAppealOutcome():
            _appeal_outcome(new, cmd)
        case CeasePlan():
            _cease(new, cmd)
        case TellFamilyOfTransferIn():
            _tell_family_of_transfer_in(new, cmd)
        case TransferPlanOut():
            _end(new, cmd.on, CeaseReason.TRANSFERRED_TO_ANOTHER_LA)
    return new


def _authorise(plan: Plan, cmd: PlanCommand) -> None:
    by: Actor = cmd.by
    if by.role in OFFICER_ROLES:
        return
    setting = by.team is not None and by.team == plan.setting_team
    if by.role is Role.PROVIDER and isinstance(cmd, SETTING_STEPS) and setting:
        return
    who = str(by.role).replace("_", " ")
    raise RuleViolation("by", f"{by.user} ({who}) may not {cmd.kind.replace('_', ' ')} on this plan")


def _not_after_today(field: str, on: date, today: date) -> None:
    if on > today:
        raise RuleViolation(field, f"{day_in_words(on)} is in the future (today is {day_in_words(today)})")


def _not_before(field: str, on: date, earlier: date, what: str) -> None:
    if on < earlier:
        raise RuleViolation(field, f"{day_in_words(on)} is before {what} ({day_in_words(earlier)})")


def _no_cease_pending(plan: Plan, action: str) -> None:
    if plan.cease is not None:
        raise RuleViolation(
            "plan",
            f"cannot {action}: the decision to cease of {day_in_words(plan.cease.decided_on)} stands "
            "(R11: the plan is kept until it ceases or an appeal keeps it)",
        )


# -- the review (R1-R5) ---------------------------------------------------


def _schedule(plan: Plan, cmd: ScheduleReviewMeeting) -> None:
    """R2: the meeting may be rearranged until it is held; short notice is warned of, not refused."""
    _no_cease_pending(plan, "arrange a review meeting")
    review = plan.review
    if review.held_on is not None:
        raise RuleViolation(
            "meeting_on", f"the review meeting was already held on {day_in_words(review.held_on)}"
        )
    _not_before("meeting_on", cmd.meeting_on, cmd.on, "the invitations were sent")
    if plan.last_review is not None and plan.last_review.held_on is not None:
        _not_before("meeting_on", cmd.meeting_on, plan.last_review.held_on, "the last review meeting")
    review.invited_on = cmd.on
    review.meeting_on = cmd.meeting_on


def _circulate(plan: Plan, cmd: CirculateReviewAdvice) -> None:
    review = _arranged(plan, "circulate the advice")
    if review.held_on is not None:
        raise RuleViolation("on", f"the review meeting was already held on {day_in_words(review.held_on)}")
    review.advice_circulated_on = cmd.on


def _arranged(plan: Plan, action: str) -> Review:
    _no_cease_pending(plan, action)
    review = plan.review
    if review.meeting_on is None or review.invited_on is None:
        raise RuleViolation("on", f"cannot {action}: no review meeting has been arranged (R2)")
    return review


def _hold(plan: Plan, cmd: HoldReviewMeeting) -> None:
    review = _arranged(plan, "record the review meeting")
    assert review.invited_on is not None
    if review.held_on is not None:
        raise RuleViolation("on", f"the review meeting was already held on {day_in_words(review.held_on)}")
    _not_before("on", cmd.on, review.invited_on, "the invitations were sent")
    review.held_on = cmd.on


def _held(plan: Plan, action: str) -> Review:
    review = plan.review
    if review.held_on is None:
        raise RuleViolation("on", f"cannot {action}: the review meeting has not been held")
    return review


def _report(plan: Plan, cmd: ReceiveReviewReport) -> None:
    review = _held(plan, "record the report of the review meeting")
    assert review.held_on is not None
    if review.report_on is not None:
        raise RuleViolation("on", f"the report was already received on {day_in_words(review.report_on)}")
    _not_before("on", cmd.on, review.held_on, "the review meeting")
    review.report_on = cmd.on


def _decide(plan: Plan, cmd: DecideReview) -> None:
    """R5: the decision completes the review on the day it is notified (ENGINE RULE); the meeting
    starts the next 12 months (R1). A decision to amend opens the amendment; to cease, R11."""
    _no_cease_pending(plan, "decide on the review")
    review = _held(plan, "decide on the review")
    assert review.held_on is not None
    _not_before("on", cmd.on, review.held_on, "the review meeting")
    if cmd.outcome is ReviewOutcome.AMEND and plan.amendment is not None:
        raise RuleViolation("outcome", "an amendment of the plan is already under way: issue it first")
    if cmd.outcome is ReviewOutcome.CEASE:
        if cmd.cease_reason is None:
            raise RuleViolation("cease_reason", "a decision to cease gives its reason (SEN2 CeaseReason)")
        _decide_to_cease(plan, cmd.on, cmd.cease_reason, cmd.appeal_information_given)
    elif cmd.cease_reason is not None:
        raise RuleViolation("cease_reason", "a reason to cease is given only with a decision to cease")
    _, review.due = open_review_due(plan)
    review.outcome = cmd.outcome
    review.decided_on = cmd.on
    if cmd.outcome is ReviewOutcome.AMEND:
        plan.amendment = Amendment(decided_on=cmd.on)
    plan.last_review = review
    plan.review = Review()
    plan.reviews_completed += 1


# -- amendments (R6, R7) and phase transfers (R8) -------------------------


def _amendment_notice(plan: Plan, cmd: SendAmendmentNotice) -> None:
    """Reg 22: proposed amendments, at a review's decision to amend or at any other time."""
    _no_cease_pending(plan, "propose amendments")
    amendment = plan.amendment or Amendment()
    if amendment.notice_on is not None:
        raise RuleViolation(
            "on", f"the amendment notice was already sent on {day_in_words(amendment.notice_on)}"
        )
    if amendment.decided_on is not None:
        _not_before("on", cmd.on, amendment.decided_on, "the decision to amend")
    amendment.notice_on = cmd.on
    plan.amendment = amendment


def _noticed(plan: Plan, action: str) -> Amendment:
    amendment = plan.amendment
    if amendment is None or amendment.notice_on is None:
        raise RuleViolation("on", f"cannot {action}: no amendment notice has been sent (reg 22)")
    return amendment


def _amendment_response(plan: Plan, cmd: RecordAmendmentResponse) -> None:
    amendment = _noticed(plan, "record the family's response")
    assert amendment.notice_on is not None
    if amendment.family_response_on is not None:
        recorded = day_in_words(amendment.family_response_on)
        raise RuleViolation("on", f"the family's response was already recorded on {recorded}")
    _not_before("on", cmd.on, amendment.notice_on, "the amendment notice")
    amendment.family_response_on = cmd.on


def _name_setting(plan: Plan, cmd: NameSetting) -> None:
    """R8: the new setting is named in the amendment that finalises the phase transfer."""
    amendment = _noticed(plan, "name the setting")
    assert amendment.notice_on is not None
    _not_before("on", cmd.on, amendment.notice_on, "the amendment notice")
    if current_transfer(plan, cmd.on) is None:
        raise RuleViolation("setting", "no phase transfer is due on this plan (R8)")
    amendment.setting = cmd.setting
    amendment.setting_team = cmd.setting_team


def _issue_amended_plan(plan: Plan, cmd: IssueAmendedPlan) -> None:
    """R6 ENGINE RULE: not before notice + 15 days unless the family's response is recorded. The
    amended plan that names a setting finalises the phase transfer due (R8), and that setting's team,
    if named, convenes the reviews from then on."""
    amendment = _noticed(plan, "issue the amended plan")
    assert amendment.notice_on is not None
    earliest = earliest_amended_plan(amendment.notice_on)
    if amendment.family_response_on is None and cmd.on < earliest:
        raise RuleViolation(
            "on",
            f"the amended plan cannot be issued before {day_in_words(earliest)}: the family's 15 days to "
            f"comment on the amendment notice of {day_in_words(amendment.notice_on)} are open (R6, reg 22) "
            "and no response has been recorded",
        )
    if amendment.family_response_on is not None:
        _not_before("on", cmd.on, amendment.family_response_on, "the family's response")
    amendment.issued_on = cmd.on
    transfer = current_transfer(plan, cmd.on)
    if transfer is not None and amendment.setting is not None:
        transfer.finalised_on = cmd.on
        transfer.setting = amendment.setting
        # ENGINE RULE: the setting named convenes the plan's reviews from the amended plan on (the next
        # review falls after the move); the URN alone names no team, so the old one stays
        if amendment.setting_team is not None:
            plan.setting_team = amendment.setting_team
    plan.last_amendment = amendment
    plan.amendment = None


# -- ceasing (R11), transfers in (R9, R10) and out ------------------------


def _decide_to_cease(plan: Plan, on: date, reason: CeaseReason, appeal_information_given: bool) -> None:
    _no_cease_pending(plan, "decide to cease")
    if reason is CeaseReason.TRANSFERRED_TO_ANOTHER_LA:
        raise RuleViolation("reason", "a plan going to another council is transferred out, not ceased")
    if reason not in NO_APPEAL_NOTICE and not appeal_information_given:
        raise RuleViolation(
            "appeal_information_given",
            "a decision to cease must tell the family of their right of appeal and of mediation "
            "(R11, reg 31); confirm the notice included it",
        )
    plan.cease = CeaseDecision(decided_on=on, reason=reason)


def _ceasing(plan: Plan, action: str) -> CeaseDecision:
    if plan.cease is None:
        raise RuleViolation("on", f"cannot {action}: no decision to cease has been made (R11)")
    return plan.cease


def _appeal(plan: Plan, cmd: RecordCeaseAppeal) -> None:
    cease = _ceasing(plan, "record an appeal")
    if cease.appeal_lodged_on is not None:
        raise RuleViolation("on", f"an appeal was already recorded on {day_in_words(cease.appeal_lodged_on)}")
    _not_before("on", cmd.on, cease.decided_on, "the decision to cease")
    cease.appeal_lodged_on = cmd.on


def _appeal_outcome(plan: Plan, cmd: RecordCeaseAppealOutcome) -> None:
    cease = _ceasing(plan, "record the appeal's outcome")
    if not cease.appeal_pending:
        raise RuleViolation("outcome", "no appeal against the decision to cease is pending")
    assert cease.appeal_lodged_on is not None
    _not_before("on", cmd.on, cease.appeal_lodged_on, "the appeal was lodged")
    cease.appeal_outcome = cmd.outcome
    cease.appeal_decided_on = cmd.on
    if cmd.outcome is AppealOutcome.PLAN_KEPT:
        plan.cease = None  # the plan goes on, its next review 12 months from its last meeting


def _cease(plan: Plan, cmd: CeasePlan) -> None:
    """R11: the plan is kept while an appeal against the decision to cease is pending."""
    cease = _ceasing(plan, "cease the plan")
    if cease.appeal_pending:
        assert cease.appeal_lodged_on is not None
        raise RuleViolation(
            "on",
            f"the plan cannot cease while the appeal lodged on {day_in_words(cease.appeal_lodged_on)} is "
            "pending (R11, CFA s.45): record its outcome first",
        )
    _end(plan, cmd.on, cease.reason)


def _end(plan: Plan, on: date, reason: CeaseReason) -> None:
    _not_before("on", on, plan.latest_event_date(), "the last recorded step of the plan")
    plan.ended_on = on
    plan.end_reason = reason


def _tell_family_of_transfer_in(plan: Plan, cmd: TellFamilyOfTransferIn) -> None:
    """R9: within 6 weeks of the transfer (a later notice is kept and counts late)."""
    t = plan.transfer_in
    if t is None:
        raise RuleViolation("on", "this plan was not transferred in from another council (R9)")
    if t.family_told_on is not None:
        raise RuleViolation("on", f"the family was already told on {day_in_words(t.family_told_on)}")
    _not_before("on", cmd.on, t.transferred_on, "the transfer")
    t.family_told_on = cmd.on
    t.reassess = cmd.reassess
