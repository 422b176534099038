"""Running ``import`` as the CLI does, in the test's event loop."""

import argparse
import io
from dataclasses import dataclass

from ehcna.importer.command import import_files, register
from ehcna.settings import Settings


@dataclass
class Run:
    status: int
    out: str
    err: str


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="ehcna")
    register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["import", *argv])


async def run_import(*argv: object) -> Run:
    out, err = io.StringIO(), io.StringIO()
    status = await import_files(parse([str(a) for a in argv]), Settings.from_env(), out, err)
    return Run(status, out.getvalue(), err.getvalue())


def count(summary: str, label: str) -> int:
    """A count from the summary the command prints (``  closed cases loaded   3``)."""
    line = next(line for line in summary.splitlines() if line.strip().startswith(label))
    return int(line.split()[-1])
