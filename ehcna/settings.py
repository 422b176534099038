"""Every environment variable the engine reads, declared once with its default and meaning.

``Settings.from_env()`` reads the environment; everything else is given a
``Settings`` (or the parts it needs) by ``ehcna.bootstrap``. Secrets (the SMTP
password, the Notify key, webhook URLs, the session key) come only from the
environment, never from a file in the repository. The README's settings table
is checked against this class by ``tests/test_settings.py``.
"""

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError
from pydantic.config import JsonDict

# which processes of the production shape cannot do without a setting (its default is for development)
ALL_PROCESSES: JsonDict = {"needed_by": ["migrate", "worker", "web"]}
RUNNING_PROCESSES: JsonDict = {"needed_by": ["worker", "web"]}

# webhook URLs are secrets named in the escalation policy (``url_env``): each such name has this prefix
WEBHOOK_URL_PREFIX = "EHCNA_WEBHOOK_"


class SettingsError(Exception):
    """The environment cannot be used; the message names each variable and its problem."""


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="forbid")

    # -- Temporal
    temporal_address: str = Field(
        "localhost:7233",
        alias="TEMPORAL_ADDRESS",
        description="the Temporal cluster",
        json_schema_extra=RUNNING_PROCESSES,
    )
    temporal_namespace: str = Field("default", alias="TEMPORAL_NAMESPACE", description="its namespace")
    task_queue: str = Field("ehcna", alias="EHCNA_TASK_QUEUE", description="the worker's task queue")
    # -- the read model
    database_url: str = Field(
        "sqlite:///var/ehcna.db",
        alias="EHCNA_DATABASE_URL",
        description="the read model; `postgresql://user@host/db` for PostgreSQL",
        json_schema_extra=ALL_PROCESSES,
    )
    # -- alerts
    escalation_policy: Path | None = Field(
        None,
        alias="EHCNA_ESCALATION_POLICY",
        description="who is reminded and alerted, when, how; the directory of teams "
        "(default: the policy shipped in the package, `ehcna/config/escalation.toml`)",
    )
    smtp_host: str | None = Field(
        None, alias="EHCNA_SMTP_HOST", description="mail server (default: the policy's)"
    )
    smtp_port: int | None = Field(None, alias="EHCNA_SMTP_PORT", ge=1, le=65535, description="its port")
    smtp_tls: Literal["none", "starttls", "ssl"] | None = Field(
        None, alias="EHCNA_SMTP_TLS", description="`none`, `starttls` or `ssl`"
    )
    smtp_username: str | None = Field(None, alias="EHCNA_SMTP_USERNAME", description="its user name")
    smtp_password: SecretStr | None = Field(
        None, alias="EHCNA_SMTP_PASSWORD", description="its password (only ever from the environment)"
    )
    notify_api_key: SecretStr | None = Field(
        None, alias="EHCNA_NOTIFY_API_KEY", description="GOV.UK Notify, with the template ids in the policy"
    )
    webhook_urls: dict[str, SecretStr] = Field(
        default_factory=dict,
        alias="EHCNA_WEBHOOK_*",
        description="each webhook's URL, under the name its policy entry gives as `url_env`",
    )
    payload_keys: SecretStr | None = Field(
        None,
        alias="EHCNA_PAYLOAD_KEYS",
        description="keys that encrypt what passes through Temporal: `id:base64 of 32 bytes`, newest first, "
        "comma-separated (older ones still decrypt); default: a key made once in `var/`",
        json_schema_extra=RUNNING_PROCESSES,
    )
    temporal_ui_url: str | None = Field(
        None,
        alias="EHCNA_TEMPORAL_UI_URL",
        pattern=r"^https?://[^/]+$",
        description="the Temporal UI's origin, allowed to ask the web app's codec endpoint to decrypt",
    )
    public_url: str | None = Field(
        None,
        alias="EHCNA_PUBLIC_URL",
        pattern=r"^https?://",
        description="where the web app is served: links to case pages in alerts (default: the policy's)",
        json_schema_extra={"needed_by": ["worker"]},
    )
    # -- the web app
    secret_key: SecretStr | None = Field(
        None,
        alias="EHCNA_SECRET_KEY",
        description="signs session cookies; set it in production (default: a file made once in `var/`)",
        json_schema_extra={"needed_by": ["web"]},
    )
    cookie_secure: bool = Field(
        False, alias="EHCNA_COOKIE_SECURE", description="`1`: session cookies over HTTPS only (behind TLS)"
    )
    web_host: str = Field(
        "127.0.0.1", alias="EHCNA_WEB_HOST", description="the address the web app listens on"
    )
    web_port: int = Field(8000, alias="EHCNA_WEB_PORT", ge=1, le=65535, description="its port")
    trusted_proxies: str = Field(
        "127.0.0.1",
        alias="EHCNA_TRUSTED_PROXIES",
        description="the reverse proxies (comma-separated addresses) whose X-Forwarded-For names "
        "the client: sign-in throttling counts per client address",
    )
    organisation: str = Field(
        "Special educational needs and disabilities",
        alias="EHCNA_ORGANISATION",
        description="the service name in the pages' header",
    )
    var_dir: Path = Field(
        Path("var"), alias="EHCNA_VAR_DIR", description="files the engine makes for itself in development"
    )
    # -- the embedded stack of `make run` (dev/devstack.py)
    dev_temporal_port: int = Field(
        7233, alias="EHCNA_TEMPORAL_PORT", description="`make run`: Temporal's port"
    )
    dev_temporal_ui_port: int = Field(
        8233, alias="EHCNA_TEMPORAL_UI_PORT", description="`make run`: the Temporal UI's port"
    )
    dev_mail_port: int = Field(
        1025, alias="EHCNA_DEV_MAIL_PORT", description="`make run`: the mail catcher's port"
    )

    @classmethod
    def variables(cls) -> dict[str, str]:
        """Each variable's name and its meaning (``EHCNA_WEBHOOK_*`` stands for the family)."""
        return {f.alias or name: f.description or "" for name, f in cls.model_fields.items()}

    @classmethod
    def needed_by(cls, process: str) -> set[str]:
        """The variables a production process must be given (``migrate``, ``worker`` or ``web``)."""
        out = set()
        for f in cls.model_fields.values():
            extra = f.json_schema_extra if isinstance(f.json_schema_extra, dict) else {}
            needed = extra.get("needed_by")
            if f.alias and isinstance(needed, list) and process in needed:
                out.add(f.alias)
        return out

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        """The settings in ``environ`` (default: the process's); an empty value counts as unset."""
        environ = os.environ if environ is None else environ
        names = {f.alias: name for name, f in cls.model_fields.items() if f.alias}
        given: dict[str, Any] = {a: environ[a] for a in names if environ.get(a)}
        given["EHCNA_WEBHOOK_*"] = {
            k: v for k, v in environ.items() if k.startswith(WEBHOOK_URL_PREFIX) and v
        }
        try:
            return cls.model_validate(given)
        except ValidationError as err:
            problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in err.errors())
            raise SettingsError(f"the environment is refused: {problems}") from None

    def webhook_url(self, variable: str) -> str | None:
        secret = self.webhook_urls.get(variable)
        return secret.get_secret_value() if secret else None
