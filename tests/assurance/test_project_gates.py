"""Project-wide gates that fail the build: deploy checks and migrations that match the models."""

import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command

from tests.assurance.conftest import FIGURES

ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_the_deploy_check():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "backend.settings.production",
        "DJANGO_SECRET_KEY": "a-long-random-secret-for-the-check-only-0123456789-abcdefghijklmnop",
        "DJANGO_ALLOWED_HOSTS": "attune.example.org",
        "NOTES_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "MFA_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    issues = re.findall(r"^\S+: \((\S+)\)", result.stdout + result.stderr, re.M)  # "?: (security.W004) ..."
    FIGURES.append(
        f"check --deploy --fail-level WARNING (production settings): {len(issues)} warnings or errors"
        + (f" ({', '.join(issues)})" if issues else "")
    )
    assert result.returncode == 0 and not issues, result.stdout + result.stderr


@pytest.mark.django_db
def test_every_model_change_has_a_migration():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:
        FIGURES.append("makemigrations --check: model changes without a migration")
        pytest.fail(f"Models changed without a migration:\n{out.getvalue()}" if exc.code else out.getvalue())
    FIGURES.append("makemigrations --check: every model change has its migration")
