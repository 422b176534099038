"""The embedded stack behind `make run`: Temporal dev server, mail catcher, worker and web app.

The dev server keeps its state in var/temporal.db, so stopping with Ctrl-C
and running again resumes the same cases with their timers. A process that
dies is started again after a back-off (1 s, doubling to 30 s), with a line
saying so, rather than taking the others down; Ctrl-C stops them all and
exits with status 0. Everything under var/ is readable by its owner only.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ehcna.bootstrap import load_settings
from ehcna.settings import Settings
from ehcna.store.db import make_engine, session_factory
from ehcna.store.migrate import upgrade
from ehcna.web.demo import seed_demo_accounts, seed_demo_caseload
from workflows.search_attributes import dev_server_flags

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FIRST_BACKOFF, MAX_BACKOFF = 1.0, 30.0
STEADY_SECONDS = 60.0  # a process that ran this long before dying starts again at the first back-off
# the demo caseload: imported once the worker runs (again on each start: an import changes nothing twice)
DEMO_IMPORT = [
    "import",
    "docs/examples/cases.csv",
    "--advice",
    "docs/examples/advice.csv",
    "--exceptions",
    "docs/examples/exceptions.csv",
]
# plans in force with reviews due, overdue and in amendment, and their review history (three of them the
# plans the example caseload issued before the engine)
DEMO_PLAN_IMPORT = ["import-plans", "docs/examples/plans.csv", "--reviews", "docs/examples/plan_reviews.csv"]


def private_var(var: Path) -> None:
    """The var folder and all it holds, for its owner only (databases, logs, mail, the session key)."""
    os.umask(0o077)  # inherited by every process started here, so their files are born private
    var.mkdir(parents=True, exist_ok=True)
    for path in [var, *var.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o700 if path.is_dir() else 0o600)


def wait_for_port(port: int, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.2)
    return False


def say(text: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {text}", flush=True)


@dataclass
class Service:
    name: str
    args: list[str]
    port: int | None = None  # answered once the service is up
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    backoff: float = FIRST_BACKOFF
    restart_at: float | None = None
    log: IO[bytes] | None = field(default=None, repr=False)


class Stack:
    def __init__(self, var: Path, env: dict[str, str]) -> None:
        self.var = var
        self.env = env
        self.services: list[Service] = []
        self.jobs: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, service: Service) -> None:
        if service.log is None:
            service.log = (self.var / f"{service.name}.log").open("ab")  # open while the stack runs
        service.process = subprocess.Popen(
            service.args, cwd=ROOT, env=self.env, stdout=service.log, stderr=subprocess.STDOUT
        )
        service.started_at = time.monotonic()
        service.restart_at = None
        if service not in self.services:
            self.services.append(service)
        say(f"started {service.name} (pid {service.process.pid})")
        if service.port is not None and not wait_for_port(service.port):
            say(f"{service.name} did not answer on port {service.port}; see {self.var}/{service.name}.log")

    def watch_once(self) -> None:
        """Start again, after its back-off, each process that has died."""
        now = time.monotonic()
        for s in self.services:
            assert s.process is not None
            if s.restart_at is None and s.process.poll() is not None:
                if now - s.started_at > STEADY_SECONDS:
                    s.backoff = FIRST_BACKOFF
                say(
                    f"{s.name} stopped (exit {s.process.returncode}); starting it again in {s.backoff:g} s "
                    f"(see {self.var}/{s.name}.log)"
                )
                s.restart_at = now + s.backoff
                s.backoff = min(s.backoff * 2, MAX_BACKOFF)
            elif s.restart_at is not None and now >= s.restart_at:
                self.start(s)

    def run_once(self, name: str, args: list[str]) -> None:
        """A command that runs to its end beside the services (its output in var/<name>.log)."""
        with (self.var / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        self.jobs.append((name, process))

    def jobs_once(self) -> None:
        """Say which one-off commands have ended, and how."""
        for name, process in list(self.jobs):
            if process.poll() is not None:
                self.jobs.remove((name, process))
                outcome = "done" if process.returncode == 0 else f"failed (exit {process.returncode})"
                say(f"{name} {outcome}; see {self.var}/{name}.log")

    def stop(self) -> None:
        for _, process in self.jobs:
            process.terminate()
            process.wait()
        for s in reversed(self.services):
            if s.process is not None and s.process.poll() is None:
                s.process.send_signal(signal.SIGINT)
        for s in reversed(self.services):
            if s.process is None:
                continue
            try:
                s.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                s.process.kill()
                s.process.wait()
            if s.log is not None:
                s.log.close()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def environment(settings: Settings, var: Path, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "TEMPORAL_ADDRESS": f"localhost:{settings.dev_temporal_port}",
        "EHCNA_DATABASE_URL": database_url,
        "EHCNA_VAR_DIR": str(var),
        "EHCNA_WEB_PORT": str(settings.web_port),
        "EHCNA_PUBLIC_URL": f"http://localhost:{settings.web_port}",
        "EHCNA_TEMPORAL_UI_URL": f"http://localhost:{settings.dev_temporal_ui_port}",
        # alerts go to the local mail catcher (dev/devmail.py), never off the machine
        "EHCNA_SMTP_HOST": "127.0.0.1",
        "EHCNA_SMTP_PORT": str(settings.dev_mail_port),
        "EHCNA_SMTP_TLS": "none",
        "PYTHONUNBUFFERED": "1",
    }


def main() -> int:
    signal.signal(signal.SIGTERM, _interrupt)  # stop cleanly under a supervisor too
    settings = load_settings()
    var = settings.var_dir.resolve()
    private_var(var)
    default_url = Settings().database_url
    database_url = (
        f"sqlite:///{var / 'ehcna.db'}" if settings.database_url == default_url else settings.database_url
    )
    upgrade(database_url)
    sessions = session_factory(make_engine(database_url))
    accounts = seed_demo_accounts(sessions, var)
    seed_demo_caseload(sessions)  # the children and officers of the demo cases, before the cases
    stack = Stack(var, environment(settings, var, database_url))
    py = sys.executable
    try:
        temporal = [str(BIN / "temporal"), "server", "start-dev", "--db-filename", str(var / "temporal.db")]
        temporal += [
            "--port",
            str(settings.dev_temporal_port),
            "--ui-port",
            str(settings.dev_temporal_ui_port),
        ]
        # the UI asks the web app to decrypt payloads, with the signed-in person's session
        temporal += ["--ui-codec-endpoint", f"http://localhost:{settings.web_port}/codec"]
        stack.start(
            Service(
                "temporal",
                [*temporal, "--log-level", "warn", *dev_server_flags()],
                settings.dev_temporal_port,
            )
        )
        mail = [py, "-m", "dev.devmail", str(settings.dev_mail_port), str(var / "mail")]
        stack.start(Service("mail", mail, settings.dev_mail_port))
        stack.start(Service("worker", [py, "worker.py"]))
        stack.start(Service("web", [py, "-m", "ehcna", "web"], settings.web_port))
        stack.run_once("demo-import", [py, "-m", "ehcna", *DEMO_IMPORT])
        stack.run_once("demo-plans", [py, "-m", "ehcna", *DEMO_PLAN_IMPORT])
        print(f"Web app       http://localhost:{settings.web_port}   (API docs: /docs)")
        for username, password, what in accounts:
            print(f"  sign in as  {username:<13} password {password:<14} {what}")
        print("Demo cases    docs/examples/cases.csv, each with a fictional child and a named officer")
        print("Demo plans    docs/examples/plans.csv: reviews due, overdue and in amendment")
        print(f"Temporal UI   http://localhost:{settings.dev_temporal_ui_port}")
        print(f"Temporal      localhost:{settings.dev_temporal_port} (state kept in {var / 'temporal.db'})")
        print("Start a case  .venv/bin/python starter.py --ref EH-0001 --received 2026-09-01 --team north")
        print(f"Mail          tail -f {var / 'mail' / 'inbox.log'}   (every alert, kept as .eml beside it)")
        print(f"Logs          {var}/temporal.log, worker.log, web.log, mail.log")
        print("Ctrl-C stops everything.", flush=True)
        while True:
            stack.watch_once()
            stack.jobs_once()
            time.sleep(0.5)
    except KeyboardInterrupt:
        say("stopping...")
    finally:
        stack.stop()
    say("stopped: every process has ended")
    return 0


if __name__ == "__main__":
    sys.exit(main())
