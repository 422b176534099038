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

from ehcna.bootstrap import load_settings
from ehcna.store.db import make_engine, session_factory
from ehcna.store.migrate import upgrade
from ehcna.web.demo import seed_demo_accounts
from workflows.search_attributes import dev_server_flags

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
BIN = Path(sys.executable).parent


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
    settings = load_settings()
    temporal_port, temporal_ui_port = settings.dev_temporal_port, settings.dev_temporal_ui_port
    web_port, mail_port = settings.web_port, settings.dev_mail_port
    database_url = settings.database_url
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": f"localhost:{temporal_port}",
        "EHCNA_DATABASE_URL": database_url,
        "EHCNA_WEB_PORT": str(web_port),
        "EHCNA_PUBLIC_URL": f"http://localhost:{web_port}",
        # alerts go to the local mail catcher (devmail.py), never off the machine
        "EHCNA_SMTP_HOST": "127.0.0.1",
        "EHCNA_SMTP_PORT": str(mail_port),
        "EHCNA_SMTP_TLS": "none",
        "PYTHONUNBUFFERED": "1",
    }
    upgrade(database_url)
    accounts = seed_demo_accounts(session_factory(make_engine(database_url)), VAR)
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
                    str(temporal_port),
                    "--ui-port",
                    str(temporal_ui_port),
                    "--log-level",
                    "warn",
                    *dev_server_flags(),
                ],
                env,
            )
        )
        wait_for_port(temporal_port)
        procs.append(start("mail", [sys.executable, "-m", "dev.devmail", str(mail_port)], env))
        wait_for_port(mail_port)
        procs.append(start("worker", [sys.executable, "worker.py"], env))
        procs.append(start("web", [sys.executable, "-m", "ehcna", "web"], env))
        wait_for_port(web_port)
        print(f"Web app       http://localhost:{web_port}   (API docs: /docs)")
        for username, password, what in accounts:
            print(f"  sign in as  {username:<13} password {password:<14} {what}")
        print(f"Temporal UI   http://localhost:{temporal_ui_port}")
        print(f"Temporal      localhost:{temporal_port} (state kept in var/temporal.db)")
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
