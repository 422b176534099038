"""A small escalation policy for tests, pointed at the loopback servers."""

from pathlib import Path

from ehcna.notifications.policy import Policy, parse_policy

PEOPLE = {
    "hos": "hos@example.org",
    "north-lead": "north.lead@example.org",
    "north-1": "north.1@example.org",
    "north-2": "north.2@example.org",
    "ep-lead": "ep.lead@example.org",
    "ep-1": "ep.1@example.org",
    "dco": "dco@example.org",
    "paeds-1": "paeds.1@example.org",
    "admin": "admin@example.org",
}


def policy_text(
    smtp_port: int, webhook_url: str | None = None, extra: str = "", give_up_after: str = "PT6H"
) -> str:
    people = "\n".join(
        f'{pid} = {{ name = "{pid.title()}", email = "{addr}" }}' for pid, addr in PEOPLE.items()
    )
    webhook = (
        f'\n[webhooks.managers]\nurl = "{webhook_url}"\nformat = "json"\nretries = 1\n' if webhook_url else ""
    )
    service_webhook = 'service_webhook = "managers"' if webhook_url else ""
    return f"""
[links]
case_base_url = "https://ehcna.test"

[delivery]
give_up_after = "{give_up_after}"
undelivered_channels = ["email"{', "webhook"' if webhook_url else ""}]

[email]
host = "127.0.0.1"
port = {smtp_port}
tls = "none"
sender = "EHCNA <alerts@example.org>"
timeout_seconds = 2
{webhook}
[deadlines.T1]
remind = [{{ before_days = 7, to = ["case_team"], channels = ["email"] }}]
breach = {{ to = ["case_manager"], channels = ["email"] }}
escalate = [{{ after_days = 7, to = ["head_of_service"], channels = ["email"] }}]

[deadlines.T2]
remind = [{{ before_days = 14, to = ["holder_team"], channels = ["email"] }}]
breach = {{ to = ["holder_manager", "case_manager"], channels = ["email"] }}
escalate = [{{ after_days = 7, to = ["head_of_service"], channels = ["email"] }}]

[deadlines.T2_by_kind.HEALTH]
remind = [{{ before_days = 21, to = ["holder_team"], channels = ["email"] }}]
breach = {{ to = ["holder_manager"], channels = ["email"] }}

[deadlines.T3]
breach = {{ to = ["case_manager"], channels = ["email"] }}

[deadlines.M14]
remind = [{{ before_days = 7, to = ["case_team"], channels = ["email"] }}]
breach = {{ to = ["case_manager"], channels = ["email"] }}

[deadlines.T6]
remind = [{{ before_days = 14, to = ["case_team"], channels = ["email"] }}]
breach = {{ to = ["case_manager"], channels = ["email"] }}
escalate = [{{ after_days = 7, to = ["head_of_service"], channels = ["email"] }}]

[directory]
head_of_service = "hos"
fallback_team = "admin"
{service_webhook}

[directory.people]
{people}

[directory.teams.north]
name = "North SEN team"
members = ["north-1", "north-2"]
manager = "north-lead"

[directory.teams.ep-service]
name = "EP service"
members = ["ep-1"]
manager = "ep-lead"

[directory.teams.icb-community-paeds]
name = "Community paediatrics"
members = ["paeds-1"]
manager = "dco"

[directory.teams.admin]
name = "SEN admin"
members = ["admin"]
manager = "admin"
{extra}
"""


def make_policy(smtp_port: int, webhook_url: str | None = None, **kw: str) -> Policy:
    return parse_policy(policy_text(smtp_port, webhook_url, **kw), "test-policy.toml")


def write_policy(path: Path, smtp_port: int, webhook_url: str | None = None, extra: str = "") -> Path:
    path.write_text(policy_text(smtp_port, webhook_url, extra=extra))
    return path
