"""``kpi`` and ``export``: the KPI overview and the extracts, from the command line.

    ehcna kpi --month 2026-10
    ehcna kpi --year 2025 --format json
    ehcna kpi --from 2026-04-01 --to 2026-09-30 --format csv
    ehcna export sen2 --out sen2.csv
    ehcna export kpis --format csv --month 2026-10 --out kpis.csv
    ehcna sen2 --year 2027 --out sen2-2027/

Bad input ends with a message naming the option and exit status 2; a
database that cannot be read ends with exit status 1.
"""

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO

from sqlalchemy import Connection
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from domain.clock import london_date
from domain.kpis import Period, parse_date, parse_month, parse_year
from ehcna.reports.exports import write_k1_monthly_csv, write_kpis_csv, write_kpis_json, write_sen2_csv
from ehcna.reports.overview import Overview, build_overview
from ehcna.reports.terminal import render
from ehcna.settings import Settings
from ehcna.store.db import make_engine, normalise_url

DATABASE_ERROR = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    kpi = subparsers.add_parser(
        "kpi",
        help="print the KPI overview",
        description="The monthly KPI overview: each measure for the period, the previous period and "
        "the same period a year earlier, and K1 by month for 24 months. Default period: the last "
        "complete month.",
    )
    _period_options(kpi)
    kpi.add_argument("--format", choices=["table", "json", "csv"], default="table")
    _database_option(kpi)
    kpi.set_defaults(handler=_kpi, parser=kpi)

    export = subparsers.add_parser("export", help="write KPIs or the SEN2 extract to a file")
    what = export.add_subparsers(dest="what", required=True, metavar="{sen2,kpis}")

    sen2 = what.add_parser("sen2", help="per-case SEN2 fields, one row per request (CSV)")
    sen2.add_argument("--out", type=Path, help="file to write (default: standard output)")
    sen2.add_argument("--from", dest="start", type=_as(parse_date), help="received on or after (YYYY-MM-DD)")
    sen2.add_argument("--to", dest="end", type=_as(parse_date), help="received on or before (YYYY-MM-DD)")
    sen2.add_argument("--with-ref", action="store_true", help="add the case reference as a first column")
    _database_option(sen2)
    sen2.set_defaults(handler=_export_sen2, parser=sen2)

    ret = subparsers.add_parser(
        "sen2",
        help="write the SEN2 return for a collection year and check it",
        description="The SEN2 person-level return (modules 1, 2, 3, 4a, 4b and 5a's annual review "
        "items), one CSV file per module, from the store; then the pre-submission check, each "
        "failure by child, module and item. "
        "Exit status 4 when a check fails (the files are still written).",
    )
    ret.add_argument("--year", type=_as(parse_year), required=True, help="the collection year, e.g. 2027")
    ret.add_argument(
        "--reference-date", type=_as(parse_date), help="the census date (default: DfE's for the year)"
    )
    ret.add_argument("--out", type=Path, default=Path("."), help="folder for the files (default: here)")
    _database_option(ret)
    ret.set_defaults(handler=_sen2_return, parser=ret)

    kpis = what.add_parser("kpis", help="the KPI overview as JSON or CSV")
    _period_options(kpis)
    kpis.add_argument("--format", choices=["json", "csv"], default="json")
    kpis.add_argument(
        "--table",
        choices=["overview", "k1-monthly"],
        default="overview",
        help="CSV only: the overview table, or K1 by month with the national figure",
    )
    kpis.add_argument("--out", type=Path, help="file to write (default: standard output)")
    _database_option(kpis)
    kpis.set_defaults(handler=_export_kpis, parser=kpis)


# ---------------------------------------------------------------- options


def _as(parse: Callable[[str], object]) -> Callable[[str], object]:
    """An argparse type from a domain parser: its message becomes argparse's, naming the option."""

    def convert(text: str) -> object:
        try:
            return parse(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    return convert


def _period_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--month", type=_as(parse_month), help="a calendar month, YYYY-MM")
    group.add_argument("--year", type=_as(parse_year), help="a calendar year, YYYY")
    group.add_argument("--from", dest="start", type=_as(parse_date), help="first day of a range, YYYY-MM-DD")
    parser.add_argument("--to", dest="end", type=_as(parse_date), help="last day of the range, YYYY-MM-DD")


def _database_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--database-url",
        help="the read model (default: $EHCNA_DATABASE_URL, else sqlite:///var/ehcna.db)",
    )


def _today() -> date:
    return london_date(datetime.now(UTC))


def _range(args: argparse.Namespace) -> Period | None:
    if args.start is None and args.end is None:
        return None
    if args.start is None or args.end is None:
        args.parser.error("--from and --to go together: give both dates of the range")
    if args.end < args.start:
        args.parser.error(f"--to {args.end} is before --from {args.start}")
    return Period.between(args.start, args.end)


def _period(args: argparse.Namespace) -> Period:
    if args.end is not None and (args.month or args.year):
        args.parser.error("--to goes with --from, not with --month or --year")
    return args.month or args.year or _range(args) or Period.month_of(_today()).previous()


@contextmanager
def _reading(args: argparse.Namespace, settings: Settings) -> Iterator[Connection]:
    """A connection to the read model, or exit with a message that names the database."""
    url = args.database_url or settings.database_url
    parsed = make_url(normalise_url(url))
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if not Path(parsed.database).exists():
            args.parser.error(f"--database-url: no database at {shown} (create it: ehcna migrate)")
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            yield conn
    except SQLAlchemyError as e:
        reason = str(getattr(e, "orig", None) or e).strip().splitlines()[0]
        print(f"error: cannot read the database {shown}: {reason}", file=sys.stderr)
        raise SystemExit(DATABASE_ERROR) from None
    finally:
        engine.dispose()


@contextmanager
def _output(path: Path | None) -> Iterator[TextIO]:
    if path is None:
        yield sys.stdout
        return
    with path.open("w", encoding="utf-8", newline="") as f:
        yield f


# ---------------------------------------------------------------- handlers


def _overview(args: argparse.Namespace, settings: Settings) -> Overview:
    period = _period(args)
    with _reading(args, settings) as conn:
        return build_overview(conn, period, _today())


def _kpi(args: argparse.Namespace, settings: Settings) -> int:
    overview = _overview(args, settings)
    match args.format:
        case "json":
            write_kpis_json(overview, sys.stdout)
        case "csv":
            write_kpis_csv(overview, sys.stdout)
        case _:
            sys.stdout.write(render(overview))
    return 0


def _export_kpis(args: argparse.Namespace, settings: Settings) -> int:
    overview = _overview(args, settings)
    with _output(args.out) as out:
        if args.format == "json":
            write_kpis_json(overview, out)
        elif args.table == "k1-monthly":
            write_k1_monthly_csv(overview, out)
        else:
            write_kpis_csv(overview, out)
    if args.out:
        print(f"wrote KPIs for {overview.period.label} to {args.out}", file=sys.stderr)
    return 0


def _received(args: argparse.Namespace) -> Period | None:
    """The SEN2 filter on ReceivedDate; either end may be left open."""
    if args.start is None and args.end is None:
        return None
    start, end = args.start or date.min, args.end or date.max
    if end < start:
        args.parser.error(f"--to {end} is before --from {start}")
    return Period.between(start, end)


def _export_sen2(args: argparse.Namespace, settings: Settings) -> int:
    received = _received(args)
    with _reading(args, settings) as conn, _output(args.out) as out:
        count = write_sen2_csv(conn, out, received=received, with_ref=args.with_ref)
    if args.out:
        print(f"wrote {count} requests to {args.out}", file=sys.stderr)
    return 0


CHECK_FAILED = 4


def _sen2_return(args: argparse.Namespace, settings: Settings) -> int:
    from ehcna.reports.sen2 import Collection, write_return

    try:
        collection = Collection.of(args.year.start.year, args.reference_date)
    except ValueError as e:
        args.parser.error(f"--year: {e}")
    with _reading(args, settings) as conn:
        result = write_return(conn, collection, args.out)
    print(
        f"SEN2 {collection.year} (reference date {collection.reference_date}, "
        f"covering {collection.period.start} to {collection.period.end}) in {args.out}:"
    )
    for module, n in result.counts.items():
        print(f"  {module:<16}{n:>8} rows")
    if not result.failures:
        print("pre-submission check: no failures")
        return 0
    print(f"pre-submission check: {len(result.failures)} failure(s)")
    for failure in result.failures:
        print(f"  {failure}")
    return CHECK_FAILED
