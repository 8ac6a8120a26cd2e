"""twilio is the optional `sms` extra: without it, choosing its backend fails at once and says what to install."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from reminders.backends.sms import get_sms_backend

ROOT = Path(__file__).resolve().parents[2]


def test_twilio_backend_without_the_sms_extra_names_what_to_install(settings, monkeypatch):
    settings.REMINDERS_SMS_BACKEND = "reminders.backends.twilio_sms.TwilioSmsBackend"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "AC" + "0" * 32, "token"
    monkeypatch.setitem(sys.modules, "twilio", None)  # what `import twilio...` sees where the package is absent
    monkeypatch.setitem(sys.modules, "twilio.rest", None)
    with pytest.raises(ImproperlyConfigured, match=r"twilio package, which is not installed.*`sms` extra"):
        get_sms_backend()


def test_every_project_module_imports_without_twilio():
    # A fresh interpreter where `import twilio` fails, as on an install without the extra: Django starts and every
    # module of the apps imports (the backend itself included, since it imports twilio only when built).
    code = """
import os, pkgutil, importlib, sys
sys.modules["twilio"] = None
os.environ["DJANGO_SETTINGS_MODULE"] = "backend.settings.test"
import django
django.setup()
names = []
for app in ("core", "backend", "practice", "scheduling", "intake", "notes", "reminders"):
    package = importlib.import_module(app)
    for info in pkgutil.walk_packages(package.__path__, app + "."):
        if ".migrations" not in info.name and not info.name.startswith("backend.settings."):
            importlib.import_module(info.name)
            names.append(info.name)
print(len(names), "reminders.backends.twilio_sms" in names)
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    count, saw_backend = result.stdout.split()
    assert int(count) > 100 and saw_backend == "True", result.stdout
