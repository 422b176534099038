"""A local mail catcher for `make run`: an SMTP server on loopback that keeps every mail.

Each message is saved as var/mail/<n>.eml and summarised in var/mail/inbox.log:

    tail -f var/mail/inbox.log

Nothing leaves the machine: this is where the engine's reminders and breach
alerts go when it runs on its embedded default.
"""

import asyncio
import sys
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

MAILDIR = Path("var") / "mail"  # the default; make run passes its own var folder


class KeepMail:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.count = len(list(folder.glob("*.eml")))

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        raw: bytes = envelope.original_content or envelope.content
        (self.folder / f"{self.count:05d}.eml").write_bytes(raw)
        msg = message_from_bytes(raw, policy=policy.default)
        line = (
            f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S}Z  to {', '.join(envelope.rcpt_tos)}  "
            f"{msg['subject']}  [{self.count:05d}.eml]\n"
        )
        with (self.folder / "inbox.log").open("a") as log:
            log.write(line)
        return "250 kept"


async def serve(port: int, folder: Path = MAILDIR) -> None:
    controller = Controller(KeepMail(folder), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        await asyncio.Event().wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    try:
        port = int(sys.argv[1]) if len(sys.argv) > 1 else 1025
        asyncio.run(serve(port, Path(sys.argv[2]) if len(sys.argv) > 2 else MAILDIR))
    except KeyboardInterrupt:
        pass
