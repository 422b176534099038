"""Running ``import-plans`` and ``start-plan`` as the CLI does, in the test's event loop."""

import argparse
import io

from ehcna.importer.plans_command import import_plans, register, start_one
from ehcna.settings import Settings
from tests.importer.cli import Run


def parse(command: str, argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ehcna")
    register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args([command, *argv])


async def run_import_plans(*argv: object) -> Run:
    out, err = io.StringIO(), io.StringIO()
    status = await import_plans(parse("import-plans", [str(a) for a in argv]), Settings.from_env(), out, err)
    return Run(status, out.getvalue(), err.getvalue())


async def run_start_plan(*argv: object) -> Run:
    out, err = io.StringIO(), io.StringIO()
    status = await start_one(parse("start-plan", [str(a) for a in argv]), Settings.from_env(), out, err)
    return Run(status, out.getvalue(), err.getvalue())
