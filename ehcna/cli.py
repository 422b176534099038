"""The engine's command line: ``ehcna <command> ...`` (or ``python -m ehcna <command> ...``).

Each command lives beside the code it drives and registers itself here; the
settings are read once, here, and given to it.
"""

import argparse
import sys
from collections.abc import Callable

from ehcna.logconfig import configure_logging
from ehcna.settings import Settings

Register = Callable[[argparse._SubParsersAction], None]


def _commands() -> list[Register]:
    from ehcna.forecast.command import register as register_forecast
    from ehcna.importer.command import register as register_import
    from ehcna.importer.plans_command import register as register_plan_import
    from ehcna.reports.command import register as register_reports
    from ehcna.web.account_commands import register as register_accounts

    return [
        register_reports,
        register_import,
        register_plan_import,
        register_accounts,
        register_forecast,
        _register_services,
    ]


def _register_services(sub: argparse._SubParsersAction) -> None:
    """The long-running parts and the schema, as the production images start them."""
    web = sub.add_parser("web", help="serve the web app and API (EHCNA_WEB_HOST, EHCNA_WEB_PORT)")
    web.set_defaults(handler=_web)
    worker = sub.add_parser("worker", help="run the worker: the workflows, records and alerts")
    worker.set_defaults(handler=_worker)
    migrate = sub.add_parser("migrate", help="bring the read model (EHCNA_DATABASE_URL) to the latest schema")
    migrate.set_defaults(handler=_migrate)


def _web(args: argparse.Namespace, settings: Settings) -> int:
    from ehcna.bootstrap import run_web

    run_web(settings)
    return 0


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from ehcna.bootstrap import main_worker

    main_worker(settings)
    return 0


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    from ehcna.store.migrate import upgrade

    upgrade(settings.database_url)
    print("the database is at the latest schema")
    return 0


def main(argv: list[str] | None = None) -> int:
    from ehcna.bootstrap import load_settings

    parser = argparse.ArgumentParser(prog="ehcna", description="EHC needs assessment engine")
    sub = parser.add_subparsers(dest="command", required=True)
    for register in _commands():
        register(sub)
    args = parser.parse_args(argv)
    configure_logging()
    return int(args.handler(args, load_settings()) or 0)


if __name__ == "__main__":
    sys.exit(main())
