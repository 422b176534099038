"""The production compose file is valid and has the shape the README promises."""

import subprocess
from pathlib import Path

import pytest

from tests.ops import compose_check

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
    done = compose_config({"POSTGRES_PASSWORD": "p", "EHCNA_SECRET_KEY": "k", "EHCNA_PAYLOAD_KEYS": "k1:x"})
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


COMPOSE = ROOT / "docker-compose.yml"


def test_the_compose_file_gives_the_engine_only_settings_it_reads_and_all_it_needs():
    assert compose_check.problems(compose_check.load(COMPOSE)) == []


@pytest.mark.parametrize(
    ("wrong", "right"),
    [
        ("EHCNA_SMTP_HOST:", "SMTP_HOST:"),  # the names the file had before the settings class
        ("EHCNA_ESCALATION_POLICY:", "EHCNA_POLICY_FILE:"),
        ("TEMPORAL_NAMESPACE:", "TEMPORAL_NAME_SPACE:"),
    ],
)
def test_the_compose_check_fails_on_a_variable_the_engine_does_not_read(tmp_path, wrong, right):
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(COMPOSE.read_text().replace(wrong, right))
    found = compose_check.problems(compose_check.load(broken))
    assert any(right.rstrip(":") in p and "not a setting" in p for p in found), found


def test_the_compose_check_fails_when_a_process_lacks_a_setting_it_needs(tmp_path):
    broken = tmp_path / "docker-compose.yml"
    text = COMPOSE.read_text()
    broken.write_text(text.replace("      EHCNA_SECRET_KEY: ${EHCNA_SECRET_KEY:?set EHCNA_SECRET_KEY}\n", ""))
    found = compose_check.problems(compose_check.load(broken))
    assert found == ["web: EHCNA_SECRET_KEY has no value, and the web cannot run without it"]


def test_the_temporal_ui_is_staff_only_and_read_only():
    ui = compose_check.load(COMPOSE)["services"]["temporal-ui"]
    assert all(str(port).startswith("127.0.0.1:") for port in ui.get("ports", [])), ui["ports"]
    assert ui["environment"]["TEMPORAL_DISABLE_WRITE_ACTIONS"] == "true"


def test_the_env_file_of_secrets_is_never_committed():
    done = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", ".env"], check=False)
    assert done.returncode == 0, ".env is not ignored by git"
