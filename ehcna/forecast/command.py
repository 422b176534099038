"""``ehcna forecast``: the outlook from the command line.

    ehcna forecast --months 6
    ehcna forecast --scenario ep-service=+10/week --scenario demand=+20%
    ehcna forecast --as-of 2026-06-30 --backtest --format json
    ehcna forecast --format csv > outlook.csv

Progress goes to standard error. Bad input ends with the option and the reason, exit status 2; a
store with too little history to learn from says what it lacks, exit status 3.
"""

import argparse
import json
import sys
from datetime import UTC, date, datetime

from domain.clock import london_date
from ehcna.forecast.calibration import TooLittleHistory
from ehcna.forecast.outlook import (
    DEFAULT_MONTHS,
    DEFAULT_RUNS,
    DEFAULT_SEED,
    DEFAULT_WINDOW,
    Backtest,
    Outlook,
    backtest,
    backtest_json,
    difference,
    make_outlook,
    outlook_json,
    parse_as_of,
    write_outlook_csv,
)
from ehcna.forecast.scenario import Refused, parse_scenario
from ehcna.reports.command import _database_option, _reading
from ehcna.settings import Settings

TOO_LITTLE_HISTORY = 3
OPTIONS = {
    "scenario": "--scenario",
    "months": "--months",
    "as_of": "--as-of",
    "runs": "--runs",
    "window": "--window",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "forecast",
        help="forecast timeliness from demand and capacity (the outlook)",
        description="K1, K5 and K9 for the months ahead with an 80%% range, each open case's chance of a "
        "final plan within 20 weeks, each provider team's queue; beside a what-if scenario; or a backtest "
        "from a past date against what then happened.",
    )
    p.add_argument("--months", type=int, default=DEFAULT_MONTHS, help="months ahead, 1 to 24 (default 6)")
    p.add_argument(
        "--scenario",
        action="append",
        default=[],
        metavar="CHANGE",
        help="e.g. ep-service=+10/week, ep-service=38/week@2026-07-01..2026-09-30, demand=+20%%, "
        "demand=50/week, officers=+10%% (repeat, or separate with commas)",
    )
    p.add_argument("--as-of", help="forecast from what the store held at the end of this date (YYYY-MM-DD)")
    p.add_argument("--backtest", action="store_true", help="set the forecast against what then happened")
    p.add_argument("--window", type=int, default=DEFAULT_WINDOW, help="months of history to learn from")
    p.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="Monte Carlo runs (default 500)")
    p.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="the runs' seed: the same seed, the same figures"
    )
    p.add_argument("--processes", type=int, default=1, help="spread the runs over this many processes")
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")
    _database_option(p)
    p.set_defaults(handler=_forecast, parser=p)


def _progress(done: int, total: int) -> None:
    print(f"\rforecast: {done}/{total} runs", end="" if done < total else "\n", file=sys.stderr, flush=True)


def _forecast(args: argparse.Namespace, settings: Settings) -> int:
    today = london_date(datetime.now(UTC))
    parser: argparse.ArgumentParser = args.parser
    try:
        as_of: date = parse_as_of(args.as_of) if args.as_of else today
        scenario = parse_scenario(args.scenario)
        if args.processes < 1 or args.processes > 16:
            raise Refused("processes", "between 1 and 16")
        with _reading(args, settings) as conn:
            common = {
                "months": args.months,
                "runs": args.runs,
                "seed": args.seed,
                "window_months": args.window,
                "processes": args.processes,
                "progress": _progress,
            }
            if args.backtest:
                result: Outlook | Backtest = backtest(conn, as_of, today, **common)
            else:
                result = make_outlook(conn, as_of, today, scenario=scenario, **common)
    except Refused as err:
        parser.error(f"{OPTIONS.get(err.field, '--' + err.field)}: {err.reason}")
    except TooLittleHistory as err:
        print(f"ehcna forecast: {err}", file=sys.stderr)
        return TOO_LITTLE_HISTORY
    if isinstance(result, Backtest):
        if args.format == "json":
            json.dump(backtest_json(result), sys.stdout, indent=2)
            print()
        else:
            sys.stdout.write(render_backtest(result))
        return 0
    match args.format:
        case "json":
            json.dump(outlook_json(result), sys.stdout, indent=2)
            print()
        case "csv":
            write_outlook_csv(result, sys.stdout)
        case _:
            sys.stdout.write(render(result))
    return 0


def render(outlook: Outlook) -> str:
    """The outlook for a terminal: what was learnt, the months ahead, the queues, the cases most at risk."""
    lines = [
        f"Outlook from {outlook.as_of:%-d %B %Y}: {outlook.runs} runs, seed {outlook.seed}, "
        f"learnt from the {outlook.window_months} months to that date",
        "",
        "What it learnt (and how many cases or requests each rests on):",
    ]
    lines += [f"  {r.what:<52} {r.value}  [{r.rests_on}]" for r in outlook.summary]
    lines += ["", "Months ahead: median (80% range)"]
    header = f"  {'month':<9}{'K1 plans within 20 weeks':<30}{'plans':<18}{'K9 past 20 weeks':<20}"
    if outlook.scenario:
        header += f"{'K1 with the scenario':<30}change"
    lines.append(header)
    diffs = {d["month"]: d for d in difference(outlook)}
    for i, m in enumerate(outlook.baseline.months):
        row = f"  {m.month.label:<9}{m.k1.words('%'):<30}{m.k1_plans.words():<18}{m.k9.words():<20}"
        if outlook.scenario:
            s = outlook.scenario.months[i]
            d = diffs[m.month.label]["k1_points"]
            row += f"{s.k1.words('%'):<30}{'' if d is None else f'{d:+.1f} pts'}"
        lines.append(row)
    if outlook.scenario:
        lines += ["", "Scenario: " + "; ".join(outlook.scenario.scenario.words())]
    last = outlook.baseline.months[-1]
    lines += ["", f"Advice awaited by each provider team at the end of {last.month.start:%B %Y}:"]
    lines += [f"  {team:<30}{band.words()}" for team, band in last.queues.items()]
    lines.append(f"  {'cases waiting for an officer':<30}{last.officers_waiting.words()}")
    risky = sorted(outlook.baseline.cases, key=lambda c: -c.p_late)[:10]
    if risky:
        lines += ["", "Open cases most likely to pass 20 weeks:"]
        for c in risky:
            issue = f"{c.issue_median:%-d %b %Y}" if c.issue_median else "no plan likely"
            lines.append(f"  {c.ref:<16}{c.stage:<14}{c.p_late:>6.0%} past 20 weeks   plan likely {issue}")
    return "\n".join(lines) + "\n"


def render_backtest(bt: Backtest) -> str:
    lines = [
        f"Backtest from {bt.outlook.as_of:%-d %B %Y}: the forecast made from what the store held then, "
        "against what happened",
        f"  {'month':<9}{'K1 forecast':<28}{'K1 actual':<22}{'error':<12}{'K9 forecast':<20}K9 actual",
    ]
    for r in bt.months:
        actual = "not over yet" if r.actual is None else str(r.actual)
        error = "" if r.error is None else f"{r.error:+.1f} pts"
        k9 = "" if r.k9_actual is None else str(r.k9_actual)
        k9_forecast = r.k9_forecast.words()
        lines.append(
            f"  {r.month.label:<9}{r.forecast.words('%'):<28}{actual:<22}{error:<12}{k9_forecast:<20}{k9}"
        )
    if bt.mean_absolute_error is not None:
        lines.append(f"K1 mean absolute error: {bt.mean_absolute_error:.1f} points")
    if bt.brier is not None:
        lines.append(
            f"Each open case's chance of a plan within 20 weeks: Brier score {bt.brier:.3f} over "
            f"{bt.cases_scored} cases (giving each the historic rate: {bt.brier_baseline:.3f}; "
            "lower is better)"
        )
    return "\n".join(lines) + "\n"
