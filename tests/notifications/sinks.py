"""Real servers on loopback for the channels to talk to: SMTP (aiosmtpd) and HTTP."""

import email
import email.policy
import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

# aiosmtpd logs each connection's end from its own thread, often after a test's captured
# stderr is closed ("--- Logging error ---" in the output): its chatter is not the tests' concern
logging.getLogger("mail.log").setLevel(logging.WARNING)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Mail:
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def to(self) -> str:
        assert len(self.rcpt_tos) == 1
        return self.rcpt_tos[0]

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        part = self.message.get_body(("plain",))
        assert part is not None
        return part.get_content().replace("\r\n", "\n")

    @property
    def html(self) -> str:
        part = self.message.get_body(("html",))
        assert part is not None
        return part.get_content().replace("\r\n", "\n")


class _Collect:
    def __init__(self, sink: "SmtpSink") -> None:
        self._sink = sink

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self._sink.lock:
            self._sink.sessions += 1  # one per connection: smtplib greets once per connection
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self._sink.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._sink.lock:
            self._sink.mails.append(Mail(list(envelope.rcpt_tos), msg))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"


@dataclass
class SmtpSink:
    """An SMTP server on 127.0.0.1 that keeps every message; ``stop``/``start`` make an outage."""

    port: int = field(default_factory=free_port)
    mails: list[Mail] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # addresses answered with 550
    sessions: int = 0  # connections greeted (EHLO)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(_Collect(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def received(self) -> list[Mail]:
        with self.lock:
            return list(self.mails)

    def wait_for(self, count: int, seconds: float = 30) -> list[Mail]:
        end = time.monotonic() + seconds
        while len(self.received()) < count:
            assert time.monotonic() < end, f"{len(self.received())} of {count} mails arrived"
            time.sleep(0.05)
        return self.received()


@contextmanager
def smtp_sink(running: bool = True) -> Iterator[SmtpSink]:
    sink = SmtpSink()
    if running:
        sink.start()
    try:
        yield sink
    finally:
        sink.stop()


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class HttpSink:
    """An HTTP server on 127.0.0.1; ``answer(n)`` gives the status of the n-th request (from 0)."""

    answer: Callable[[int], int] = lambda n: 200
    requests: list[Request] = field(default_factory=list)
    reply: dict[str, Any] = field(default_factory=dict)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def delivered(self) -> list[Request]:
        """Requests answered with a 2xx."""
        return [r for i, r in enumerate(self.requests) if 200 <= self.answer(i) < 300]


@contextmanager
def http_sink(answer: Callable[[int], int] = lambda n: 200, reply: dict[str, Any] | None = None):
    sink = HttpSink(answer=answer, reply=reply or {})
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                n = len(sink.requests)
                sink.requests.append(Request(self.path, dict(self.headers), json.loads(raw or b"null")))
            status = sink.answer(n)
            body = json.dumps(sink.reply if status < 300 else {"error": "unavailable"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    sink.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=sink.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        sink.server.shutdown()
        sink.server.server_close()
