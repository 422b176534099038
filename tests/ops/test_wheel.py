"""The built wheel installs the engine's own names only and carries its data: an install outside
the checkout runs the CLI and a worker that finds the default escalation policy."""

import asyncio
import os
import site
import subprocess
import sys
from pathlib import Path
from uuid import uuid4

import pytest

ROOT = Path(__file__).resolve().parents[2]
OWN_NAMES = {"activities", "domain", "ehcna", "workflows", "worker.py", "starter.py"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with the wheel installed; dependencies seen from the test's own."""
    where = tmp_path_factory.mktemp("wheel")
    wheels = where / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        check=True,
        capture_output=True,
    )
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    (wheel,) = wheels.glob("*.whl")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--no-deps",
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    packages = next((venv / "lib").glob("python3*/site-packages"))
    # the engine's dependencies (not its code: a path in a .pth file does not run that folder's .pth files)
    (packages / "zz_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return venv


def site_packages(venv: Path) -> Path:
    return next((venv / "lib").glob("python3*/site-packages"))


def test_the_wheel_installs_only_the_engine_s_own_names(installed):
    found = {
        p.name
        for p in site_packages(installed).iterdir()
        if not p.name.endswith((".dist-info", ".pth")) and p.name != "__pycache__"
    }
    assert found == OWN_NAMES


def test_the_wheel_carries_the_policy_templates_assets_and_migrations(installed):
    ehcna = site_packages(installed) / "ehcna"
    for data in (
        "config/escalation.toml",
        "web/templates/base.html",
        "web/static/app.css",
        "store/migrations/env.py",
        "store/migrations/script.py.mako",
        "store/migrations/versions/0001_initial_read_model.py",
    ):
        assert (ehcna / data).is_file(), data


def _outside(installed: Path, tmp_path: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("EHCNA_", "TEMPORAL_", "PYTHON"))}
    return subprocess.run(
        [str(installed / "bin" / argv[0]), *argv[1:]],
        cwd=tmp_path,  # outside the checkout: nothing can come from the working tree
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_installed_cli_reads_kpis_outside_the_checkout(installed, tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    migrated = _outside(installed, tmp_path, "ehcna", "migrate", EHCNA_DATABASE_URL=url)
    assert migrated.returncode == 0, migrated.stderr
    kpis = _outside(installed, tmp_path, "ehcna", "kpi", "--month", "2026-10", EHCNA_DATABASE_URL=url)
    assert kpis.returncode == 0, kpis.stderr
    assert kpis.stdout.startswith("KPI overview 2026-10") and "K1" in kpis.stdout, kpis.stdout


async def test_an_installed_worker_finds_the_default_policy(installed, tmp_path, dev_server):
    log = tmp_path / "worker.log"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("EHCNA_", "TEMPORAL_", "PYTHON"))},
        "TEMPORAL_ADDRESS": dev_server.env.client.service_client.config.target_host,
        "EHCNA_TASK_QUEUE": f"wheel-{uuid4().hex[:8]}",
        "EHCNA_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
    }
    with log.open("w") as out:
        worker = await asyncio.create_subprocess_exec(
            str(installed / "bin" / "python"), "-m", "worker", cwd=tmp_path, env=env, stdout=out, stderr=out
        )
        try:
            for _ in range(300):
                if "worker_started" in log.read_text() or worker.returncode is not None:
                    break
                await asyncio.sleep(0.1)
            text = log.read_text()
            assert "worker_started" in text, text
            policy = str(site_packages(installed) / "ehcna" / "config" / "escalation.toml")
            assert policy in text, text
        finally:
            worker.terminate()
            await asyncio.wait_for(worker.wait(), 20)
