"""K1 by month as an SVG bar chart with the national figure as a reference line, drawn on the server.

No script and no CDN: the chart is markup in the page. It is an image with a
title and a description (role="img"), and the page also shows every figure
in a table, so nothing is only in the picture. Bars, the dashed national line
and the dotted "latest published" line differ in shape, not only in colour.
"""

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from domain.kpis import Figure
from ehcna.reports.overview import ChartPoint
from ehcna.reports.terminal import format_value

WIDTH, HEIGHT = 960, 380
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 56
BAR_COLOUR = "#1d70b8"  # GOV.UK blue
LINE_COLOUR = "#0b0c0c"  # GOV.UK text colour
GRID_COLOUR = "#b1b4b6"  # GOV.UK border colour
MUTED_COLOUR = "#505a5f"  # GOV.UK secondary text colour


@dataclass(frozen=True)
class ChartRow:
    month: str  # "October 2026"
    k1: str  # "79.3% (23/29)", "n/a (0/0)"
    national: str  # "46.4% (39,407/84,866)", or why there is none


@dataclass(frozen=True)
class Chart:
    svg: Markup
    description: str  # the text alternative, in words
    rows: list[ChartRow]


def k1_chart(points: list[ChartPoint], element_id: str = "k1-chart") -> Chart:
    if not points:
        raise ValueError("a chart needs at least one month")
    latest_national = _latest_national(points)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / len(points)

    def y(percent: float) -> float:
        return TOP + plot_h * (1 - percent / 100)

    parts: list[str] = []
    for pct in range(0, 101, 20):  # gridlines and the y axis
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(pct):.1f}" y2="{y(pct):.1f}" '
            f'stroke="{GRID_COLOUR}" stroke-width="1"/>'
            f'<text x="{LEFT - 8}" y="{y(pct) + 5:.1f}" text-anchor="end">{pct}%</text>'
        )
    for i, point in enumerate(points):
        x0 = LEFT + i * slot
        percent = point.k1.percent
        if percent is not None:
            top = y(percent)
            parts.append(
                f'<rect x="{x0 + slot * 0.2:.1f}" y="{top:.1f}" width="{slot * 0.6:.1f}" '
                f'height="{TOP + plot_h - top:.1f}" fill="{BAR_COLOUR}"/>'
            )
        label = f"{point.month.start:%b}"
        parts.append(
            f'<text x="{x0 + slot / 2:.1f}" y="{TOP + plot_h + 20}" text-anchor="middle">{label}</text>'
        )
        if i == 0 or point.month.start.month == 1:
            parts.append(
                f'<text x="{x0 + slot / 2:.1f}" y="{TOP + plot_h + 40}" text-anchor="middle" '
                f'font-weight="bold">{point.month.start.year}</text>'
            )
    parts += _national_lines(points, latest_national, slot, y)
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" '
        f'stroke="{LINE_COLOUR}" stroke-width="2"/>'
    )
    description = describe(points, latest_national)
    title = "EHC plans issued within 20 weeks, excluding exceptions (K1), by month, with the national figure"
    svg = (
        f'<svg class="app-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" focusable="false" '
        f'aria-labelledby="{element_id}-title {element_id}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{element_id}-title">{escape(title)}</title>'
        f'<desc id="{element_id}-desc">{escape(description)}</desc>' + "".join(parts) + "</svg>"
    )
    rows = [
        ChartRow(f"{p.month.start:%B %Y}", format_value(p.k1), _national_text(p, latest_national))
        for p in points
    ]
    return Chart(Markup(svg), description, rows)


def _national_lines(
    points: list[ChartPoint], latest: ChartPoint | None, slot: float, y: Callable[[float], float]
) -> list[str]:
    """One step line per run of months: dashed where the year's figure is published, dotted
    (the latest published year's figure, repeated) where it is not yet."""
    lines: list[str] = []
    run: list[str] = []
    run_style: str | None = None

    def close() -> None:
        if run:
            published = run_style == "published"
            dash, cap = ("10 6", "butt") if published else ("2 6", "round")
            colour = LINE_COLOUR if published else MUTED_COLOUR
            lines.append(
                f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="3" '
                f'stroke-dasharray="{dash}" stroke-linecap="{cap}"/>'
            )

    for i, point in enumerate(points):
        figure, style = _national_for(point, latest)
        if figure is None or figure.percent is None:
            close()
            run, run_style = [], None
            continue
        if style != run_style:
            close()
            run, run_style = [], style
        yy = y(figure.percent)
        run += [f"{LEFT + i * slot:.1f},{yy:.1f}", f"{LEFT + (i + 1) * slot:.1f},{yy:.1f}"]
    close()
    return lines


def _national_for(point: ChartPoint, latest: ChartPoint | None) -> tuple[Figure | None, str | None]:
    if point.national is not None:
        return point.national, "published"
    if latest is not None and latest.national is not None and point.month.start > latest.month.start:
        return latest.national, "latest"
    return None, None


def _latest_national(points: list[ChartPoint]) -> ChartPoint | None:
    return next((p for p in reversed(points) if p.national is not None), None)


def _national_text(point: ChartPoint, latest: ChartPoint | None) -> str:
    if point.national is not None:
        return f"{point.national.percent:.1f}% ({point.national.numerator:,}/{point.national.denominator:,})"
    if latest is not None and latest.national is not None and point.month.start > latest.month.start:
        return f"not yet published (latest: {latest.month.start.year}, {latest.national.percent:.1f}%)"
    return "not published"


def describe(points: list[ChartPoint], latest_national: ChartPoint | None = None) -> str:
    """The chart in words: the range, the latest month, the best and worst months, the national line."""
    first, last = points[0].month.start, points[-1].month.start
    with_plans = [p for p in points if p.k1.percent is not None]
    words = [f"Bar chart of K1 for the {len(points)} months from {first:%B %Y} to {last:%B %Y}."]
    words.append(f"Latest month, {last:%B %Y}: {format_value(points[-1].k1)}.")
    if with_plans:
        best = max(with_plans, key=lambda p: p.k1.percent or 0.0)
        worst = min(with_plans, key=lambda p: p.k1.percent or 0.0)
        words.append(
            f"Highest: {best.month.start:%B %Y}, {best.k1.percent:.1f}%. "
            f"Lowest: {worst.month.start:%B %Y}, {worst.k1.percent:.1f}%."
        )
    else:
        words.append("No plans were issued in these months.")
    if latest_national is None:
        latest_national = _latest_national(points)
    if latest_national is not None and latest_national.national is not None:
        words.append(
            f"The dashed line is the national figure for England of each year; the latest published is "
            f"{latest_national.national.percent:.1f}% for {latest_national.month.start.year}"
            + (
                ", repeated as a dotted line for the months since."
                if latest_national is not points[-1]
                else "."
            )
        )
    else:
        words.append("No national figure is published for these years.")
    return " ".join(words)
