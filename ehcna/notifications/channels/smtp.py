"""Email over SMTP: one message per recipient, plain text with an HTML alternative; the messages of
one delivery batch go over one connection."""

import asyncio
import contextlib
import email.charset
import email.message
import email.policy
import hashlib
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import formataddr, formatdate
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ehcna.notifications.channels.base import DeliveryError, Send
from ehcna.notifications.directory import Target
from ehcna.notifications.messages import Message
from ehcna.settings import Settings

# headers up to RFC 5322's hard limit stay on one line: Python's folding can leave a
# subject starting with a space
_POLICY = email.policy.default.clone(max_line_length=998)
_PLAIN_POLICY = email.policy.compat32.clone(max_line_length=998)
_UTF8 = email.charset.Charset("utf-8")
_UTF8.body_encoding = email.charset.QP  # readable text, lines under 78 characters


class Tls(StrEnum):
    NONE = "none"  # plain SMTP (a relay on the same host or network)
    STARTTLS = "starttls"
    SSL = "ssl"  # implicit TLS, usually port 465


class SmtpConfig(BaseModel):
    """The ``[email]`` section. The password is never here: it is read from the environment."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "localhost"
    port: int = Field(default=25, ge=1, le=65535)
    tls: Tls = Tls.STARTTLS
    sender: str = Field(min_length=3)  # the From: header, e.g. "EHC assessments <ehc@example.org>"
    username: str | None = None
    timeout_seconds: float = Field(default=5.0, gt=0, le=60)

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, data: Any) -> Any:
        if isinstance(data, dict) and "password" in data:
            raise ValueError("password: secrets are read only from the environment (EHCNA_SMTP_PASSWORD)")
        return data


class SmtpSender:
    """Implements ``ChannelSender`` for email. A blocking smtplib session per batch, in a thread."""

    def __init__(self, config: SmtpConfig, password: str | None = None) -> None:
        self._config = config
        self._password = password

    @classmethod
    def from_settings(cls, config: SmtpConfig, settings: Settings) -> Self:
        """Host, port, TLS and username may come from the settings; the password comes only from them."""
        given = {
            "host": settings.smtp_host,
            "port": settings.smtp_port,
            "tls": settings.smtp_tls,
            "username": settings.smtp_username,
        }
        overrides = {field: value for field, value in given.items() if value is not None}
        merged = SmtpConfig.model_validate({**config.model_dump(), **overrides})
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return cls(merged, password or None)

    def accepts(self, target: Target) -> bool:
        return True

    async def send(self, target: Target, message: Message, key: str) -> None:
        await asyncio.to_thread(self._send, target, message, key)

    def _email(self, target: Target, message: Message, key: str) -> email.message.Message:
        """The mail; built with the legacy MIME classes when its headers are plain ASCII (a third of the
        CPU of ``EmailMessage``'s header registry and generator, the largest part of a notice's cost in
        the worker), else with ``EmailMessage``, which encodes any header correctly."""
        if not (message.subject + target.name + target.address + self._config.sender).isascii():
            return self._email_encoded(target, message, key)
        mail = MIMEMultipart("alternative", policy=_PLAIN_POLICY)
        mail["From"] = self._config.sender
        mail["To"] = formataddr((target.name, target.address))  # quoted if the name needs it
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = _message_id(key)
        mail["X-EHCNA-Alert"] = key
        mail.attach(_text_part("plain", message.text))
        mail.attach(_text_part("html", message.html))
        return mail

    def _email_encoded(self, target: Target, message: Message, key: str) -> EmailMessage:
        mail = EmailMessage(policy=_POLICY)
        mail["From"] = self._config.sender
        mail["To"] = f"{target.name} <{target.address}>"
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = _message_id(key)
        mail["X-EHCNA-Alert"] = key
        mail.set_content(message.text)
        mail.add_alternative(message.html, subtype="html")
        return mail

    def _connect(self) -> smtplib.SMTP:
        c = self._config
        if c.tls is Tls.SSL:
            return smtplib.SMTP_SSL(
                c.host, c.port, timeout=c.timeout_seconds, context=ssl.create_default_context()
            )
        smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout_seconds)
        if c.tls is Tls.STARTTLS:
            smtp.starttls(context=ssl.create_default_context())
        return smtp

    async def send_many(self, batch: Sequence[Send]) -> list[DeliveryError | None]:
        return await asyncio.to_thread(self._send_many, batch)

    def _send(self, target: Target, message: Message, key: str) -> None:
        (error,) = self._send_many([(target, message, key)])
        if error is not None:
            raise error

    def _send_many(self, batch: Sequence[Send]) -> list[DeliveryError | None]:
        """One connection (connect, EHLO, login) for every message of ``batch``, then QUIT.

        A refused recipient or message fails that message only; a connection that fails or is lost
        fails the messages not yet accepted with the same retryable error."""
        if not batch:
            return []
        try:
            smtp = self._connect()
        except (OSError, smtplib.SMTPException) as err:  # refused, timed out, no TLS
            unavailable = DeliveryError(f"SMTP server unavailable: {err!r}")
            return [unavailable] * len(batch)
        out: list[DeliveryError | None] = []
        try:
            if self._config.username and self._password:
                smtp.login(self._config.username, self._password)
            for target, message, key in batch:
                out.append(self._one(smtp, target, message, key))
                if isinstance(out[-1], _Lost):
                    break
        except smtplib.SMTPAuthenticationError as err:
            # a configuration fault, not this message's: kept retrying until someone fixes it
            out.append(DeliveryError(f"SMTP authentication failed: {err.smtp_code} {err.smtp_error!r}"))
        except (OSError, smtplib.SMTPException) as err:  # timed out, disconnected
            out.append(DeliveryError(f"SMTP server unavailable: {err!r}"))
        finally:
            # once the server has accepted the messages a failed QUIT must not look like a failed send
            with contextlib.suppress(OSError, smtplib.SMTPException):
                smtp.quit()
            smtp.close()
        # the messages after a lost connection were not tried: they wait with its error
        return out + [out[-1]] * (len(batch) - len(out))

    def _one(self, smtp: smtplib.SMTP, target: Target, message: Message, key: str) -> DeliveryError | None:
        try:
            smtp.send_message(self._email(target, message, key), to_addrs=[target.address])
        except smtplib.SMTPRecipientsRefused as err:
            codes = [code for code, _ in err.recipients.values()]
            permanent = all(c >= 500 for c in codes)
            return DeliveryError(f"recipient refused: {err.recipients}", permanent=permanent)
        except smtplib.SMTPResponseException as err:
            return DeliveryError(f"SMTP {err.smtp_code}: {err.smtp_error!r}", permanent=err.smtp_code >= 500)
        except (OSError, smtplib.SMTPException) as err:  # timed out, disconnected
            return _Lost(f"SMTP server unavailable: {err!r}")
        return None


def _text_part(subtype: str, text: str) -> MIMENonMultipart:
    part = MIMENonMultipart("text", subtype, policy=_PLAIN_POLICY)
    # ends with a newline, as EmailMessage.set_content makes it; the charset sets quoted-printable
    part.set_payload(text if text.endswith("\n") else text + "\n", _UTF8)
    return part


def _message_id(key: str) -> str:
    """The same alert always has the same Message-ID, so a mail client can fold a repeat."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@ehcna.alerts>"


class _Lost(DeliveryError):
    """The connection failed mid-batch: the messages after this one are not tried on it."""
