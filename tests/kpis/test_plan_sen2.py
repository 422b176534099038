"""The SEN2 return's plan items from the plans in force the store keeps: module 4a's StartDate,
CeaseDate and CeaseReason, and the annual review items of module 5a (ReviewMeeting, ReviewOutcome,
LastReview), for collection year 2026 (calendar year 2025, census date 15 January 2026)."""

from datetime import date

from domain.plan import CeaseReason, ReviewOutcome
from ehcna.reports.sen2 import MODULES, Collection, read_module, write_return
from tests.kpis.cohort import plan_issued, save_all
from tests.kpis.plan_cohort import PlanBuilder


def test_named_plan_and_annual_review_items(db, tmp_path):
    save_all(
        db,
        plan_issued("C-1", date(2025, 3, 10), 120),
        plan_issued("C-2", date(2024, 6, 3), 130),
        plan_issued("C-3", date(2024, 2, 5), 110),
        plan_issued("C-4", date(2025, 6, 2), 100),  # no plan workflow recorded (before the engine kept plans)
    )
    # reviewed in December, amended by a decision notified on 5 January, before the census date
    PlanBuilder(db, "C-1", date(2025, 3, 10)).review(date(2025, 12, 1), date(2026, 1, 5), ReviewOutcome.AMEND)
    # ceased on 30 September 2025 (decided in August): CeaseDate and CeaseReason, no 5a row
    PlanBuilder(db, "C-2", date(2024, 6, 3)).cease(
        date(2025, 8, 1), date(2025, 9, 30), CeaseReason.HIGHER_EDUCATION
    )
    # maintained in February 2025; met again on 10 January 2026, decided after the census date
    PlanBuilder(db, "C-3", date(2024, 2, 5)).review(date(2025, 1, 20), date(2025, 2, 10)).review(
        date(2026, 1, 10), date(2026, 1, 30)
    )
    with db.engine.connect() as conn:
        result = write_return(conn, Collection.of(2026), tmp_path)
    files = {m: read_module(tmp_path / f"sen2_2026_{m}.csv") for m in MODULES}
    named = {
        r["RequestID"]: (r["StartDate"], r["CeaseDate"], r["CeaseReason"]) for r in files["4a_named_plan"]
    }
    assert named == {
        "C-1": ("2025-03-10", "", ""),
        "C-2": ("2024-06-03", "2025-09-30", "3"),
        "C-3": ("2024-02-05", "", ""),
        "C-4": ("2025-06-02", "", ""),
    }
    reviews = {
        r["RequestID"]: (r["ReviewMeeting"], r["ReviewOutcome"], r["LastReview"])
        for r in files["5a_active_plans"]
    }
    assert reviews == {
        "C-1": ("2025-12-01", "A", "2026-01-05"),
        "C-3": ("2026-01-10", "", "2025-02-10"),  # the latest meeting's decision came after the census
    }
    assert result.counts["5a_active_plans"] == 2 and result.counts["4a_named_plan"] == 4


def test_a_plan_ceased_after_the_collection_year_is_returned_active(db, tmp_path):
    save_all(db, plan_issued("C-5", date(2024, 9, 2), 120))
    # ceased in March 2026: in force on 31 December 2025, so no CeaseDate in the 2026 return; never
    # reviewed (its review fell due in September 2025)
    PlanBuilder(db, "C-5", date(2024, 9, 2)).cease(date(2026, 2, 1), date(2026, 3, 2))
    with db.engine.connect() as conn:
        write_return(conn, Collection.of(2026), tmp_path)
    [named] = read_module(tmp_path / "sen2_2026_4a_named_plan.csv")
    assert (named["CeaseDate"], named["CeaseReason"]) == ("", "")
    [active] = read_module(tmp_path / "sen2_2026_5a_active_plans.csv")
    assert (active["ReviewMeeting"], active["ReviewOutcome"], active["LastReview"]) == ("", "", "")


def test_a_plan_that_ended_before_the_collection_year_is_not_returned(db, tmp_path):
    save_all(db, plan_issued("C-6", date(2022, 5, 9), 120), plan_issued("C-7", date(2022, 5, 9), 120))
    PlanBuilder(db, "C-6", date(2022, 5, 9)).cease(date(2024, 4, 1), date(2024, 5, 1))  # ended in 2024
    PlanBuilder(db, "C-7", date(2022, 5, 9)).transfer_out(date(2025, 1, 1))  # ended on the year's first day
    with db.engine.connect() as conn:
        result = write_return(conn, Collection.of(2026), tmp_path)
    requests = [r["RequestID"] for r in read_module(tmp_path / "sen2_2026_2_requests.csv")]
    assert requests == ["C-7"]
    [named] = read_module(tmp_path / "sen2_2026_4a_named_plan.csv")
    assert (named["RequestID"], named["CeaseDate"], named["CeaseReason"]) == ("C-7", "2025-01-01", "5")
    assert result.counts["5a_active_plans"] == 0
