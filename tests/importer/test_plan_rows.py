"""plans.csv and plan_reviews.csv checked row by row, through the plan rules, before anything is written.

No server and no store: ``plan_plans`` only reads and plans. Each refusal names the file, the line (the
header is line 1), the column and the rule's reason.
"""

from datetime import UTC, date, datetime
from pathlib import Path

from domain.clock import london_date
from domain.plan import ReviewOutcome
from domain.plan_calendar import PlanDuty
from domain.plan_deadlines import open_review_due
from domain.plan_views import plan_view
from ehcna.importer.plans_command import directory_teams
from ehcna.importer.plans_csv import read_plans, read_reviews
from ehcna.importer.plans_in_force import Teams, plan_plans
from ehcna.notifications.policy import load_policy
from tests.importer.rows import write_csv

TODAY = date(2026, 11, 1)
TEAMS = Teams(casework=frozenset({"north", "south"}), settings=frozenset({"oak-primary", "elm-secondary"}))


def plan_row(ref: str, **cells: object) -> dict[str, object]:
    row: dict[str, object] = {"ref": ref, "team": "north", "start_date": "2023-03-10", "year_group": "1"}
    row.update(cells)
    return row


def review_row(ref: str, meeting: str, decision: str, decided: str, **cells: object) -> dict[str, object]:
    return {"ref": ref, "meeting_date": meeting, "decision": decision, "decision_date": decided, **cells}


PLAN_HEADER = [
    "ref",
    "team",
    "start_date",
    "year_group",
    "setting_team",
    "transferred_in_date",
    "old_last_review_date",
    "review_invited_date",
    "review_meeting_date",
    "review_held_date",
    "cease_decided_date",
    "cease_reason",
    "cease_appeal_date",
]
REVIEW_HEADER = [
    "ref",
    "meeting_date",
    "decision",
    "decision_date",
    "invited_date",
    "report_date",
    "amendment_notice_date",
    "amendment_response_date",
    "named_setting",
    "named_setting_team",
    "amended_plan_date",
]


def planned(tmp_path: Path, plans: list[dict[str, object]], reviews: list[dict[str, object]]):
    p = write_csv(tmp_path / "plans.csv", plans, PLAN_HEADER)
    r = write_csv(tmp_path / "plan_reviews.csv", reviews, REVIEW_HEADER)
    return plan_plans(read_plans(p), read_reviews(r), TODAY, TEAMS)


def test_plan_import_replays_review_history_R1_R5_R7(tmp_path):
    result = planned(
        tmp_path,
        [plan_row("HIST-1", setting_team="oak-primary")],
        [
            # listed out of order: the reviews are applied by their meeting dates
            review_row(
                "HIST-1",
                "2025-03-01",
                "AMEND",
                "2025-03-20",
                amendment_notice_date="2025-03-25",
                amended_plan_date="2025-05-01",
            ),
            review_row("HIST-1", "2024-03-20", "maintain", "2024-04-05", invited_date="2024-03-01"),
        ],
    )
    assert result.errors == []
    (plan,) = result.plans
    assert plan.plan.reviews_completed == 2
    assert plan.plan.last_review is not None and plan.plan.last_review.outcome is ReviewOutcome.AMEND
    # R1: 12 months from the latest meeting (1 March 2025): overdue on 1 November 2026
    assert open_review_due(plan.plan) == (PlanDuty.R1, date(2026, 3, 1))
    assert plan.plan.last_amendment is not None and plan.plan.last_amendment.issued_on == date(2025, 5, 1)
    # the first review's due date kept for the store: 12 months from the plan's start (L5: held late)
    assert [c.kind for c in plan.actions][:5] == [
        "schedule_review_meeting",
        "hold_review_meeting",
        "decide_review",
        "schedule_review_meeting",
        "hold_review_meeting",
    ]


def test_plan_import_refuses_bad_rows_with_line_column_and_reason(tmp_path):
    result = planned(
        tmp_path,
        [
            plan_row("GOOD-1"),  # line 2
            plan_row("BAD-DATE", start_date="2026-02-30"),  # line 3
            plan_row("BAD-TEAM", team="nowhere"),  # line 4
            plan_row("TWICE"),  # line 5
            plan_row("TWICE"),  # line 6
            plan_row("BAD-REVIEW"),  # line 7
            plan_row("FUTURE", start_date="2027-01-01"),  # line 8
            plan_row("BAD-SETTING", setting_team="north"),  # line 9
        ],
        [
            review_row("GOOD-1", "2024-03-01", "MAINTAIN", "2024-03-15"),  # line 2
            review_row("BAD-REVIEW", "2024-03-01", "MAINTAIN", "2024-02-15"),  # line 3: decided first
            review_row("ELSEWHERE", "2024-03-01", "MAINTAIN", "2024-03-15"),  # line 4
            review_row("GOOD-1", "2025-03-01", "CEASE", "2025-03-15"),  # line 5
        ],
    )
    messages = [str(e) for e in result.errors]
    assert "plans.csv line 3 [start_date]: '2026-02-30' is not a real date" in messages
    assert (
        "plans.csv line 4 [team]: 'nowhere' is not a team of case officers in the directory; "
        "valid teams: north, south" in messages
    )
    assert "plans.csv line 5 [ref]: plan TWICE is also on line(s) 6" in messages
    assert "plans.csv line 6 [ref]: plan TWICE is also on line(s) 5" in messages
    assert (
        "plans.csv line 7 [ref]: not imported: its review on plan_reviews.csv line 3 is refused" in messages
    )
    assert any(
        m.startswith("plan_reviews.csv line 3 [decision_date]: ") and "meeting has not been held" in m
        for m in messages
    )
    assert any(m.startswith("plans.csv line 8 [start_date]: ") and "future" in m for m in messages)
    assert any(m.startswith("plans.csv line 9 [setting_team]: 'north' is not a setting") for m in messages)
    assert "plan_reviews.csv line 4 [ref]: plan ELSEWHERE is not in plans.csv" in messages
    assert "plan_reviews.csv line 5 [decision]: 'CEASE' is not one of MAINTAIN, AMEND" in messages
    # the plan whose review row is bad is kept out, with the line that keeps it out
    assert "plans.csv line 2 [ref]: not imported: its review on plan_reviews.csv line 5 is bad" in messages
    assert result.plans == []
    assert result.bad_rows == 11  # plans.csv lines 2-9, plan_reviews.csv lines 3-5


def test_plan_import_R6_refuses_an_amended_plan_inside_the_familys_15_days(tmp_path):
    result = planned(
        tmp_path,
        [plan_row("EARLY-1")],
        [
            review_row(
                "EARLY-1",
                "2024-03-01",
                "AMEND",
                "2024-03-10",
                amendment_notice_date="2024-03-12",
                amended_plan_date="2024-03-20",
            )
        ],
    )
    (error, keeps_out) = sorted(result.errors, key=lambda e: e.file != "plan_reviews.csv")
    assert (error.file, error.line, error.column) == ("plan_reviews.csv", 2, "amended_plan_date")
    assert "R6" in error.reason and "27 March 2024" in error.reason
    assert (keeps_out.file, keeps_out.line) == ("plans.csv", 2)


def test_plan_import_R9_R10_transfer_in_with_its_open_review(tmp_path):
    result = planned(
        tmp_path,
        [
            plan_row(
                "MOVED-1",
                start_date="2022-06-01",
                transferred_in_date="2026-10-01",
                old_last_review_date="2026-02-10",
                review_invited_date="2026-10-20",
                review_meeting_date="2026-11-20",
            )
        ],
        [],
    )
    assert result.errors == []
    (plan,) = result.plans
    # R10: the later of 12 months from the old council's last review and 3 months from the transfer
    assert open_review_due(plan.plan) == (PlanDuty.R10, date(2027, 2, 10))
    assert plan.plan.review.meeting_on == date(2026, 11, 20)


def test_plan_import_transfer_detail_needs_the_transfer(tmp_path):
    result = planned(tmp_path, [plan_row("ODD-1", old_last_review_date="2026-02-10")], [])
    assert [str(e) for e in result.errors] == [
        "plans.csv line 2 [old_last_review_date]: given without transferred_in_date"
    ]


def test_plan_import_R11_a_decision_to_cease_pending_its_appeal_keeps_the_plan_and_owes_no_review(tmp_path):
    # started March 2023, never reviewed: R1 passed in March 2024, but a decision to cease was notified
    # in August 2026 and the family appealed; the plan stays in force and no review is owed meanwhile
    result = planned(
        tmp_path,
        [
            plan_row(
                "CEASING-1", cease_decided_date="2026-08-03", cease_reason="2", cease_appeal_date="2026-09-01"
            ),
            plan_row("CEASING-2", cease_decided_date="2026-10-01", cease_reason="needs_met"),
            plan_row("CEASING-3", cease_decided_date="2026-10-01", cease_reason="5"),
            plan_row("CEASING-4", cease_appeal_date="2026-10-01"),
            plan_row("CEASING-5", cease_decided_date="2023-01-01", cease_reason="2"),
        ],
        [],
    )
    (plan,) = result.plans
    assert plan.plan.status.value == "ceasing" and plan.plan.in_force
    assert plan.plan.cease is not None and plan.plan.cease.appeal_pending
    view = plan_view(plan.plan, TODAY)
    assert not view.review_overdue and view.review_due is None
    assert [str(e) for e in result.errors] == [
        "plans.csv line 3 [cease_reason]: 'needs_met' is not one of 1, 2, 3, 4, 6, 7, 8, 9",
        "plans.csv line 4 [cease_reason]: '5' is not one of 1, 2, 3, 4, 6, 7, 8, 9",
        "plans.csv line 5 [cease_appeal_date]: given without cease_decided_date",
        "plans.csv line 6 [cease_decided_date]: " + result.errors[-1].reason,
    ]
    assert "start" in result.errors[-1].reason  # before the plan's start: the rule's own reason


def test_plan_import_R8_the_setting_named_with_its_team_convenes_the_reviews_after_the_amended_plan(tmp_path):
    # year 5 in March 2025: year 6 to 7 in September 2026, the setting named by 15 February 2026
    amended = {
        "amendment_notice_date": "2025-11-25",
        "named_setting": "100002",
        "amended_plan_date": "2026-01-30",
    }
    result = planned(
        tmp_path,
        [
            plan_row("MOVING-1", start_date="2025-03-10", year_group="5", setting_team="oak-primary"),
            plan_row("MOVING-2", start_date="2025-03-10", year_group="5", setting_team="oak-primary"),
            plan_row("MOVING-3", start_date="2025-03-10", year_group="5"),
        ],
        [
            review_row(
                "MOVING-1", "2025-11-03", "AMEND", "2025-11-20", named_setting_team="elm-secondary", **amended
            ),
            review_row(
                "MOVING-2", "2025-11-03", "AMEND", "2025-11-20", named_setting_team="north", **amended
            ),
            review_row(
                "MOVING-3", "2025-11-03", "MAINTAIN", "2025-11-20", named_setting_team="elm-secondary"
            ),
        ],
    )
    (plan,) = result.plans
    assert plan.plan.setting_team == "elm-secondary" and plan.plan.transfers[0].setting == "100002"
    assert [str(e) for e in result.errors] == [
        "plans.csv line 3 [ref]: not imported: its review on plan_reviews.csv line 3 is refused",
        "plans.csv line 4 [ref]: not imported: its review on plan_reviews.csv line 4 is bad",
        "plan_reviews.csv line 3 [named_setting_team]: 'north' is not a setting's team in the directory; "
        "valid teams: elm-secondary, oak-primary",
        "plan_reviews.csv line 4 [named_setting_team]: given without named_setting",
    ]


def test_example_plans_import_with_reviews_due_overdue_and_in_amendment():
    """docs/examples/plans.csv and plan_reviews.csv (make demo): every row good with the shipped directory."""
    examples = Path(__file__).resolve().parent.parent.parent / "docs" / "examples"
    teams = directory_teams(load_policy())
    today = london_date(datetime.now(UTC))
    result = plan_plans(
        read_plans(examples / "plans.csv"), read_reviews(examples / "plan_reviews.csv"), today, teams
    )
    assert result.errors == []
    views = {p.ref: plan_view(p.plan, today) for p in result.plans}
    assert len(views) == 7
    assert {ref for ref, v in views.items() if v.review_overdue} >= {"EH-2024-0001", "PL-2021-0107"}
    assert views["PL-2019-0042"].plan.amendment is not None  # in amendment: R7 runs from its notice
    assert views["PL-2025-0310"].review_due_rule is PlanDuty.R10  # transferred in
    assert sum(p.plan.reviews_completed for p in result.plans) == 12  # plan_reviews.csv, every row
