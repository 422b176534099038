"""The manager pages' tables as CSV files, each download audited (who took which table, when), as the
SEN2 files are: the tables name cases, officers and teams."""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import Response

from domain.commands import Actor
from ehcna.store.audit import append_audit
from ehcna.web.services import Services

# a spreadsheet reads a cell starting with one of these as a formula (OWASP: CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A value as a CSV cell: a text that a spreadsheet would run as a formula (a child's name typed as
    "=HYPERLINK(...)") starts with a single quote, so it is shown as typed; numbers are left as they
    are, negative ones too."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([cell(h) for h in header])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return out.getvalue()


def audited_csv(
    svc: Services,
    actor: Actor,
    *,
    table: str,
    filename: str,
    header: Sequence[str],
    rows: Sequence[Sequence[Any]],
    detail: dict[str, Any] | None = None,
) -> Response:
    """``rows`` as a CSV attachment named ``filename``; the download is audited as ``<table>_download``."""
    body = csv_text(header, rows)
    now = datetime.now(UTC)
    with svc.sessions.begin() as session:
        append_audit(
            session,
            key=f"{table}-download:{actor.user}:{filename}:{now.isoformat()}",
            case_ref=None,
            seq=None,
            action=f"{table}_download",
            by=actor,
            at=now,
            detail={"file": filename, "rows": len(rows), **(detail or {})},
        )
    return Response(
        body, media_type="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
