"""The production environment the README documents passes Django's deploy checks, and the
demo defaults do not answer to the test client's host name."""

from __future__ import annotations

import re
import secrets
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

from tests.conftest import ROOT, database_env

PLACEHOLDER = "..."


def documented_environment() -> dict[str, str]:
    """The `export NAME=value` lines of the README's "Production shape", with a fresh
    secret where it shows `...`."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Production shape", 1)[1].split("\n## ", 1)[0]
    exports = dict(re.findall(r"^export (\w+)=(\S+)", section, flags=re.MULTILINE))
    assert exports, "the README's Production shape lists no environment"
    secrets_for = {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "LINLI_FIELD_KEYS": Fernet.generate_key().decode(),
        "LINLI_HASH_KEY": secrets.token_urlsafe(32),
    }
    return {
        name: secrets_for[name] if value == PLACEHOLDER else value
        for name, value in exports.items()
    }


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("postgres")
def test_the_documented_production_environment_passes_check_deploy() -> None:
    # Given the README's production environment, on the test database and Redis
    env = {
        k: v
        for k, v in database_env().items()
        if not k.startswith(("DJANGO_", "LINLI_")) or k == "DJANGO_SETTINGS_MODULE"
    }
    documented = documented_environment()
    documented.pop("DATABASE_URL")  # the test database instead of db.internal
    documented.pop("REDIS_URL", None)
    env.update(documented)
    # When Django's deploy checks run with warnings counted as failures
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    # Then they pass
    assert result.returncode == 0, result.stderr + result.stdout


def test_the_demo_defaults_do_not_answer_to_testserver() -> None:
    env = {k: v for k, v in database_env().items() if not k.startswith("DJANGO_ALLOWED")}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(','.join(settings.ALLOWED_HOSTS))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "testserver" not in result.stdout.strip().split(",")
