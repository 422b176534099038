"""Every setting is declared once in ehcna/settings.py, read from the environment there, and the
README's table of settings is exactly that class (regenerate it with the function below)."""

import re
from pathlib import Path

import pytest

from ehcna.settings import Settings, SettingsError

ROOT = Path(__file__).resolve().parents[1]
TABLE = re.compile(r"<!-- settings:start -->\n(.*?)<!-- settings:end -->", re.S)


def settings_table() -> str:
    rows = ["| variable | default | what |", "|---|---|---|"]
    for f in Settings.model_fields.values():
        default = "unset" if f.default_factory is not None or f.default is None else f"`{f.default}`"
        rows.append(f"| `{f.alias}` | {default} | {f.description} |")
    return "\n".join(rows) + "\n"


def test_the_readme_lists_exactly_the_declared_settings():
    found = TABLE.search((ROOT / "README.md").read_text())
    assert found, "README.md has no <!-- settings:start --> ... <!-- settings:end --> block"
    assert found.group(1) == settings_table()


def test_no_module_but_settings_reads_the_environment():
    readers = []
    for path in [*(ROOT / "ehcna").rglob("*.py"), *(ROOT / d for d in ("worker.py", "starter.py"))]:
        text = path.read_text()
        if re.search(r"os\.environ|os\.getenv|getenv\(", text) and path.name != "settings.py":
            readers.append(str(path.relative_to(ROOT)))
    assert readers == []


def test_settings_come_from_the_environment_and_an_empty_value_is_unset():
    s = Settings.from_env(
        {"EHCNA_WEB_PORT": "9000", "EHCNA_SMTP_HOST": "", "EHCNA_WEBHOOK_TEAM": "https://hooks.example/x"}
    )
    assert s.web_port == 9000 and s.smtp_host is None
    assert s.webhook_url("EHCNA_WEBHOOK_TEAM") == "https://hooks.example/x"
    assert "https://hooks.example/x" not in repr(s)  # secrets are not printed


@pytest.mark.parametrize(
    ("variable", "value"),
    [("EHCNA_WEB_PORT", "eighty"), ("EHCNA_SMTP_TLS", "maybe"), ("EHCNA_PUBLIC_URL", "ftp://x")],
)
def test_a_bad_setting_is_refused_with_its_name(variable, value):
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env({variable: value})
