"""The production compose file is valid and has the shape the README promises."""

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def compose_config(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **env},
        cwd=ROOT,
    )


def test_compose_file_validates_and_wires_the_stack():
    done = compose_config({"POSTGRES_PASSWORD": "p", "EHCNA_SECRET_KEY": "k"})
    assert done.returncode == 0, done.stderr
    text = done.stdout
    for service in ("postgres", "temporal", "temporal-ui", "migrate", "worker", "web"):
        assert f"\n  {service}:\n" in text, service
    assert "healthcheck" in text and "pgdata" in text


def test_compose_refuses_to_start_without_its_secrets():
    done = compose_config({})
    assert done.returncode != 0
    assert "POSTGRES_PASSWORD" in done.stderr


@pytest.mark.parametrize("name", ["Dockerfile", "docker-compose.yml"])
def test_no_secret_is_written_in_the_deployment_files(name):
    text = (ROOT / name).read_text()
    assert "POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?" in text or name == "Dockerfile"
    assert "password=" not in text.lower()
