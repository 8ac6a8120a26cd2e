"""Project-wide gates that fail the build: deploy checks and migrations that match the models."""

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def test_production_settings_pass_the_deploy_check():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings.production",
        "DJANGO_SECRET_KEY": "a-long-random-secret-for-the-check-only-0123456789-abcdefghijklmnop",
        "DJANGO_ALLOWED_HOSTS": "attune.example.org",
        "NOTES_ENCRYPTION_KEYS": "ZmRldi1vbmx5LWtleS1jaGFuZ2UtbWUtMDEyMzQ1Njc=",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    print(result.stdout.strip())


@pytest.mark.django_db
def test_every_model_change_has_a_migration():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:
        pytest.fail(f"Models changed without a migration:\n{out.getvalue()}" if exc.code else out.getvalue())
