"""Issue 11, item 11: the production stack ships no secrets. Production settings refuse to start without real
ones (naming the variable); docker-compose.yml gives none and loads the demo practice only when asked."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parents[2]
NOTES_KEY = Fernet.generate_key().decode()
MFA_KEY = Fernet.generate_key().decode()
REAL = {
    "DJANGO_SECRET_KEY": "k3Y-" + "x9Qz" * 15,
    "DJANGO_ALLOWED_HOSTS": "attune.example.org",
    "NOTES_ENCRYPTION_KEYS": NOTES_KEY,
    "MFA_ENCRYPTION_KEYS": MFA_KEY,
}
SECRETS = ("DJANGO_SECRET_KEY", "NOTES_ENCRYPTION_KEYS", "MFA_ENCRYPTION_KEYS")
OLD_COMPOSE_DEFAULTS = {
    "DJANGO_SECRET_KEY": "compose-only-secret-change-me-0123456789abcdefghijklmnop",
    "NOTES_ENCRYPTION_KEYS": "ZmRldi1vbmx5LWtleS1jaGFuZ2UtbWUtMDEyMzQ1Njc=",
}


def _load_production(**overrides) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}
    env.update({**REAL, "DJANGO_SETTINGS_MODULE": "backend.settings.production"})
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    code = "import django; django.setup(); from django.conf import settings; print(len(settings.SECRET_KEY))"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)


def test_production_settings_start_with_real_secrets():
    result = _load_production()
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", SECRETS)
def test_production_settings_refuse_to_start_without_each_secret(name):
    result = _load_production(**{name: None})
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name} is not set" in result.stderr


@pytest.mark.parametrize("name", sorted(OLD_COMPOSE_DEFAULTS))
def test_production_settings_refuse_the_placeholders_the_compose_file_used_to_ship(name):
    result = _load_production(**{name: OLD_COMPOSE_DEFAULTS[name]})
    assert result.returncode != 0
    assert f"ImproperlyConfigured: {name} holds a placeholder" in result.stderr


def test_production_settings_refuse_a_short_secret_key_or_shared_keys():
    short = _load_production(DJANGO_SECRET_KEY="too-short-but-random-9f8e7d")
    assert short.returncode != 0 and "DJANGO_SECRET_KEY is shorter than 50" in short.stderr
    shared = _load_production(MFA_ENCRYPTION_KEYS=NOTES_KEY)
    assert shared.returncode != 0 and "MFA_ENCRYPTION_KEYS shares a key with NOTES_ENCRYPTION_KEYS" in shared.stderr
    garbage = _load_production(NOTES_ENCRYPTION_KEYS="not-a-fernet-key")
    assert garbage.returncode != 0 and "NOTES_ENCRYPTION_KEYS holds a value that is not a Fernet key" in garbage.stderr


def _compose() -> tuple[str, dict]:
    text = (ROOT / "docker-compose.yml").read_text()
    return text, yaml.safe_load(text)


def test_compose_gives_no_default_for_any_secret():
    text, _ = _compose()
    for name in (*SECRETS, "POSTGRES_PASSWORD"):
        uses = re.findall(r"\$\{" + name + r"([^}]*)\}", text)
        assert uses, f"{name} is not passed to the stack"
        for use in uses:
            assert use.startswith(":?"), f"docker-compose.yml gives {name} a default (${{{name}{use}}})"


def test_compose_loads_demo_data_only_when_asked():
    _, compose = _compose()
    services = compose["services"]
    for name, service in services.items():
        if "demo" in service.get("profiles", []):
            continue
        command = service.get("command") or []
        assert "seed_demo" not in " ".join(command if isinstance(command, list) else [command]), name
    demo = services["seed-demo"]
    assert demo["profiles"] == ["demo"]
    assert demo["environment"]["ATTUNE_DEMO_DATA"] == "1"
    assert services["web"]["environment"]["ATTUNE_DEMO_DATA"] == "0"


def test_seed_demo_refuses_where_demo_data_is_off(db, settings):
    settings.DEMO_DATA_ALLOWED = False
    with pytest.raises(CommandError, match="ATTUNE_DEMO_DATA=1"):
        call_command("seed_demo")
