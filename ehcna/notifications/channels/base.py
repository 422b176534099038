"""What every channel takes and how it fails."""

from collections.abc import Sequence
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

    async def send_many(self, batch: Sequence["Send"]) -> list[DeliveryError | None]:
        """Deliver each of ``batch``; per message, None once the far end accepted it, else its error.

        Never raises for one message's failure: the others are still tried (email: on one connection).
        """
        ...


Send = tuple[Target, Message, str]  # a message to a recipient, with the alert's key


async def send_one_by_one(sender: ChannelSender, batch: Sequence[Send]) -> list[DeliveryError | None]:
    """``send_many`` for a channel with nothing to share between messages: each sent alone, in order."""
    out: list[DeliveryError | None] = []
    for target, message, key in batch:
        try:
            await sender.send(target, message, key)
        except DeliveryError as err:
            out.append(err)
        else:
            out.append(None)
    return out
