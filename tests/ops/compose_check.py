"""What the compose file must agree on with the code: every variable it gives the engine is one the
settings class declares, and every setting a production process needs has a value there."""

import re
from pathlib import Path
from typing import Any

import yaml

from ehcna.settings import WEBHOOK_URL_PREFIX, Settings

ENGINE_IMAGE = "ehcna-engine"
# the engine's processes by the command that starts them
PROCESSES = {"ehcna migrate": "migrate", "python -m worker": "worker", "ehcna web": "web"}
# set for the interpreter, not read by the engine
NOT_SETTINGS = {"PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE"}
_EMPTY_DEFAULT = re.compile(r"^\$\{[A-Z0-9_]+:?-\}$")  # "${NAME:-}": nothing unless the operator sets it


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text())  # resolves the YAML anchors and merges
    return data


def engine_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: svc
        for name, svc in compose["services"].items()
        if str(svc.get("image", "")).startswith(ENGINE_IMAGE) or "build" in svc
    }


def problems(compose: dict[str, Any]) -> list[str]:
    declared = set(Settings.variables())
    found: list[str] = []
    for name, svc in engine_services(compose).items():
        env = svc.get("environment") or {}
        if isinstance(env, list):
            env = dict(item.split("=", 1) for item in env)
        for var in env:
            if var in declared or var in NOT_SETTINGS or var.startswith(WEBHOOK_URL_PREFIX):
                continue
            found.append(f"{name}: {var} is not a setting the engine reads (ehcna/settings.py)")
        command = " ".join(svc.get("command") or [])
        process = PROCESSES.get(command)
        if process is None:
            found.append(f"{name}: '{command}' is not a command the engine's image runs")
            continue
        for var in sorted(Settings.needed_by(process)):
            value = str(env.get(var, ""))
            if not value or _EMPTY_DEFAULT.match(value):
                found.append(f"{name}: {var} has no value, and the {process} cannot run without it")
    return found
