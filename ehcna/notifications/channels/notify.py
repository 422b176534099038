"""GOV.UK Notify: email through a Notify template, with the API key from the environment.

The template's subject is ``((subject))`` and its body ``((body))``: the
engine fills both, so one template serves every alert.
"""

import asyncio
from collections.abc import Sequence
from typing import Any, Self

from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ehcna.notifications.channels.base import DeliveryError, Send, send_one_by_one
from ehcna.notifications.directory import FAMILY, Target
from ehcna.notifications.messages import Message
from ehcna.settings import Settings

API_KEY_ENV = "EHCNA_NOTIFY_API_KEY"
NOTIFY_URL = "https://api.notifications.service.gov.uk"


class NotifyConfig(BaseModel):
    """The ``[notify]`` section: template ids only; the API key is read from the environment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    template_id: str = Field(pattern=r"^[0-9a-f-]{36}$")  # staff alerts and digests
    family_template_id: str | None = Field(default=None, pattern=r"^[0-9a-f-]{36}$")  # letters to families
    base_url: str = NOTIFY_URL
    timeout_seconds: float = Field(default=5.0, gt=0, le=30)

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, data: Any) -> Any:
        if isinstance(data, dict) and "api_key" in data:
            raise ValueError(f"api_key: secrets are read only from the environment ({API_KEY_ENV})")
        return data


class NotifySender:
    """Implements ``ChannelSender`` for GOV.UK Notify email."""

    def __init__(self, config: NotifyConfig, api_key: str) -> None:
        self._config = config
        self._client = NotificationsAPIClient(
            api_key, base_url=config.base_url, timeout=config.timeout_seconds
        )

    @classmethod
    def from_settings(cls, config: NotifyConfig, settings: Settings) -> Self:
        key = settings.notify_api_key.get_secret_value() if settings.notify_api_key else ""
        if not key:
            raise ValueError(f"notify: the policy uses GOV.UK Notify but {API_KEY_ENV} is not set")
        return cls(config, key)

    async def send_many(self, batch: Sequence[Send]) -> list[DeliveryError | None]:
        return await send_one_by_one(self, batch)

    def accepts(self, target: Target) -> bool:
        return True

    async def send(self, target: Target, message: Message, key: str) -> None:
        template = self._config.template_id
        if target.recipient == FAMILY and self._config.family_template_id:
            template = self._config.family_template_id
        try:
            await asyncio.to_thread(
                self._client.send_email_notification,
                email_address=target.address,
                template_id=template,
                personalisation={"subject": message.subject, "body": message.text},
                reference=key,
            )
        except APIError as err:
            # 400 (a bad address or template) will not change; a 403 (bad key) is fixed by
            # configuration, so like a 5xx it is retried until the give-up point
            permanent = err.status_code == 400
            raise DeliveryError(
                f"GOV.UK Notify {err.status_code}: {err.message}", permanent=permanent
            ) from err
