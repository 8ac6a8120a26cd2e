"""Issue 11, item 10: TOTP secrets are encrypted with MFA_ENCRYPTION_KEYS (from the environment, with rotation),
not with a key derived from SECRET_KEY; existing secrets move by a data migration."""

import base64
import hashlib
import importlib
import io

import pyotp
import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone

from practice.models import MfaDevice
from practice.services.mfa import mfa_enrol_begin, mfa_verify
from tests.factories.practice import UserFactory

migration = importlib.import_module("practice.migrations.0005_mfa_secrets_own_keys")


def _derived_from_secret_key(secret_key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"attune-mfa-secret:{secret_key}".encode()).digest()))


def _enrolled(db_user=None):
    user = db_user or UserFactory()
    secret = mfa_enrol_begin(user=user)["secret"]
    return user, secret


def _code(secret, step=0):
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(timezone.now()) + step)


def test_the_secret_does_not_depend_on_secret_key(db, settings):
    user, secret = _enrolled()
    stored = MfaDevice.objects.get(user=user).secret_encrypted
    with pytest.raises(InvalidToken):
        _derived_from_secret_key(settings.SECRET_KEY).decrypt(stored.encode())
    assert Fernet(settings.MFA_ENCRYPTION_KEYS[0]).decrypt(stored.encode()).decode() == secret
    settings.SECRET_KEY = "a-rotated-django-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
    assert mfa_verify(user=user, code=_code(secret)) == "totp"  # a new SECRET_KEY does not lock anyone out


def test_keys_rotate_without_locking_anyone_out(db, settings):
    old = settings.MFA_ENCRYPTION_KEYS[0]
    user, secret = _enrolled()
    new = Fernet.generate_key().decode()
    settings.MFA_ENCRYPTION_KEYS = [new, old]  # new key first: the old secrets still open
    assert mfa_verify(user=user, code=_code(secret)) == "totp"
    out = io.StringIO()
    call_command("mfa_rotate_keys", stdout=out)
    assert "1 second-factor secrets re-encrypted" in out.getvalue()
    settings.MFA_ENCRYPTION_KEYS = [new]  # old key retired
    assert mfa_verify(user=user, code=_code(secret, step=1)) == "totp"


def test_without_keys_the_service_refuses_naming_the_setting(db, settings):
    settings.MFA_ENCRYPTION_KEYS = []
    with pytest.raises(ImproperlyConfigured, match="MFA_ENCRYPTION_KEYS"):
        _enrolled()


def test_the_data_migration_moves_secrets_off_the_derived_key(db, settings):
    user = UserFactory()
    secret = pyotp.random_base32()
    legacy = _derived_from_secret_key(settings.SECRET_KEY).encrypt(secret.encode()).decode()
    MfaDevice.objects.create(user=user, secret_encrypted=legacy)
    migration.forwards(apps, None)
    stored = MfaDevice.objects.get(user=user).secret_encrypted
    assert stored != legacy
    assert Fernet(settings.MFA_ENCRYPTION_KEYS[0]).decrypt(stored.encode()).decode() == secret
    migration.forwards(apps, None)  # running it again changes nothing that the new key cannot open
    assert mfa_verify(user=user, code=_code(secret)) == "totp"
