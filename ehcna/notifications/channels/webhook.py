"""Webhooks: an HTTP POST with a JSON body, or a chat message Teams and Slack accept."""

import asyncio
from collections.abc import Sequence
from enum import StrEnum
from typing import Any, Self

import httpx
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ehcna.notifications.channels.base import DeliveryError, Send, send_one_by_one
from ehcna.notifications.directory import Target
from ehcna.notifications.messages import Message
from ehcna.settings import WEBHOOK_URL_PREFIX, Settings


class WebhookFormat(StrEnum):
    JSON = "json"  # {"key", "subject", "text", "link", "facts": {...}} for a system to consume
    CHAT = "chat"  # {"text": ...}: what Teams and Slack incoming webhooks accept


class WebhookConfig(BaseModel):
    """A ``[webhooks.<name>]`` section. A URL that is itself a secret comes from ``url_env``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str | None = Field(default=None, pattern=r"^https?://")
    url_env: str | None = Field(default=None, pattern=rf"^{WEBHOOK_URL_PREFIX}[A-Z0-9_]+$")
    format: WebhookFormat = WebhookFormat.JSON
    timeout_seconds: float = Field(default=2.0, gt=0, le=30)
    # quick retries within one attempt; past them the activity's own retry backs off
    retries: int = Field(default=2, ge=0, le=5)
    retry_delay_seconds: float = Field(default=0.5, ge=0, le=5)

    @model_validator(mode="after")
    def _one_url(self) -> Self:
        if (self.url is None) == (self.url_env is None):
            raise ValueError("give exactly one of url and url_env (the name of a variable holding the URL)")
        return self


RETRYABLE_STATUS = {408, 425, 429}


def body(message: Message, key: str, fmt: WebhookFormat) -> dict[str, Any]:
    if fmt is WebhookFormat.CHAT:
        lines = [f"**{message.subject}**", *(f"{k}: {v}" for k, v in message.facts.items())]
        if message.link:
            lines.append(message.link)
        return {"text": "\n\n".join(lines)}
    return {
        "key": key,
        "subject": message.subject,
        "text": message.text,
        "link": message.link,
        "facts": message.facts,
    }


class WebhookSender:
    """Implements ``ChannelSender`` for the webhooks named in the policy."""

    def __init__(self, configs: dict[str, WebhookConfig], urls: dict[str, str]) -> None:
        self._configs = configs
        self._urls = urls

    @classmethod
    def from_settings(cls, configs: dict[str, WebhookConfig], settings: Settings) -> Self:
        """Each webhook with a URL; one whose ``url_env`` is unset is left out (``accepts`` says so)."""
        urls = {
            name: cfg.url or settings.webhook_url(cfg.url_env or "") or "" for name, cfg in configs.items()
        }
        return cls(configs, {name: url for name, url in urls.items() if url})

    async def send_many(self, batch: Sequence[Send]) -> list[DeliveryError | None]:
        return await send_one_by_one(self, batch)

    def accepts(self, target: Target) -> bool:
        return target.address in self._urls

    async def send(self, target: Target, message: Message, key: str) -> None:
        cfg = self._configs[target.address]
        payload = body(message, key, cfg.format)
        headers = {"Idempotency-Key": key}  # a receiver that honours it drops a repeat
        last = ""
        async with httpx.AsyncClient(timeout=cfg.timeout_seconds) as http:
            for attempt in range(cfg.retries + 1):
                if attempt:
                    await asyncio.sleep(cfg.retry_delay_seconds * 2 ** (attempt - 1))
                try:
                    response = await http.post(self._urls[target.address], json=payload, headers=headers)
                except httpx.HTTPError as err:
                    last = f"webhook {target.address} unreachable: {err!r}"
                    continue
                if response.is_success:
                    return
                last = f"webhook {target.address} answered {response.status_code}: {response.text[:200]}"
                if response.status_code < 500 and response.status_code not in RETRYABLE_STATUS:
                    raise DeliveryError(last, permanent=True)
        raise DeliveryError(last)
