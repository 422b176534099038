"""Settings read from the environment, each named once.

Secrets (SMTP passwords, API keys) come only from the environment, never
from files in the repository.
"""

import os
from dataclasses import dataclass, field

TASK_QUEUE = "ehcna"


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


@dataclass(frozen=True)
class Settings:
    temporal_address: str = field(default_factory=lambda: _env("TEMPORAL_ADDRESS", "localhost:7233"))
    temporal_namespace: str = field(default_factory=lambda: _env("TEMPORAL_NAMESPACE", "default"))
    task_queue: str = field(default_factory=lambda: _env("EHCNA_TASK_QUEUE", TASK_QUEUE))
    database_url: str = field(default_factory=lambda: _env("EHCNA_DATABASE_URL", "sqlite:///var/ehcna.db"))


def load_settings() -> Settings:
    return Settings()
