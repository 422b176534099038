"""Structured logs: JSON when not on a terminal, with the case reference on every line.

Standard-library records (Temporal's workflow and activity loggers included)
pass through the same structlog processors, so one format covers both.
"""

import logging
import sys
from typing import Any

import structlog

from ehcna.gateway.ids import CASE_ID_PREFIX, case_ref_of


def _case_ref_from_temporal(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    """Lift the case reference out of Temporal's workflow/activity context."""
    if "case_ref" in event:
        return event
    for key in ("temporal_workflow", "temporal_activity"):
        info = event.get(key)
        if isinstance(info, dict):
            wid = str(info.get("workflow_id", ""))
            if wid.startswith(CASE_ID_PREFIX):
                event["case_ref"] = case_ref_of(wid)
    return event


class _StderrHandler(logging.StreamHandler):
    """Writes to sys.stderr as it is at each record, not as it was when logging was configured:
    a stream replaced since (a test's capture, a daemon's redirect) may be closed by then."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _: Any) -> None:
        pass


def configure_logging(level: int = logging.INFO, json: bool | None = None) -> None:
    """Configure structlog and the standard library to render the same way."""
    if json is None:
        json = not sys.stderr.isatty()
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _case_ref_from_temporal,
    ]
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = _StderrHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
