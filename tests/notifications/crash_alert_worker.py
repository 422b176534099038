"""A real worker process that dies between claiming an alert and sending it, once.

    python -m tests.notifications.crash_alert_worker ADDRESS TASK_QUEUE DATABASE_URL POLICY MARKER

It runs the product's notification port with a deliverer that, unless MARKER
exists, kills the process (os._exit, as kill -9 would) after the alert's row
is claimed and before the mail goes out. The restarted worker must send it, once.
"""

import asyncio
import os
import sys
from pathlib import Path

from domain.escalation import Channel
from ehcna.bootstrap import build_worker, channel_senders
from ehcna.gateway.client import connect
from ehcna.notifications.channels.base import DeliveryError
from ehcna.notifications.delivery import Deliverer, Outgoing
from ehcna.notifications.policy import load_policy
from ehcna.notifications.port import AlertingNotifications
from ehcna.settings import Settings
from ehcna.store.adapters import BreachRecordingNotifications, StoreCaseRecords
from ehcna.store.db import make_engine, session_factory


class DieBeforeSend(Deliverer):
    marker: Path

    async def _send_batch(self, channel: Channel, items: list[Outgoing]) -> list[DeliveryError | None]:
        if not self.marker.exists():
            self.marker.write_text(f"crashed before sending {', '.join(i.claim.key for i in items)}\n")
            os._exit(137)
        return await super()._send_batch(channel, items)


async def main(address: str, task_queue: str, url: str, policy_path: str, marker: str) -> None:
    policy = load_policy(policy_path)
    sessions = session_factory(make_engine(url))
    deliverer = DieBeforeSend(
        sessions,
        channel_senders(policy, Settings.from_env()),
        policy.delivery.give_up_after,
        policy.delivery.attempt_budget_seconds,
    )
    deliverer.marker = Path(marker)
    port = BreachRecordingNotifications(sessions, AlertingNotifications(policy, deliverer, sessions))
    client = await connect(Settings.from_env().model_copy(update={"temporal_address": address}))
    worker = build_worker(client, task_queue, records=StoreCaseRecords(sessions), notifications=port)
    print("worker ready", flush=True)
    await worker.run()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
