"""What every channel takes and how it fails."""

from typing import Protocol

from ehcna.notifications.directory import Target
from ehcna.notifications.messages import Message


class DeliveryError(Exception):
    """A send that did not go through. ``permanent``: trying again cannot help (a refused address)."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class ChannelSender(Protocol):
    def accepts(self, target: Target) -> bool:
        """Whether this sender can reach ``target`` at all (a webhook with no URL configured cannot)."""
        ...

    async def send(self, target: Target, message: Message, key: str) -> None:
        """Deliver ``message`` to ``target``; return once the far end accepted it, else raise DeliveryError.

        ``key`` is the alert's unique key: passed on where the far end can use it to drop a repeat.
        """
        ...
