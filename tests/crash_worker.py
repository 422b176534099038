"""A real worker process that dies at the worst moment, once.

    python -m tests.crash_worker ADDRESS TASK_QUEUE DATABASE_URL CRASH_KEY MARKER

It writes the store through the product's own ports; after committing the
record whose key is CRASH_KEY it kills itself (os._exit) before the activity
can report success, unless MARKER exists. So the write is durable, Temporal
never hears of it, and the retried activity must write nothing twice.
"""

import asyncio
import os
import sys
from pathlib import Path

from domain.events import CaseEvent
from ehcna.bootstrap import build_worker
from ehcna.gateway.client import connect
from ehcna.settings import Settings
from ehcna.store.adapters import StoreCaseRecords
from ehcna.store.db import make_engine, session_factory


class DieAfterCommit(StoreCaseRecords):
    def __init__(self, sessions, crash_key: str, marker: Path) -> None:
        super().__init__(sessions)
        self._crash_key = crash_key
        self._marker = marker

    async def record_case_events(self, events: list[CaseEvent]) -> None:
        for event in events:  # one transaction each, so the crash comes right after its event's
            await self.record_case_event(event)

    async def record_case_event(self, event: CaseEvent) -> None:
        await super().record_case_event(event)
        if event.key == self._crash_key and not self._marker.exists():
            self._marker.write_text("crashed once\n")
            os._exit(137)  # as kill -9 would: no reply, no cleanup


async def main(address: str, task_queue: str, url: str, crash_key: str, marker: str) -> None:
    client = await connect(Settings.from_env().model_copy(update={"temporal_address": address}))
    records = DieAfterCommit(session_factory(make_engine(url)), crash_key, Path(marker))
    worker = build_worker(client, task_queue, records=records)
    print("worker ready", flush=True)
    await worker.run()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
