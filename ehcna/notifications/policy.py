"""The escalation policy file: who is told of what, how, and until when.

One TOML file (``ehcna/config/escalation.toml`` ships a sensible default) holds the
rules per deadline kind, the directory of people and teams, and the channel
settings. It is validated whole at worker start: a bad file stops the worker
with a message naming each key and its problem. Secrets are never in it.
"""

import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import Field, ValidationError, model_validator

from activities.options import ACTIVITY_TIMEOUT
from domain.alarms import AlarmTiming
from domain.escalation import Audience, Channel, EscalationRules, PolicyModel, Step
from ehcna.notifications.channels.notify import NotifyConfig
from ehcna.notifications.channels.smtp import SmtpConfig
from ehcna.notifications.channels.webhook import WebhookConfig
from ehcna.notifications.directory import Directory, Id

# shipped inside the package, so an installed engine has its default policy
DEFAULT_POLICY_PATH = Path(__file__).resolve().parent.parent / "config" / "escalation.toml"

# an alert activity must finish its sends well inside its start-to-close timeout
ATTEMPT_SECONDS = ACTIVITY_TIMEOUT.total_seconds() - 1


class PolicyError(Exception):
    """The policy file cannot be used; the message names the file, each key and its problem."""


class Links(PolicyModel):
    case_base_url: str = Field(pattern=r"^https?://")  # the case page is <case_base_url>/cases/<ref>


class Delivery(PolicyModel):
    # past this since an alert was first claimed, a failing delivery is recorded FAILED
    # and raised to the head of service (ISO 8601 duration in the file, e.g. "PT6H")
    give_up_after: timedelta = Field(default=timedelta(hours=6), gt=timedelta(0))
    # an attempt starts no new send after this long, so it ends inside the activity's timeout
    attempt_budget_seconds: float = Field(default=3.0, gt=0, lt=ATTEMPT_SECONDS)
    # how the head of service hears of an alert given up on
    undelivered_channels: list[Channel] = Field(
        default_factory=lambda: [Channel.EMAIL, Channel.WEBHOOK], min_length=1
    )


class Digest(PolicyModel):
    hour: int = Field(default=7, ge=0, le=23)  # Europe/London
    minute: int = Field(default=30, ge=0, le=59)
    to: list[Literal["manager", "head_of_service"]] = Field(default_factory=lambda: ["manager"], min_length=1)  # type: ignore[arg-type]  # pydantic checks the literal at run time
    channels: list[Literal[Channel.EMAIL, Channel.NOTIFY]] = Field(
        default_factory=lambda: [Channel.EMAIL],  # type: ignore[arg-type]  # a Literal of an enum member
        min_length=1,
    )
    send_when_empty: bool = False


class Notice(Step):
    """A notice of something that happened (not a deadline): sent at once, or gathered in each
    recipient's morning digest of the day before."""

    when: Literal["at_once", "digest"] = "at_once"

    @model_validator(mode="after")
    def _digest_by_mail(self) -> Self:
        if self.when == "digest" and Channel.WEBHOOK in self.channels:
            raise ValueError("a digest goes to each person by mail: channels must be email or notify")
        return self


class Notices(PolicyModel):
    """What people are told as it happens. A notice left out is not sent."""

    # advice arrived: the case officer is told (case reference, the advice in words and a link only)
    advice_received: Notice | None = None


def _default_exception_notice() -> Step:
    return Step(to=[Audience.FAMILY, Audience.CASE_TEAM], channels=[Channel.EMAIL])


class Policy(PolicyModel):
    links: Links
    delivery: Delivery = Field(default_factory=Delivery)
    email: SmtpConfig | None = None
    notify: NotifyConfig | None = None
    webhooks: dict[Id, WebhookConfig] = Field(default_factory=dict)
    directory: Directory
    deadlines: EscalationRules
    exception_notice: Step = Field(default_factory=_default_exception_notice)
    digest: Digest = Field(default_factory=Digest)
    notices: Notices = Field(default_factory=Notices)

    def timing(self) -> AlarmTiming:
        """The alarm offsets new cases are started with."""
        return self.deadlines.timing()

    def steps(self) -> list[tuple[str, Step]]:
        d = self.deadlines
        out: list[tuple[str, Step]] = [("exception_notice", self.exception_notice)]
        if self.notices.advice_received is not None:
            out.append(("notices.advice_received", self.notices.advice_received))
        policies = [(str(k), getattr(d, k)) for k in ("T1", "T2", "T3", "T6", "M14")]
        policies += [(f"T2_by_kind.{kind}", p) for kind, p in d.T2_by_kind.items()]
        for name, p in policies:
            out += [(f"deadlines.{name}.remind[{i}]", s) for i, s in enumerate(p.remind)]
            out.append((f"deadlines.{name}.breach", p.breach))
            out += [(f"deadlines.{name}.escalate[{i}]", s) for i, s in enumerate(p.escalate)]
        return out

    @model_validator(mode="after")
    def _channels_configured(self) -> Self:
        problems: list[str] = []
        used = {c for _, s in self.steps() for c in s.channels}
        used |= set(self.digest.channels) | set(self.delivery.undelivered_channels)
        if Channel.EMAIL in used and self.email is None:
            problems.append("email: the policy sends email but has no [email] section")
        if Channel.NOTIFY in used and self.notify is None:
            problems.append("notify: the policy uses GOV.UK Notify but has no [notify] section")
        for where, step in self.steps():
            if Audience.FAMILY in step.to and where != "exception_notice":
                problems.append(f"{where}.to: 'family' is told of exceptions only, not of deadlines")
        named = {t.webhook for t in self.directory.teams.values()} | {self.directory.service_webhook}
        for name in sorted(n for n in named if n):
            if name not in self.webhooks:
                problems.append(f"directory: webhook '{name}' has no [webhooks.{name}] section")
        for name, w in self.webhooks.items():
            worst = w.timeout_seconds * (w.retries + 1) + w.retry_delay_seconds * (2**w.retries - 1)
            if worst > ATTEMPT_SECONDS:
                problems.append(
                    f"webhooks.{name}: timeout_seconds x (retries + 1) plus the delays is {worst:g} s, "
                    f"more than the {ATTEMPT_SECONDS:g} s an alert attempt may take"
                )
        if problems:
            raise ValueError("\n  ".join(problems))  # each names its own key
        return self


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _describe(err: ValidationError) -> list[str]:
    lines = []
    for e in err.errors():
        msg = str(e["msg"]).removeprefix("Value error, ")
        given = e.get("input")
        shown = (
            f" (got {given!r})"
            if isinstance(given, str | int | float | bool) and e["type"] != "missing"
            else ""
        )
        lines.append(f"{_where(tuple(e['loc']))}: {msg}{shown}" if e["loc"] else msg)
    return lines


def parse_policy(text: str, source: str = "<policy>") -> Policy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise PolicyError(f"escalation policy {source} is not valid TOML: {err}") from None
    try:
        return Policy.model_validate(data)
    except ValidationError as err:
        problems = "\n  ".join(_describe(err))
        raise PolicyError(f"escalation policy {source} is refused:\n  {problems}") from None


def load_policy(path: str | Path | None = None) -> Policy:
    """Read and validate the policy (the path given, else the one shipped in the package)."""
    path = Path(path or DEFAULT_POLICY_PATH)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise PolicyError(f"escalation policy {path} cannot be read: {err.strerror}") from None
    return parse_policy(text, str(path))
