"""Logging configured while stderr was one stream still writes after that stream is replaced and
closed (a test's capture, a daemon's redirect), rather than failing with "Logging error"."""

import io
import json
import logging
import sys

from ehcna.logconfig import configure_logging


def test_logs_follow_stderr_after_the_stream_they_were_configured_with_is_closed(monkeypatch):
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    first, later = io.StringIO(), io.StringIO()
    try:
        monkeypatch.setattr(sys, "stderr", first)
        configure_logging(json=True)
        first.close()
        monkeypatch.setattr(sys, "stderr", later)
        logging.getLogger("ehcna.test").warning("after the swap")
        lines = later.getvalue().splitlines()
        assert len(lines) == 1 and json.loads(lines[0])["event"] == "after the swap"
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
