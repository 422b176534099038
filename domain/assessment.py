"""The assessment as a state machine: each action checked, then applied.

``apply`` is the single path for both the workflow's update validators (run
on a copy, to refuse) and its handlers (run for real), so a refusal and an
application can never disagree.
"""

from datetime import date

from domain.case import (
    ALWAYS_SOUGHT,
    PFA_FROM_YEAR,
    AdviceKind,
    AdviceRequest,
    AdviceStatus,
    Case,
    Decision,
    Outcome,
    RequestSource,
    Stage,
)
from domain.commands import (
    Actor,
    CaseCommand,
    DecideToAssess,
    DecideToIssue,
    IssueFinalPlan,
    ReassignTeam,
    RecordAdviceNotReceived,
    RecordAdviceRequestReceived,
    RecordException,
    RecordFamilyResponse,
    RequestAdvice,
    ResendAdviceRequest,
    Role,
    ServeDraft,
    StartAssessment,
    SubmitAdvice,
    TransferOut,
    Withdraw,
    WithdrawAdviceRequest,
)
from domain.errors import RuleViolation
from domain.statutory_calendar import REGULATIONS_IN_FORCE, advice_due, earliest_final_plan
from domain.statutory_exceptions import (
    RecordedException,
    validate_advice_exception,
    validate_case_exception,
)
from domain.words import (
    ADVICE_STATUS_IN_WORDS,
    OUTCOME_IN_WORDS,
    STAGE_IN_WORDS,
    advice_in_words,
    day_in_words,
    exception_in_words,
    lower_first,
)

OFFICER_ROLES = {Role.CASE_OFFICER, Role.MANAGER, Role.ADMIN, Role.SYSTEM}


def _advice(advice_id: str) -> str:
    """A request for advice inside a refusal: "social care advice (request 2)", not ``SOCIAL_CARE-2``."""
    return lower_first(advice_in_words(advice_id))


def _on(day: date | None) -> str:
    return f" on {day_in_words(day)}" if day else ""


def _outcome(case: Case) -> str:
    return OUTCOME_IN_WORDS.get(case.outcome, str(case.outcome)) if case.outcome else "closed"


def under_the_regulations(day0: date) -> None:
    """A request received before the SEND Regulations 2014 came into force has no statutory clock here.

    Checked where a case is started (not in ``start_case``, which replays old histories); a migration
    of earlier history says so and is let through.
    """
    if day0 < REGULATIONS_IN_FORCE:
        raise RuleViolation(
            "day0",
            f"day 0 ({day_in_words(day0)}) is before the SEND Regulations 2014 came into force "
            "on 1 September 2014",
        )


def start_case(cmd: StartAssessment, today: date) -> Case:
    """Day 0 of a new case. Day 0 may be in the past (a migrated case), not the future."""
    if cmd.day0 > today:
        raise RuleViolation(
            "day0",
            f"day 0 ({day_in_words(cmd.day0)}) cannot be in the future (today is {day_in_words(today)})",
        )
    if cmd.original_request_on is not None:
        if not cmd.transferred_in:
            raise RuleViolation(
                "original_request_on",
                "the first council's request date is kept only for a case transferred in",
            )
        if cmd.original_request_on > cmd.day0:
            raise RuleViolation(
                "original_request_on",
                f"the first request ({day_in_words(cmd.original_request_on)}) cannot be after day 0 here "
                f"({day_in_words(cmd.day0)})",
            )
    return Case(
        ref=cmd.ref,
        day0=cmd.day0,
        request_source=cmd.request_source,
        team=cmd.team,
        year_group=cmd.year_group,
        transferred_in=cmd.transferred_in,
        original_request_on=cmd.original_request_on,
    )


def source_known(cmd: StartAssessment) -> None:
    """A request the engine receives says who made it; ``UNKNOWN`` is for imported history only."""
    if cmd.request_source is RequestSource.UNKNOWN:
        raise RuleViolation(
            "request_source", "say who made the request (UNKNOWN is only for imported history)"
        )


def apply(case: Case, cmd: CaseCommand, today: date) -> Case:
    """Return the case after ``cmd``, or raise ``RuleViolation`` with the reason."""
    _authorise(case, cmd)
    if case.is_closed:
        raise RuleViolation(
            "case", f"case {case.ref} is closed ({_outcome(case)}); no further action can be taken"
        )
    _check_date(cmd, today, case)
    new = case.changeable_copy()
    match cmd:
        case DecideToAssess():
            _decide_to_assess(new, cmd)
        case RequestAdvice():
            _request_advice(new, cmd, today)
        case RecordAdviceRequestReceived():
            _advice_request_received(new, cmd, today)
        case WithdrawAdviceRequest():
            _withdraw_advice_request(new, cmd)
        case ResendAdviceRequest():
            _resend_advice_request(new, cmd)
        case SubmitAdvice():
            _submit_advice(new, cmd)
        case RecordAdviceNotReceived():
            _advice_not_received(new, cmd)
        case RecordException():
            _record_exception(new, cmd, today)
        case DecideToIssue():
            _decide_to_issue(new, cmd)
        case ServeDraft():
            _serve_draft(new, cmd)
        case RecordFamilyResponse():
            _family_response(new, cmd)
        case IssueFinalPlan():
            _issue_final_plan(new, cmd)
        case Withdraw():
            _close(new, Outcome.WITHDRAWN, cmd.on)
        case TransferOut():
            _close(new, Outcome.TRANSFERRED_OUT, cmd.on)
        case ReassignTeam():
            _reassign(new, cmd)
    return new


REASSIGNERS = {Role.MANAGER, Role.ADMIN, Role.SYSTEM}


def _reassign(case: Case, cmd: ReassignTeam) -> None:
    """A manager (or the head of service) moves the case to another team; its clock runs on."""
    if cmd.by.role not in REASSIGNERS:
        raise RuleViolation("by", "only a manager or the head of service moves a case to another team")
    if cmd.team == case.team:
        raise RuleViolation("team", f"the case is already with team {case.team}")
    case.team = cmd.team


def _effective_date(cmd: CaseCommand) -> tuple[str, date]:
    match cmd:
        case RequestAdvice():
            return "requested_on", cmd.requested_on
        case SubmitAdvice():
            return "returned_on", cmd.returned_on
        case RecordAdviceRequestReceived():
            return "received_on", cmd.received_on
        case _:
            return "on", cmd.on


def _check_date(cmd: CaseCommand, today: date, case: Case) -> None:
    field, on = _effective_date(cmd)
    if on > today:
        raise RuleViolation(field, f"{day_in_words(on)} is in the future (today is {day_in_words(today)})")
    if on < case.day0:
        raise RuleViolation(
            field, f"{day_in_words(on)} is before day 0 of the case ({day_in_words(case.day0)})"
        )


def _authorise(case: Case, cmd: CaseCommand) -> None:
    by: Actor = cmd.by
    if by.role in OFFICER_ROLES:
        return
    if by.role is Role.PROVIDER:
        advice_id = getattr(cmd, "advice_id", None)
        provider_action = isinstance(cmd, (SubmitAdvice, RecordAdviceRequestReceived)) or (
            isinstance(cmd, RecordException) and cmd.code.applies_to_advice
        )
        advice = case.advice_by_id(advice_id) if advice_id else None
        if provider_action and advice is not None and advice.provider_team == by.team:
            return
        if provider_action and advice is None:
            raise RuleViolation("advice_id", f"no advice request {advice_id} on case {case.ref}")
    who = str(by.role).replace("_", " ")
    raise RuleViolation("by", f"{by.user} ({who}) may not {cmd.kind.replace('_', ' ')} on this case")


def _not_before(field: str, on: date, earlier: date, what: str) -> None:
    if on < earlier:
        raise RuleViolation(field, f"{day_in_words(on)} is before {what} ({day_in_words(earlier)})")


def _decide_to_assess(case: Case, cmd: DecideToAssess) -> None:
    if case.decision_to_assess is not None:
        raise RuleViolation(
            "yes",
            "the decision whether to assess was already recorded on "
            + day_in_words(case.decision_to_assess.on),
        )
    if not cmd.yes and not cmd.appeal_information_given:
        raise RuleViolation(
            "appeal_information_given",
            "a decision not to assess must tell the family of their right of appeal and of "
            "mediation (reg 5(3)); confirm the notice included it",
        )
    case.decision_to_assess = Decision(yes=cmd.yes, on=cmd.on)
    if not cmd.yes:
        _close(case, Outcome.NOT_ASSESSED, cmd.on)


def _require_stage(case: Case, allowed: set[Stage], action: str) -> None:
    if case.stage not in allowed:
        where = STAGE_IN_WORDS.get(case.stage, case.stage)
        raise RuleViolation("case", f"cannot {action} while the case is {where}")


def _request_advice(case: Case, cmd: RequestAdvice, today: date) -> None:
    """Several requests of one kind are normal (statutory-rules.md): each has its own team and clock."""
    _require_stage(case, {Stage.ADVICE}, "request advice")
    assert case.decision_to_assess is not None
    _not_before("requested_on", cmd.requested_on, case.decision_to_assess.on, "the decision to assess")
    if cmd.advice_kind is AdviceKind.PFA and (case.year_group is None or case.year_group < PFA_FROM_YEAR):
        raise RuleViolation(
            "advice_kind",
            f"preparing-for-adulthood advice is sought for a child in year {PFA_FROM_YEAR} or "
            f"above; this child's year group is {case.year_group}",
        )
    if cmd.existing_advice_date is not None and cmd.existing_advice_date > cmd.requested_on:
        raise RuleViolation(
            "existing_advice_date", "existing advice (reg 6(4)) must predate the date it is used"
        )
    existing = cmd.existing_advice_date is not None
    if cmd.received_on is not None:
        if existing or cmd.advice_kind is AdviceKind.PARENT:
            raise RuleViolation("received_on", "this advice has no 6-week clock, so no date of receipt")
        _received_in_range(cmd.received_on, cmd.requested_on, today)
    _add_request(
        case,
        AdviceRequest(
            id="",
            kind=cmd.advice_kind,
            provider_team=cmd.provider_team,
            requested_on=cmd.requested_on,
            received_on=cmd.received_on,
            existing_advice_date=cmd.existing_advice_date,
            status=AdviceStatus.EXISTING_USED if existing else AdviceStatus.REQUESTED,
            returned_on=cmd.existing_advice_date if existing else None,
        ),
    )


def _add_request(case: Case, advice: AdviceRequest) -> None:
    n = sum(1 for a in case.advice if a.kind is advice.kind) + 1
    advice.id = f"{advice.kind}-{n}"
    case.advice.append(advice)


def _received_in_range(received_on: date, requested_on: date, today: date) -> None:
    if received_on < requested_on:
        raise RuleViolation(
            "received_on",
            f"{day_in_words(received_on)} is before the request was sent ({day_in_words(requested_on)})",
        )
    if received_on > today:
        raise RuleViolation(
            "received_on", f"{day_in_words(received_on)} is in the future (today is {day_in_words(today)})"
        )


def _advice_request_received(case: Case, cmd: RecordAdviceRequestReceived, today: date) -> None:
    """ENGINE RULE (T2 start): the date of receipt is recorded while the 6 weeks counted from sending
    still run, and before any reg 8(2) exception: after that a breach may have been raised, or an
    exception checked, against the period as it stood."""
    advice = _open_advice(case, cmd.advice_id)
    if not advice.has_clock:
        raise RuleViolation(
            "advice_id", f"the {_advice(advice.id)} has no 6-week clock, so no date of receipt"
        )
    sent_due = advice_due(advice.requested_on)
    if today > sent_due:
        raise RuleViolation(
            "received_on",
            f"the date of receipt is recorded within the 6 weeks from sending (to {day_in_words(sent_due)}); "
            f"they ended before today ({day_in_words(today)})",
        )
    if case.advice_exceptions(advice.id):
        raise RuleViolation("received_on", f"an exception is already recorded on the {_advice(advice.id)}")
    if advice.received_on is not None:
        raise RuleViolation(
            "received_on",
            f"the {_advice(advice.id)} was already recorded as received{_on(advice.received_on)}",
        )
    _not_before("received_on", cmd.received_on, advice.requested_on, "the request was sent")
    advice.received_on = cmd.received_on


def _withdraw_advice_request(case: Case, cmd: WithdrawAdviceRequest) -> None:
    advice = _open_advice(case, cmd.advice_id)
    _not_before("on", cmd.on, advice.requested_on, "the request was sent")
    advice.status = AdviceStatus.WITHDRAWN
    advice.withdrawn_on = cmd.on


def _resend_advice_request(case: Case, cmd: ResendAdviceRequest) -> None:
    """The first request is withdrawn (no clock, out of K5) and a new one goes to the right team."""
    advice = _open_advice(case, cmd.advice_id)
    if cmd.provider_team == advice.provider_team:
        raise RuleViolation(
            "provider_team", f"the {_advice(advice.id)} was already sent to {advice.provider_team}"
        )
    _not_before("on", cmd.on, advice.requested_on, "the request was sent")
    advice.status = AdviceStatus.WITHDRAWN
    advice.withdrawn_on = cmd.on
    _add_request(
        case, AdviceRequest(id="", kind=advice.kind, provider_team=cmd.provider_team, requested_on=cmd.on)
    )


def _open_advice(case: Case, advice_id: str) -> AdviceRequest:
    advice = case.advice_by_id(advice_id)
    if advice is None:
        raise RuleViolation("advice_id", f"no advice request {advice_id} on case {case.ref}")
    if advice.status is AdviceStatus.RECEIVED:
        raise RuleViolation(
            "advice_id", f"the {_advice(advice_id)} was already submitted{_on(advice.returned_on)}"
        )
    if not advice.is_open:
        why = ADVICE_STATUS_IN_WORDS.get(advice.status, advice.status)
        raise RuleViolation("advice_id", f"the {_advice(advice_id)} is closed ({why})")
    return advice


def _submit_advice(case: Case, cmd: SubmitAdvice) -> None:
    advice = _open_advice(case, cmd.advice_id)
    _not_before("returned_on", cmd.returned_on, advice.requested_on, "the request for this advice")
    if advice.received_on is not None:
        _not_before("returned_on", cmd.returned_on, advice.received_on, "the request was received")
    advice.status = AdviceStatus.RECEIVED
    advice.returned_on = cmd.returned_on
    advice.document_ref = cmd.document_ref
    advice.summary = cmd.summary


def _advice_not_received(case: Case, cmd: RecordAdviceNotReceived) -> None:
    advice = _open_advice(case, cmd.advice_id)
    due = advice_due(advice.clock_starts_on)
    if cmd.on <= due:
        raise RuleViolation(
            "on",
            f"the {_advice(advice.id)} is not due until {day_in_words(due)}; it can be recorded as "
            "not received only once it is overdue",
        )
    advice.status = AdviceStatus.NOT_RECEIVED
    advice.not_received_on = cmd.on


def _open_period_end(case: Case, today: date) -> date:
    return case.outcome_on or today


def _record_exception(case: Case, cmd: RecordException, today: date) -> None:
    exc = RecordedException(
        code=cmd.code,
        recorded_on=cmd.on,
        description=cmd.description,
        start=cmd.start,
        end=cmd.end,
        advice_id=cmd.advice_id,
        requested_on=cmd.requested_on,
        appointment_on=cmd.appointment_on,
    )
    if cmd.code.applies_to_advice:
        if cmd.advice_id is None:
            raise RuleViolation(
                "advice_id", f"{exception_in_words(cmd.code)}: record it against one request for advice"
            )
        advice = case.advice_by_id(cmd.advice_id)
        if advice is None:
            raise RuleViolation("advice_id", f"no advice request {cmd.advice_id} on case {case.ref}")
        if not advice.has_clock:
            raise RuleViolation("advice_id", f"the {_advice(advice.id)} has no 6-week clock to except")
        validate_advice_exception(exc, advice.clock_starts_on)
    else:
        if cmd.advice_id is not None:
            advice = case.advice_by_id(cmd.advice_id)
            if advice is None:
                raise RuleViolation("advice_id", f"no advice request {cmd.advice_id} on case {case.ref}")
            if exc.requested_on is None:
                exc.requested_on = advice.requested_on
        validate_case_exception(exc, (case.day0, _open_period_end(case, today)))
    if any(_same_exception(e, exc) for e in case.exceptions):
        raise RuleViolation("code", f"this exception is already recorded ({exception_in_words(cmd.code)})")
    case.exceptions.append(exc)


def _same_exception(a: RecordedException, b: RecordedException) -> bool:
    return a.model_dump(exclude={"recorded_on"}) == b.model_dump(exclude={"recorded_on"})


def required_advice(case: Case) -> list[AdviceKind]:
    """The advice reg 6(1) requires before the decision to issue (an earlier system's record may
    lack the family's views: it is history, not a step the engine takes)."""
    kinds = [*([] if case.recorded_elsewhere else [AdviceKind.PARENT]), *ALWAYS_SOUGHT]
    if case.year_group is not None and case.year_group >= PFA_FROM_YEAR:
        kinds.append(AdviceKind.PFA)
    return kinds


def _decide_to_issue(case: Case, cmd: DecideToIssue) -> None:
    _require_stage(case, {Stage.ADVICE}, "decide whether to issue a plan")
    assert case.decision_to_assess is not None
    _not_before("on", cmd.on, case.decision_to_assess.on, "the decision to assess")
    sought = {a.kind for a in case.advice if a.status not in (AdviceStatus.CANCELLED, AdviceStatus.WITHDRAWN)}
    missing = [k for k in required_advice(case) if k not in sought]
    if missing:
        raise RuleViolation(
            "advice",
            "reg 6(1) requires advice to be sought first: "
            + ", ".join(lower_first(advice_in_words(k)) for k in missing),
        )
    # history from an earlier system may show a decision made before some advice came back
    waiting = [] if case.recorded_elsewhere else [a.id for a in case.advice if a.is_open]
    if waiting:
        raise RuleViolation(
            "advice",
            "advice still awaited: "
            + ", ".join(lower_first(advice_in_words(w)) for w in waiting)
            + " (wait for it, or record it as "
            "not received once it is overdue)",
        )
    if not cmd.yes and not cmd.appeal_information_given:
        raise RuleViolation(
            "appeal_information_given",
            "a notice that no plan will be issued must tell the family of their right of "
            "appeal and of mediation (reg 10(1)); confirm the notice included it",
        )
    case.decision_to_issue = Decision(yes=cmd.yes, on=cmd.on)
    if not cmd.yes:
        _close(case, Outcome.PLAN_NOT_ISSUED, cmd.on)


def _serve_draft(case: Case, cmd: ServeDraft) -> None:
    _require_stage(case, {Stage.DRAFTING}, "serve the draft plan")
    assert case.decision_to_issue is not None
    _not_before("on", cmd.on, case.decision_to_issue.on, "the decision to issue a plan")
    case.draft_served_on = cmd.on


def _family_response(case: Case, cmd: RecordFamilyResponse) -> None:
    _require_stage(case, {Stage.DRAFT_SERVED}, "record the family's response")
    assert case.draft_served_on is not None
    if case.family_response_on is not None:
        raise RuleViolation("on", f"the family's response was already recorded{_on(case.family_response_on)}")
    _not_before("on", cmd.on, case.draft_served_on, "the draft plan was served")
    case.family_response_on = cmd.on


def _issue_final_plan(case: Case, cmd: IssueFinalPlan) -> None:
    _require_stage(case, {Stage.DRAFT_SERVED}, "issue the final plan")
    assert case.draft_served_on is not None
    earliest = earliest_final_plan(case.draft_served_on)
    if case.family_response_on is None and cmd.on < earliest:
        raise RuleViolation(
            "on",
            f"final plan cannot be issued before {day_in_words(earliest)}: the family's 15-day window is "
            "open (reg 13(1)) and no response has been recorded",
        )
    if case.family_response_on is not None:
        _not_before("on", cmd.on, case.family_response_on, "the family's response")
    case.final_plan_issued_on = cmd.on
    _close(case, Outcome.PLAN_ISSUED, cmd.on)


def _close(case: Case, outcome: Outcome, on: date) -> None:
    _not_before("on", on, case.latest_event_date(), "the last recorded step of the case")
    case.outcome = outcome
    case.outcome_on = on
    for advice in case.advice:
        if advice.is_open:
            advice.status = AdviceStatus.CANCELLED
