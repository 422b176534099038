"""The pure KPI definitions: figures, periods, changes, trends, bands, national figures."""

from datetime import date

import pytest

from domain.kpis import (
    IN_TIME_PLAN_DAYS,
    ISSUE_BANDS,
    NATIONAL,
    OPEN_BANDS,
    Figure,
    Period,
    PeriodKind,
    Trend,
    band_of,
    change,
    improving,
    months_ending,
    national_k1,
    parse_date,
    parse_month,
    parse_year,
    trend,
)


@pytest.mark.parametrize(
    ("figure", "text", "percent"),
    [
        (Figure(23, 29), "79.3% (23/29)", 79.3),
        (Figure(1, 16), "6.3% (1/16)", 6.3),  # 6.25 rounds half up, as councils' reports do
        (Figure(2, 3), "66.7% (2/3)", 66.7),
        (Figure(0, 5), "0.0% (0/5)", 0.0),
        (Figure(7, 7), "100.0% (7/7)", 100.0),
        (Figure(0, 0), "n/a (0/0)", None),
    ],
)
def test_a_figure_reads_as_percent_with_numerator_and_denominator(figure, text, percent):
    assert (str(figure), figure.percent) == (text, percent)


@pytest.mark.parametrize(("n", "d"), [(3, 2), (-1, 4), (0, -1)])
def test_a_figure_is_a_proportion(n, d):
    with pytest.raises(ValueError):
        Figure(n, d)


def test_change_is_in_points_between_the_figures_shown():
    # 2/3 shows 66.7%, 1/2 shows 50.0%: the change shown is their difference
    assert change(Figure(2, 3), Figure(1, 2)) == 16.7
    assert change(Figure(1, 2), Figure(2, 3)) == -16.7
    assert change(Figure(1, 2), Figure(0, 0)) is None
    assert change(5, 3) == 2
    assert change(19.0, 17.5) == 1.5
    assert change(None, 3) is None


def test_trend_follows_the_change_and_improving_follows_the_measure():
    assert [trend(x) for x in (2.5, -0.1, 0.0, None)] == [Trend.UP, Trend.DOWN, Trend.FLAT, Trend.UNKNOWN]
    assert [t.arrow for t in (Trend.UP, Trend.DOWN, Trend.FLAT)] == ["↑", "↓", "→"]
    assert improving(2.0, higher_is_better=True) is True
    assert improving(2, higher_is_better=False) is False  # a growing backlog
    assert improving(0.0, higher_is_better=True) is None
    assert improving(3, higher_is_better=None) is None


def test_week_bands_put_the_statutory_day_in_the_earlier_band():
    assert IN_TIME_PLAN_DAYS == 140
    assert [band_of(d, ISSUE_BANDS).key for d in (0, 140, 141, 364, 365)] == [
        "le20",
        "le20",
        "20to52",
        "20to52",
        "gt52",
    ]
    days = (0, 42, 43, 84, 85, 112, 113, 140, 141)
    assert [band_of(d, OPEN_BANDS).key for d in days] == [
        "0-6",
        "0-6",
        "6-12",
        "6-12",
        "12-16",
        "12-16",
        "16-20",
        "16-20",
        "20+",
    ]


def test_months_years_and_ranges_with_their_previous_and_year_earlier_periods():
    oct26 = Period.month(2026, 10)
    assert (oct26.start, oct26.end, oct26.label) == (date(2026, 10, 1), date(2026, 10, 31), "2026-10")
    assert oct26.previous() == Period.month(2026, 9)
    assert Period.month(2026, 1).previous() == Period.month(2025, 12)
    assert oct26.year_earlier() == Period.month(2025, 10)
    assert Period.month(2024, 2).end == date(2024, 2, 29)

    y = Period.year(2025)
    assert (y.label, y.previous(), y.year_earlier()) == ("2025", Period.year(2024), Period.year(2024))

    r = Period.between(date(2026, 4, 1), date(2026, 6, 30))  # 91 days
    assert r.kind is PeriodKind.RANGE and r.label == "2026-04-01..2026-06-30"
    assert r.previous() == Period.between(date(2025, 12, 31), date(2026, 3, 31))
    assert r.year_earlier() == Period.between(date(2025, 4, 1), date(2025, 6, 30))
    leap = Period.between(date(2024, 2, 29), date(2024, 3, 31))
    assert leap.year_earlier().start == date(2023, 2, 28)

    with pytest.raises(ValueError):
        Period.between(date(2026, 2, 1), date(2026, 1, 1))


def test_snapshot_date_is_the_end_of_the_period_or_today():
    oct26 = Period.month(2026, 10)
    assert oct26.snapshot_date(date(2026, 11, 20)) == date(2026, 10, 31)
    assert oct26.snapshot_date(date(2026, 10, 12)) == date(2026, 10, 12)


def test_months_ending():
    months = months_ending(date(2026, 10, 31), 24)
    assert (len(months), months[0].label, months[-1].label) == (24, "2024-11", "2026-10")


def test_parsing_names_what_is_expected():
    assert parse_month("2026-10") == Period.month(2026, 10)
    assert parse_year("2025") == Period.year(2025)
    assert parse_date("2026-04-01") == date(2026, 4, 1)
    with pytest.raises(ValueError, match="13 is not between 1 and 12"):
        parse_month("2026-13")
    with pytest.raises(ValueError, match="expected YYYY-MM"):
        parse_month("10/2026")
    with pytest.raises(ValueError, match="expected YYYY"):
        parse_year("twenty")
    with pytest.raises(ValueError, match="expected YYYY-MM-DD"):
        parse_date("2026-02-30")


def test_national_figures_match_the_published_percentages():
    published = {2019: 60.4, 2020: 58.0, 2021: 59.9, 2022: 49.2, 2023: 50.3, 2024: 46.4}
    assert {year: n.within_20_weeks.percent for year, n in NATIONAL.items()} == published
    assert str(national_k1(2024)) == "46.4% (39407/84866)"
    assert national_k1(2025) is None
