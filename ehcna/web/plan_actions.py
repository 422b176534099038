"""The steps people take on a plan in force, by the name in their URL; who may take them; sending them
through the plan gateway; and which of them the plan allows now (what its page offers).

The workflow's validated update is the judge of every step: what the page offers is a convenience, and
a refusal comes back as 409 with the rule and the date.
"""

from collections.abc import Callable
from datetime import date
from typing import Any

from fastapi import Depends, HTTPException, Request, status
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from domain.access import CaseAccess, plan_refusal
from domain.annual_review import SETTING_STEPS
from domain.commands import REF_PATTERN, Actor
from domain.deadlines import DeadlineStatus
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
    TellFamilyOfTransferIn,
    TransferPlanOut,
)
from domain.plan_deadlines import PlanDeadline, completed_review_deadlines, current_transfer
from domain.plan_views import PlanView
from domain.words import day_in_words
from ehcna.gateway.errors import CaseBusy, CaseClosed, CaseNotFound, GatewayError, Retryable
from ehcna.gateway.plans import PlanGateway
from ehcna.store.plans import PlanRow
from ehcna.web.errors import RETRY_AFTER_SECONDS, http_error
from ehcna.web.security import forbid, services
from ehcna.web.services import Services
from ehcna.web.teams import check_setting_team

# step name in the URL -> the command it sends
PLAN_STEPS: dict[str, type[BaseModel]] = {
    "schedule-review-meeting": ScheduleReviewMeeting,
    "circulate-review-advice": CirculateReviewAdvice,
    "hold-review-meeting": HoldReviewMeeting,
    "receive-review-report": ReceiveReviewReport,
    "decide-review": DecideReview,
    "send-amendment-notice": SendAmendmentNotice,
    "record-amendment-response": RecordAmendmentResponse,
    "name-setting": NameSetting,
    "issue-amended-plan": IssueAmendedPlan,
    "decide-to-cease": DecideToCease,
    "record-cease-appeal": RecordCeaseAppeal,
    "record-cease-appeal-outcome": RecordCeaseAppealOutcome,
    "cease": CeasePlan,
    "tell-family-of-transfer-in": TellFamilyOfTransferIn,
    "transfer-out": TransferPlanOut,
}
SETTING_STEP_NAMES = frozenset(name for name, cmd in PLAN_STEPS.items() if cmd in SETTING_STEPS)

# a deadline's status in words, for the review timeline
STATUS_WORDS: dict[DeadlineStatus, str] = {
    DeadlineStatus.DUE: "Due",
    DeadlineStatus.AT_RISK: "Due within 2 weeks",
    DeadlineStatus.BREACHED: "Late",
    DeadlineStatus.MISSED: "Missed: a warning",
    DeadlineStatus.MET: "Done in time",
    DeadlineStatus.MET_LATE: "Done late",
    DeadlineStatus.NOT_APPLICABLE: "Not applicable",
}


class TimelineStep(BaseModel):
    """One time limit of the plan as a person reads it; the code stays for programs."""

    duty: str
    title: str
    due: date
    due_in_words: str
    status: DeadlineStatus
    status_in_words: str
    done_on: date | None
    done_in_words: str | None


def timeline(view: PlanView) -> list[TimelineStep]:
    """The plan's time limits now open or to come."""
    return [_step(d) for d in view.deadlines]


def past_timeline(view: PlanView) -> list[TimelineStep]:
    """The time limits of the latest completed review and amended plan, as they were met."""
    return [_step(d) for d in completed_review_deadlines(view.plan, view.as_of)]


def _step(d: PlanDeadline) -> TimelineStep:
    return TimelineStep(
        duty=str(d.duty),
        title=d.title,
        due=d.due,
        due_in_words=day_in_words(d.due),
        status=d.status,
        status_in_words=STATUS_WORDS[d.status],
        done_on=d.done_on,
        done_in_words=day_in_words(d.done_on) if d.done_on else None,
    )


def warnings_in_words(view: PlanView) -> list[str]:
    """The setting's steps taken late or missed (R2-R4): warned of, never refused."""
    out = []
    for d in view.warnings:
        when = f"done on {day_in_words(d.done_on)}" if d.done_on else "not done"
        out.append(f"{d.title}: due by {day_in_words(d.due)}, {when}")
    return out


def steps_possible(view: PlanView) -> list[str]:
    """The steps the plan allows now, in the order they usually come (the rules still decide)."""
    plan = view.plan
    if not plan.in_force:
        return []
    out: list[str] = []
    if plan.transfer_in is not None and plan.transfer_in.family_told_on is None:
        out.append("tell-family-of-transfer-in")
    if plan.cease is not None:
        cease = plan.cease
        if cease.appeal_lodged_on is None:
            out.append("record-cease-appeal")
        if cease.appeal_pending:
            out.append("record-cease-appeal-outcome")
        else:
            out.append("cease")
        return [*out, "transfer-out"]
    review = plan.review
    if review.held_on is None:
        out.append("schedule-review-meeting")
        if review.meeting_on is not None:
            if review.advice_circulated_on is None:
                out.append("circulate-review-advice")
            out.append("hold-review-meeting")
    else:
        if review.report_on is None:
            out.append("receive-review-report")
        out.append("decide-review")
    amendment = plan.amendment
    if amendment is None or amendment.notice_on is None:
        out.append("send-amendment-notice")
    else:
        if amendment.family_response_on is None:
            out.append("record-amendment-response")
        if current_transfer(plan, view.as_of) is not None:
            out.append("name-setting")
        out.append("issue-amended-plan")
    return [*out, "decide-to-cease", "transfer-out"]


def steps_for(actor: Actor, view: PlanView, svc: Services) -> list[str]:
    """The steps possible now that ``actor`` may take."""
    return [
        s
        for s in steps_possible(view)
        if plan_refusal(
            actor,
            CaseAccess.ACT,
            view.plan.team,
            view.plan.setting_team,
            s in SETTING_STEP_NAMES,
            svc.managed_teams(actor),
        )
        is None
    ]


def plan_recorded(svc: Services, ref: str) -> bool:
    """Whether the store holds plan ``ref`` (a case that issued its plan shares its reference)."""
    with svc.sessions() as session:
        return session.get(PlanRow, ref) is not None


def plan_ref(ref: str) -> str:
    """A reference that could exist (it becomes part of a workflow id); anything else is not found."""
    if not REF_PATTERN.match(ref):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no plan {ref}")
    return ref


def plan_gateway(svc: Services) -> PlanGateway:
    if svc.plans is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, {"field": "plan", "reason": "plans are not served here"}
        )
    return svc.plans


def plan_error(ref: str, err: GatewayError) -> HTTPException:
    """The gateway's error in a plan's words (it names a case otherwise)."""
    if isinstance(err, CaseNotFound):
        return HTTPException(status.HTTP_404_NOT_FOUND, f"no plan {ref}")
    if isinstance(err, CaseClosed):
        return HTTPException(
            status.HTTP_409_CONFLICT,
            {"field": "plan", "reason": f"plan {ref} has ended; no further step can be taken"},
        )
    if isinstance(err, CaseBusy):
        reason = f"plan {ref} is busy with other steps; nothing was applied: try again in a moment"
    elif isinstance(err, Retryable):  # not answered in time, or Temporal out of reach
        reason = (
            f"plan {ref} did not answer in time and a step sent may still be applied: look at the plan "
            "before trying again (a program retries with the same Idempotency-Key to get its result)"
        )
    else:
        return http_error(err)
    return HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        {"field": "plan", "reason": reason},
        headers={"Retry-After": RETRY_AFTER_SECONDS},
    )


async def read_plan(svc: Services, ref: str) -> PlanView:
    try:
        return await plan_gateway(svc).read(plan_ref(ref))
    except GatewayError as err:
        raise plan_error(ref, err) from None


async def send_step(
    svc: Services, ref: str, command: PlanCommand, idempotency_key: str | None = None
) -> PlanView:
    """Apply ``command`` to plan ``ref``; a refusal becomes 409 with the rule's field and reason (a team
    not in the directory 422, audited, before anything is sent)."""
    if isinstance(command, NameSetting) and command.setting_team is not None:
        await run_in_threadpool(check_setting_team, svc, "setting_team", command.setting_team, command.by)
    try:
        return await plan_gateway(svc).act(plan_ref(ref), command, idempotency_key)
    except GatewayError as err:
        raise plan_error(ref, err) from None


def authorise_plan(
    svc: Services, request: Request, actor: Actor, view: PlanView, access: CaseAccess, step: str | None = None
) -> None:
    """Let ``actor`` read the plan or take ``step`` on it, or 403 audited."""
    reason = plan_refusal(
        actor,
        access,
        view.plan.team,
        view.plan.setting_team,
        step in SETTING_STEP_NAMES,
        svc.managed_teams(actor),
    )
    if reason is not None:
        forbid(svc, request, actor, reason, case_ref=view.plan.ref)


def plan_access(access: CaseAccess, who: Callable[..., Actor], step: str | None = None) -> Callable[..., Any]:
    """A dependency for routes with a plan ``{ref}`` taking ``step`` (else the ``{step}`` of the path, if
    any): the plan as it stands, once ``who`` is let through by the plan's team, or by its setting for
    the setting's own steps."""

    async def check(
        ref: str, request: Request, actor: Actor = Depends(who), svc: Services = Depends(services)
    ) -> PlanView:
        view = await read_plan(svc, ref)
        named = step or request.path_params.get("step")
        await run_in_threadpool(authorise_plan, svc, request, actor, view, access, named)
        return view

    return check
