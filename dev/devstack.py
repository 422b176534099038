"""The embedded stack behind `make run`: Temporal dev server, worker (and web app).

The dev server keeps its state in var/temporal.db, so stopping with Ctrl-C
and running again resumes the same cases with their timers.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from ehcna.store.db import make_engine, session_factory
from ehcna.store.migrate import upgrade
from ehcna.web.demo import seed_demo_accounts
from workflows.search_attributes import dev_server_flags

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
BIN = Path(sys.executable).parent
TEMPORAL_PORT = int(os.environ.get("EHCNA_TEMPORAL_PORT", "7233"))
TEMPORAL_UI_PORT = int(os.environ.get("EHCNA_TEMPORAL_UI_PORT", "8233"))
WEB_PORT = int(os.environ.get("EHCNA_WEB_PORT", "8000"))
MAIL_PORT = int(os.environ.get("EHCNA_DEV_MAIL_PORT", "1025"))
DATABASE_URL = os.environ.get("EHCNA_DATABASE_URL", f"sqlite:///{VAR / 'ehcna.db'}")


def wait_for_port(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"nothing answered on port {port} within {seconds:.0f}s; see var/*.log")


def start(name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
    log = open(VAR / f"{name}.log", "ab")  # open as long as the process runs
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)  # stop cleanly under a supervisor too
    VAR.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": f"localhost:{TEMPORAL_PORT}",
        "EHCNA_DATABASE_URL": DATABASE_URL,
        "EHCNA_WEB_PORT": str(WEB_PORT),
        "EHCNA_PUBLIC_URL": f"http://localhost:{WEB_PORT}",
        # alerts go to the local mail catcher (devmail.py), never off the machine
        "EHCNA_SMTP_HOST": "127.0.0.1",
        "EHCNA_SMTP_PORT": str(MAIL_PORT),
        "EHCNA_SMTP_TLS": "none",
        "PYTHONUNBUFFERED": "1",
    }
    upgrade(DATABASE_URL)
    accounts = seed_demo_accounts(session_factory(make_engine(DATABASE_URL)), VAR)
    procs: list[subprocess.Popen] = []
    try:
        procs.append(
            start(
                "temporal",
                [
                    str(BIN / "temporal"),
                    "server",
                    "start-dev",
                    "--db-filename",
                    str(VAR / "temporal.db"),
                    "--port",
                    str(TEMPORAL_PORT),
                    "--ui-port",
                    str(TEMPORAL_UI_PORT),
                    "--log-level",
                    "warn",
                    *dev_server_flags(),
                ],
                env,
            )
        )
        wait_for_port(TEMPORAL_PORT)
        procs.append(start("mail", [sys.executable, "-m", "dev.devmail", str(MAIL_PORT)], env))
        wait_for_port(MAIL_PORT)
        procs.append(start("worker", [sys.executable, "worker.py"], env))
        procs.append(start("web", [sys.executable, "-m", "ehcna.web.app"], env))
        wait_for_port(WEB_PORT)
        print(f"Web app       http://localhost:{WEB_PORT}   (API docs: /docs)")
        for username, password, what in accounts:
            print(f"  sign in as  {username:<13} password {password:<14} {what}")
        print(f"Temporal UI   http://localhost:{TEMPORAL_UI_PORT}")
        print(f"Temporal      localhost:{TEMPORAL_PORT} (state kept in var/temporal.db)")
        print("Start a case  .venv/bin/python starter.py --ref EH-0001 --received 2026-09-01 --team north")
        print("Mail          tail -f var/mail/inbox.log   (every alert, kept in var/mail/*.eml)")
        print("Logs          var/temporal.log, var/worker.log, var/web.log")
        print("Ctrl-C stops everything.")
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
        failed = next(p for p in procs if p.poll() is not None)
        print(f"a process stopped unexpectedly (exit {failed.returncode}); see var/*.log", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping...")
        return 0
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in reversed(procs):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    sys.exit(main())
