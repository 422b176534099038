"""The project's command line: ``python cli.py <command> ...`` (or ``ehcna <command>``).

Each command lives beside the code it drives and registers itself here.
"""

import argparse
import sys
from collections.abc import Callable

from ehcna.logconfig import configure_logging

Register = Callable[[argparse._SubParsersAction], None]


def _commands() -> list[Register]:
    from ehcna.importer.command import register as register_import
    from ehcna.reports.command import register as register_reports

    return [register_reports, register_import]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ehcna", description="EHC needs assessment engine")
    sub = parser.add_subparsers(dest="command", required=True)
    for register in _commands():
        register(sub)
    args = parser.parse_args(argv)
    configure_logging()
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
