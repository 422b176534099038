"""History replayed through the statute: a step a rule refuses makes its row bad."""

from datetime import date, timedelta
from pathlib import Path

from domain.case import AdviceStatus, Outcome, Stage
from domain.commands import DecideToAssess, IssueFinalPlan, RequestAdvice, SubmitAdvice
from domain.statutory_exceptions import ExceptionCode
from domain.words import day_in_words
from ehcna.importer.command import read_and_plan
from ehcna.importer.plan import IMPORT_ACTOR, ImportPlan
from tests.importer.rows import advice_rows, case_row, plan_issued, plan_issued_advice, write_csv

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
EXAMPLE_FILES = EXAMPLES / "cases.csv", EXAMPLES / "advice.csv"
TODAY = date(2026, 11, 23)
DAY0 = date(2026, 1, 5)


def day(n: int) -> date:
    return DAY0 + timedelta(days=n)


def plan(tmp_path: Path, cases: list[dict], advice: list[dict] | None = None) -> ImportPlan:
    cases_csv = write_csv(tmp_path / "cases.csv", cases)
    advice_csv = write_csv(tmp_path / "advice.csv", advice) if advice else None
    return read_and_plan(cases_csv, advice_csv, TODAY)


def errors(result: ImportPlan) -> list[tuple[str, int, str | None]]:
    return [(e.file, e.line, e.column) for e in result.errors]


def test_the_shipped_examples_are_valid():
    result = read_and_plan(*EXAMPLE_FILES, TODAY, EXAMPLES / "exceptions.csv")
    assert result.errors == []
    assert [c.case.outcome for c in result.closed] == [
        Outcome.PLAN_ISSUED,
        Outcome.NOT_ASSESSED,
        Outcome.PLAN_NOT_ISSUED,
        Outcome.PLAN_ISSUED,
        Outcome.WITHDRAWN,
        Outcome.TRANSFERRED_OUT,
        Outcome.PLAN_ISSUED,
    ]
    assert [c.case.stage for c in result.open] == [
        Stage.DRAFT_SERVED,
        Stage.DRAFTING,
        Stage.ADVICE,
        Stage.REQUEST,
        Stage.ADVICE,
    ]


def test_the_shipped_examples_show_each_shape_of_real_history():
    """docs/examples: every shape docs/import-format.md describes for a council's history."""
    result = read_and_plan(*EXAMPLE_FILES, TODAY, EXAMPLES / "exceptions.csv")
    by_ref = {c.ref: c for c in result.cases}
    moved = by_ref["EH-2025-0007"].case  # transferred in, with the first council's date
    assert (moved.transferred_in, moved.original_request_on) == (True, date(2025, 7, 14))
    assert by_ref["EH-2024-0003"].case.legacy_week20  # week20 = yes without a code, on a closed case
    assert by_ref["EH-2025-0006"].case.request_source == "UNKNOWN"
    assert (by_ref["EH-2024-0001"].setting.urn, by_ref["EH-2024-0001"].school_consulted_on) == (
        "999101",
        date(2024, 4, 12),
    )
    assert by_ref["EH-2025-0007"].setting.ukprn == "10099907"
    assert (by_ref["EH-2026-0101"].setting, by_ref["EH-2026-0101"].school_consulted_on) == (
        None,
        date(2026, 11, 4),
    )  # open: consulted, none named yet
    health = by_ref["EH-2024-0001"].case.advice_by_id("HEALTH-1")
    assert (health.received_on, health.due_on) == (date(2024, 2, 16), date(2024, 3, 29))  # from receipt
    kinds = [(a.id, a.provider_team, a.status) for a in moved.advice if a.kind in ("EDUCATION", "HEALTH")]
    assert kinds == [
        ("EDUCATION-1", "elm-secondary", AdviceStatus.WITHDRAWN),  # sent to the old school in error
        ("EDUCATION-2", "riverside-college", AdviceStatus.RECEIVED),
        ("HEALTH-1", "icb-community-paeds", AdviceStatus.RECEIVED),
        ("HEALTH-2", "salt-service", AdviceStatus.RECEIVED),  # several requests of one kind
    ]
    # exceptions.csv: an absence beside the case's E-PERS, a missed appointment on the second health request
    assert [(str(e.code), e.advice_id) for e in by_ref["EH-2024-0004"].case.exceptions][1:] == [
        ("E-PERS", None),
        ("E-ABS", None),
    ]
    assert [(str(e.code), e.advice_id) for e in moved.exceptions] == [("A-APPT", "HEALTH-2")]


def test_a_closed_case_is_its_steps_replayed_in_date_order(tmp_path):
    result = plan(
        tmp_path,
        [
            plan_issued(
                "EH-1",
                DAY0,
                plan_day=150,
                week20_exception_code="E-SCH",
                exception_start=day(20),
                exception_end=day(60),
            )
        ],
        plan_issued_advice("EH-1", DAY0),
    )
    assert result.errors == []
    (planned,) = result.cases
    case = planned.case
    assert (case.outcome, case.outcome_on, case.final_plan_issued_on) == (
        Outcome.PLAN_ISSUED,
        day(150),
        day(150),
    )
    assert case.week20_exception  # E-SCH, taken against the EDUCATION request on day 31
    assert (case.exceptions[0].advice_id, case.exceptions[0].requested_on) == ("EDUCATION-1", day(31))
    assert all(a.status is AdviceStatus.RECEIVED for a in case.advice)
    kinds = [type(s) for s in planned.steps]
    assert kinds[0] is DecideToAssess and kinds[-1] is IssueFinalPlan
    assert kinds[1:6] == [RequestAdvice] * 5 and kinds[6:11] == [SubmitAdvice] * 5
    assert all(s.by == IMPORT_ACTOR for s in planned.steps)


def test_steps_on_one_day_follow_the_statute(tmp_path):
    same = day(10)
    row = case_row(
        "EH-1",
        DAY0,
        decision_to_assess="yes",
        decision_to_assess_date=same,
        decision_to_issue="yes",
        decision_to_issue_date=same,
        draft_served_date=same,
        family_response_date=same,
        final_plan_date=same,
        outcome="PLAN_ISSUED",
        outcome_date=same,
    )
    result = plan(tmp_path, [row], advice_rows("EH-1", same, same))
    assert result.errors == [] and result.cases[0].case.outcome is Outcome.PLAN_ISSUED


def test_rule_breaches_are_bad_rows_with_the_rules_reasons(tmp_path):
    early_plan = plan_issued(
        "EARLY", DAY0, family_response_date=None, final_plan_date=day(95), outcome_date=day(95)
    )
    awaited = case_row(
        "AWAITED",
        DAY0,
        decision_to_assess="yes",
        decision_to_assess_date=day(30),
        decision_to_issue="yes",
        decision_to_issue_date=day(70),
    )
    no_appeal = case_row(
        "NO-APPEAL",
        DAY0,
        decision_to_assess="no",
        decision_to_assess_date=day(30),
        outcome="NOT_ASSESSED",
        outcome_date=day(30),
    )
    short_absence = case_row(
        "ABSENT", DAY0, week20_exception_code="E-ABS", exception_start=day(5), exception_end=day(20)
    )
    advice = (
        plan_issued_advice("EARLY", DAY0)
        + advice_rows("AWAITED", day(31), None, ["HEALTH"])
        + advice_rows("AWAITED", day(31), day(60), ["PARENT", "EDUCATION", "EP", "SOCIAL_CARE"])
    )
    result = plan(tmp_path, [early_plan, awaited, no_appeal, short_absence], advice)
    assert result.cases == []
    by_line = {e.line: e for e in result.errors if e.file == "cases.csv"}
    assert (by_line[2].column, by_line[3].column, by_line[4].column, by_line[5].column) == (
        "final_plan_date",
        "decision_to_issue",
        "appeal_information_given",
        "exception_end",
    )
    assert by_line[2].reason.startswith(f"final plan cannot be issued before {day_in_words(day(105))}")
    # the rule names the advice by its id on the case; the report adds its line
    assert by_line[3].reason.startswith("advice still awaited: medical advice")
    assert by_line[3].reason.endswith("[HEALTH-1 is advice.csv line 7]")
    assert "right of appeal" in by_line[4].reason
    assert "at least 4 weeks" in by_line[5].reason


def test_the_outcome_must_be_where_the_steps_lead(tmp_path):
    refused = case_row(
        "REFUSED",
        DAY0,
        decision_to_assess="no",
        decision_to_assess_date=day(30),
        appeal_information_given="yes",
    )
    no_plan_date = case_row("ISSUED", DAY0, outcome="PLAN_ISSUED", outcome_date=day(100))
    wrong_date = plan_issued("WRONG-DATE", DAY0, outcome_date=day(121))
    result = plan(tmp_path, [refused, no_plan_date, wrong_date], plan_issued_advice("WRONG-DATE", DAY0))
    assert [(e.line, e.column) for e in result.errors] == [
        (2, "outcome"),
        (3, "outcome"),
        (4, "outcome_date"),
    ]
    assert result.errors[0].reason == (
        f"the recorded steps close the case as NOT_ASSESSED on {day_in_words(day(30))}; "
        "outcome is blank (open)"
    )
    assert "final_plan_date" in result.errors[1].reason
    assert result.errors[2].reason == (
        f"the recorded steps close the case on {day_in_words(day(120))}, not {day_in_words(day(121))}"
    )


def test_a_closed_cases_exception_must_fall_before_its_outcome(tmp_path):
    row = plan_issued(
        "PERS",
        DAY0,
        week20_exception_code="E-PERS",
        exception_description="bereavement",
        exception_start=day(130),
        exception_end=day(140),
        exception_recorded_date=day(110),
    )
    result = plan(tmp_path, [row], plan_issued_advice("PERS", DAY0))
    assert errors(result) == [("cases.csv", 2, "exception_start")]
    assert "do not overlap the case's open period" in result.errors[0].reason


def test_advice_out_of_order_with_the_case_is_refused_on_its_own_line(tmp_path):
    late_request = advice_rows("EH-1", day(85), day(86), ["OTHER"])
    result = plan(tmp_path, [plan_issued("EH-1", DAY0)], plan_issued_advice("EH-1", DAY0) + late_request)
    assert errors(result) == [("cases.csv", 2, "ref"), ("advice.csv", 7, "kind")]
    assert "while the case is having its draft plan written" in result.errors[1].reason


def test_references_must_be_unique_and_known(tmp_path):
    cases = [
        case_row("DUP", DAY0),
        case_row("OK", DAY0),
        case_row("DUP", day(1)),
        case_row("BAD-ADVICE", DAY0),
    ]
    advice = [
        *advice_rows("NOBODY", day(2), None, ["EP"]),
        {**advice_rows("BAD-ADVICE", day(2), None, ["EP"])[0], "requested_date": "soon"},
    ]
    result = plan(tmp_path, cases, advice)
    assert [c.ref for c in result.cases] == ["OK"]
    assert errors(result) == [
        ("cases.csv", 2, "ref"),
        ("cases.csv", 4, "ref"),
        ("cases.csv", 5, "ref"),
        ("advice.csv", 2, "ref"),
        ("advice.csv", 3, "requested_date"),
    ]
    assert (
        result.errors[0].reason == "ref DUP is on lines 2, 4: a case is one row, so none of them is imported"
    )
    assert result.errors[2].reason == "not imported: its advice on advice.csv line 3 is bad"
    assert result.errors[3].reason == "case NOBODY is not in cases.csv"
    assert result.bad_rows == 5


def test_open_cases_keep_awaited_advice_and_advice_exceptions(tmp_path):
    row = case_row("OPEN", DAY0, decision_to_assess="yes", decision_to_assess_date=day(30))
    advice = advice_rows("OPEN", day(31), None, ["HEALTH"])
    advice[0] |= {"exception_code": "A-APPT", "appointment_date": day(40)}
    result = plan(tmp_path, [row], advice)
    assert result.errors == []
    case = result.open[0].case
    assert (case.stage, case.advice[0].status) == (Stage.ADVICE, AdviceStatus.REQUESTED)
    assert case.advice_exceptions("HEALTH-1")[0].code is ExceptionCode.A_APPT


# -- shapes of real history (issue 13) ------------------------------------------


def test_import_several_requests_of_one_kind_each_with_its_own_clock(tmp_path):
    advice = [
        *plan_issued_advice("EH-1", DAY0),
        {
            "ref": "EH-1",
            "kind": "HEALTH",
            "provider_team": "salt-team",
            "requested_date": day(31),
            "status": "RECEIVED",
            "returned_date": day(70),
            "document_ref": "DOC-SALT",
        },
    ]
    result = plan(tmp_path, [plan_issued("EH-1", DAY0)], advice)
    assert result.errors == []
    health = [(a.id, a.provider_team) for a in result.closed[0].case.advice if a.kind == "HEALTH"]
    assert health == [("HEALTH-1", "health-team"), ("HEALTH-2", "salt-team")]


def test_import_received_date_starts_the_advice_clock(tmp_path):
    advice = plan_issued_advice("EH-1", DAY0)
    advice[2] |= {"received_date": day(34)}  # HEALTH, sent day 31
    result = plan(tmp_path, [plan_issued("EH-1", DAY0)], advice)
    assert result.errors == []
    assert result.closed[0].case.advice_by_id("HEALTH-1").due_on == day(34 + 42)
    before = plan_issued_advice("EH-2", DAY0)
    before[2] |= {"received_date": day(30)}
    bad = plan(tmp_path, [plan_issued("EH-2", DAY0)], before)
    assert (
        "received_date",
        f"{day_in_words(day(30))} is before the request was sent ({day_in_words(day(31))})",
    ) in [(e.column, e.reason) for e in bad.errors]


def test_import_withdrawn_request_has_no_clock(tmp_path):
    advice = [
        *plan_issued_advice("EH-1", DAY0),
        {
            "ref": "EH-1",
            "kind": "SOCIAL_CARE",
            "provider_team": "wrong-team",
            "requested_date": day(31),
            "status": "WITHDRAWN",
            "withdrawn_date": day(33),
        },
    ]
    result = plan(tmp_path, [plan_issued("EH-1", DAY0)], advice)
    assert result.errors == []
    withdrawn = next(a for a in result.closed[0].case.advice if a.provider_team == "wrong-team")
    assert (withdrawn.status, withdrawn.withdrawn_on, withdrawn.due_on) == (
        AdviceStatus.WITHDRAWN,
        day(33),
        None,
    )


def test_import_mediation_and_tribunal_with_their_dates_after_the_decision_they_dispute(tmp_path):
    cases = [
        case_row(
            "NA-1",
            DAY0,
            decision_to_assess="no",
            decision_to_assess_date=day(40),
            appeal_information_given="yes",
            outcome="NOT_ASSESSED",
            outcome_date=day(40),
            request_mediation="yes",
            request_mediation_date=day(60),
            request_tribunal="yes",  # a legacy flag without its date
        ),
        plan_issued("PI-1", DAY0, other_tribunal="yes", other_tribunal_date=day(150)),
    ]
    result = plan(tmp_path, cases, plan_issued_advice("PI-1", DAY0))
    assert result.errors == []
    by_ref = {c.ref: [(a.route, a.disputes, a.started_on) for a in c.appeals] for c in result.closed}
    assert by_ref == {
        "NA-1": [("MEDIATION", "REQUEST", day(60)), ("TRIBUNAL", "REQUEST", None)],
        "PI-1": [("TRIBUNAL", "PLAN", day(150))],
    }


def test_import_refuses_assessment_mediation_on_a_case_whose_plan_was_issued(tmp_path):
    cases = [plan_issued("PI-1", DAY0, assessment_mediation="yes")]
    result = plan(tmp_path, cases, plan_issued_advice("PI-1", DAY0))
    assert [(e.column, e.reason) for e in result.errors] == [
        ("assessment_mediation", "only after a decision not to issue a plan (decision_to_issue=no)")
    ]


def test_import_refuses_mediation_dated_before_the_decision_it_disputes(tmp_path):
    cases = [plan_issued("PI-1", DAY0, other_mediation="yes", other_mediation_date=day(119))]
    result = plan(tmp_path, cases, plan_issued_advice("PI-1", DAY0))
    assert [(e.column, e.reason) for e in result.errors] == [
        (
            "other_mediation_date",
            f"{day_in_words(day(119))} is before the decision it disputes ({day_in_words(day(120))})",
        )
    ]


def test_import_family_views_are_optional_for_a_closed_historical_case_but_not_an_open_one(tmp_path):
    bodies = [a for a in plan_issued_advice("EH-1", DAY0) if a["kind"] != "PARENT"]
    result = plan(tmp_path, [plan_issued("EH-1", DAY0)], bodies)
    assert result.errors == [] and result.closed[0].case.recorded_elsewhere
    open_case = case_row(
        "EH-2",
        DAY0,
        decision_to_assess="yes",
        decision_to_assess_date=day(30),
        decision_to_issue="yes",
        decision_to_issue_date=day(80),
    )
    open_bodies = [a | {"ref": "EH-2"} for a in bodies]
    refused = plan(tmp_path, [open_case], open_bodies)
    assert [(e.column, "parent or young person's views" in e.reason) for e in refused.errors] == [
        ("decision_to_issue", True)
    ]


def test_import_advice_returned_after_a_decision_not_to_issue_is_kept_late_on_its_date(tmp_path):
    no_plan = case_row(
        "EH-1",
        DAY0,
        decision_to_assess="yes",
        decision_to_assess_date=day(30),
        decision_to_issue="no",
        decision_to_issue_date=day(100),
        appeal_information_given="yes",
        outcome="PLAN_NOT_ISSUED",
        outcome_date=day(100),
    )
    advice = advice_rows("EH-1", day(31), day(60))
    advice[4] |= {"returned_date": day(102)}  # SOCIAL_CARE, two days after the decision
    result = plan(tmp_path, [no_plan], advice)
    assert result.errors == []
    case = result.closed[0].case
    social = case.advice_by_id("SOCIAL_CARE-1")
    assert (social.status, social.returned_on) == (AdviceStatus.RECEIVED, day(102))
    # it was late (due day 73) and the case was open then: the breach is derived
    assert [b.key for b in result.closed[0].breaches] == ["T2:SOCIAL_CARE-1"]


def test_import_advice_returned_after_a_decision_to_issue_on_a_case_that_goes_on(tmp_path):
    """Decided to issue on day 80 with social care still out; its report came on day 85 and the case
    went on to its plan (day 120): the earlier system's record stands, late (due day 73) with its
    breach derived. An open case is held to reg 6(1): the decision must wait for the advice."""
    advice = plan_issued_advice("EH-1", DAY0)  # asked day 31, returned day 60
    advice[4] |= {"returned_date": day(85)}  # SOCIAL_CARE
    result = plan(tmp_path, [plan_issued("EH-1", DAY0)], advice)
    assert result.errors == []
    (planned,) = result.closed
    social = planned.case.advice_by_id("SOCIAL_CARE-1")
    assert (social.status, social.returned_on, social.due_on) == (AdviceStatus.RECEIVED, day(85), day(73))
    assert (planned.case.outcome, planned.case.final_plan_issued_on) == (Outcome.PLAN_ISSUED, day(120))
    assert [b.key for b in planned.breaches] == ["T2:SOCIAL_CARE-1"]

    going_on = case_row(
        "EH-2",
        DAY0,
        decision_to_assess="yes",
        decision_to_assess_date=day(30),
        decision_to_issue="yes",
        decision_to_issue_date=day(80),
    )
    refused = plan(tmp_path, [going_on], [a | {"ref": "EH-2"} for a in advice])
    assert [(e.line, e.column, e.reason) for e in refused.errors] == [
        (
            2,
            "decision_to_issue",
            "advice still awaited: social care advice (wait for it, or record it as not received once it "
            "is overdue) [SOCIAL_CARE-1 is advice.csv line 6]",
        )
    ]


def test_import_advice_returned_after_a_withdrawn_close_is_kept_late_on_its_date(tmp_path):
    """Withdrawn on day 80 with the health advice (asked day 31, due day 73) still out; it came on
    day 85. Kept as received on day 85, not cancelled; it was overdue while the case was open, so
    its breach is derived."""
    withdrawn = case_row(
        "EH-1",
        DAY0,
        decision_to_assess="yes",
        decision_to_assess_date=day(30),
        outcome="WITHDRAWN",
        outcome_date=day(80),
    )
    advice = advice_rows("EH-1", day(31), day(60))
    advice[2] |= {"returned_date": day(85)}  # HEALTH, five days after the case closed
    result = plan(tmp_path, [withdrawn], advice)
    assert result.errors == []
    (planned,) = result.closed
    health = planned.case.advice_by_id("HEALTH-1")
    assert (health.status, health.returned_on, health.due_on) == (AdviceStatus.RECEIVED, day(85), day(73))
    assert (planned.case.outcome, planned.case.outcome_on) == (Outcome.WITHDRAWN, day(80))
    assert [b.key for b in planned.breaches] == ["T2:HEALTH-1"]


def test_import_legacy_week20_flag_without_dates_for_closed_cases_only(tmp_path):
    result = plan(
        tmp_path, [plan_issued("EH-1", DAY0, plan_day=150, week20="yes")], plan_issued_advice("EH-1", DAY0)
    )
    assert result.errors == []
    case = result.closed[0].case
    assert case.legacy_week20 and case.week20_exception and case.exceptions == []
    open_case = case_row("EH-2", DAY0, week20="yes")
    refused = plan(tmp_path, [open_case])
    assert [e.column for e in refused.errors] == ["week20"]


def test_import_transfer_in_keeps_the_original_date_and_counts_from_the_day_of_responsibility(tmp_path):
    moved = plan_issued("EH-1", DAY0, transferred_in="yes", original_received_date=DAY0 - timedelta(days=50))
    result = plan(tmp_path, [moved], plan_issued_advice("EH-1", DAY0))
    assert result.errors == []
    case = result.closed[0].case
    assert (case.transferred_in, case.original_request_on, case.day0) == (
        True,
        DAY0 - timedelta(days=50),
        DAY0,
    )
    later = plan_issued("EH-2", DAY0, transferred_in="yes", original_received_date=DAY0 + timedelta(days=1))
    refused = plan(tmp_path, [later], plan_issued_advice("EH-2", DAY0))
    assert [e.column for e in refused.errors] == ["original_received_date"]


def test_import_unknown_request_source_and_nursery_year_codes(tmp_path):
    row = plan_issued("EH-1", DAY0, request_source="unknown", year_group="N2")
    result = plan(tmp_path, [row], plan_issued_advice("EH-1", DAY0))
    assert result.errors == []
    case = result.closed[0].case
    assert (case.request_source, case.year_group) == ("UNKNOWN", -1)


def test_import_any_number_of_exceptions_per_case_and_per_advice_request(tmp_path):
    health2 = {
        "ref": "EH-1",
        "kind": "HEALTH",
        "provider_team": "salt-team",
        "requested_date": day(40),
        "status": "RECEIVED",
        "returned_date": day(70),
        "document_ref": "DOC-SALT",
    }
    advice = [*plan_issued_advice("EH-1", DAY0), health2]
    case = plan_issued(
        "EH-1", DAY0, week20_exception_code="E-PERS", exception_start=day(10), exception_description="illness"
    )
    more = [
        # a second case exception: an absence of 31 days
        {"ref": "EH-1", "code": "E-ABS", "start": day(20), "end": day(50)},
        # two reg 8(2) exceptions on the second health request (asked on day 40)
        {
            "ref": "EH-1",
            "code": "A-APPT",
            "advice_kind": "HEALTH",
            "advice_requested_date": day(40),
            "appointment_date": day(45),
        },
        {
            "ref": "EH-1",
            "code": "A-PERS",
            "advice_kind": "HEALTH",
            "advice_requested_date": day(40),
            "start": day(42),
            "description": "in hospital",
        },
    ]
    result = read_and_plan(
        write_csv(tmp_path / "cases.csv", [case]),
        write_csv(tmp_path / "advice.csv", advice),
        TODAY,
        write_csv(tmp_path / "exceptions.csv", more),
    )
    assert result.errors == []
    exceptions = result.closed[0].case.exceptions
    assert sorted((str(e.code), e.advice_id) for e in exceptions) == [
        ("A-APPT", "HEALTH-2"),
        ("A-PERS", "HEALTH-2"),
        ("E-ABS", None),
        ("E-PERS", None),
    ]
    # a request named ambiguously, and an absence too short, are refused with their line and column
    bad = [
        {"ref": "EH-1", "code": "A-APPT", "advice_kind": "HEALTH", "appointment_date": day(45)},
        {"ref": "EH-1", "code": "E-ABS", "start": day(20), "end": day(46)},
    ]
    refused = read_and_plan(
        write_csv(tmp_path / "cases.csv", [case]),
        write_csv(tmp_path / "advice.csv", advice),
        TODAY,
        write_csv(tmp_path / "exceptions.csv", bad),
    )
    assert {(e.file, e.line, e.column) for e in refused.errors} >= {
        ("exceptions.csv", 2, "advice_requested_date")
    }


def test_an_open_case_keeps_the_breaches_its_history_already_closed_late(tmp_path):
    """K10 for imported history: the workflow raises what is still open; the rest is derived."""
    open_case = case_row("EH-1", DAY0, decision_to_assess="yes", decision_to_assess_date=day(45))
    advice = advice_rows("EH-1", day(46), None)  # asked on day 46, due day 88
    advice[2] |= {"status": "NOT_RECEIVED", "not_received_date": day(95)}  # HEALTH: never came
    advice[3] |= {"status": "RECEIVED", "returned_date": day(90), "document_ref": "DOC-EP"}  # EP: late
    result = plan(tmp_path, [open_case], advice)
    assert result.errors == []
    assert sorted(b.key for b in result.open[0].breaches) == ["T1", "T2:EP-1", "T2:HEALTH-1"]


def test_an_open_case_keeps_its_child_and_named_setting_beside_the_workflow(db, tmp_path):
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from ehcna.importer.load import save_people
    from ehcna.store.models import BreachRow, CasePersonRow, NamedSettingRow

    open_case = case_row(
        "EH-1",
        DAY0,
        decision_to_assess="yes",
        decision_to_assess_date=day(45),
        forename="Ada",
        surname="Example",
        birth_date="2015-03-01",
        named_setting_urn="100000",
    )
    result = plan(tmp_path, [open_case])
    save_people(db.sessions, result.open, datetime.now(UTC))
    with db.sessions() as s:
        assert s.get(CasePersonRow, "EH-1") is not None
        assert s.get(NamedSettingRow, ("EH-1", 1)).urn == "100000"
        assert s.scalars(sa.select(BreachRow.deadline_key).where(BreachRow.case_ref == "EH-1")).all() == [
            "T1"
        ]


def test_import_refuses_a_case_exception_from_exceptions_csv_after_the_case_closed(tmp_path):
    late = [{"ref": "EH-1", "code": "E-PERS", "start": day(130), "description": "illness"}]  # plan on day 120
    result = read_and_plan(
        write_csv(tmp_path / "cases.csv", [plan_issued("EH-1", DAY0)]),
        write_csv(tmp_path / "advice.csv", plan_issued_advice("EH-1", DAY0)),
        TODAY,
        write_csv(tmp_path / "exceptions.csv", late),
    )
    assert [(e.file, e.line, e.column) for e in result.errors] == [
        ("cases.csv", 2, "ref"),  # not imported: its exception is refused
        ("exceptions.csv", 2, "start"),  # E-PERS outside the case's open period (day 0 to day 120)
    ]


# -- school consultation (T5, CFA s.39) ----------------------------------------------


def test_import_school_consulted_before_a_setting_is_named_is_kept_in_the_store(db, tmp_path):
    """A council consults a school before it names one (and may never name it: the case is withdrawn,
    or the plan is still being drafted): the date is kept alone, in named_settings.consulted_on."""
    from datetime import UTC, datetime

    from ehcna.importer.load import LoadReport, load_closed, save_people
    from ehcna.store.models import NamedSettingRow

    withdrawn = case_row(
        "EH-1",
        DAY0,
        decision_to_assess="yes",
        decision_to_assess_date=day(30),
        school_consulted_date=day(60),
        outcome="WITHDRAWN",
        outcome_date=day(70),
    )
    named = plan_issued("EH-2", DAY0, named_setting_urn="100000", school_consulted_date=day(95))
    drafting = case_row(
        "EH-3", DAY0, decision_to_assess="yes", decision_to_assess_date=day(30), school_consulted_date=day(40)
    )
    result = plan(tmp_path, [withdrawn, named, drafting], plan_issued_advice("EH-2", DAY0))
    assert result.errors == []
    load_closed(db.sessions, result.closed, datetime.now(UTC), LoadReport())
    save_people(db.sessions, result.open, datetime.now(UTC))
    with db.sessions() as s:
        stored = {
            r.case_ref: (r.urn, r.ukprn, r.sen_setting, r.consulted_on)
            for r in s.query(NamedSettingRow).order_by(NamedSettingRow.case_ref)
        }
    assert stored == {
        "EH-1": (None, None, None, day(60)),  # consulted, never named: the case was withdrawn
        "EH-2": ("100000", None, None, day(95)),
        "EH-3": (None, None, None, day(40)),  # open: consulted, not named yet
    }


def test_import_refuses_a_school_consultation_outside_the_case_in_words(tmp_path):
    before = plan_issued("EH-1", DAY0, school_consulted_date=day(-1))
    after = plan_issued("EH-2", DAY0, named_setting_urn="100000", school_consulted_date=day(121))
    future = case_row("EH-3", DAY0, school_consulted_date=TODAY + timedelta(days=1))
    advice = plan_issued_advice("EH-1", DAY0) + plan_issued_advice("EH-2", DAY0)
    result = plan(tmp_path, [before, after, future], advice)
    assert [(e.line, e.column, e.reason) for e in result.errors] == [
        (
            2,
            "school_consulted_date",
            f"the school was consulted on {day_in_words(day(-1))}, before the request was received "
            f"({day_in_words(DAY0)})",
        ),
        (
            3,
            "school_consulted_date",
            f"the school was consulted on {day_in_words(day(121))}, after the case closed "
            f"({day_in_words(day(120))})",
        ),
        (
            4,
            "school_consulted_date",
            f"the school was consulted on {day_in_words(TODAY + timedelta(days=1))}, in the future "
            f"(today is {day_in_words(TODAY)})",
        ),
    ]
