"""TOTP secrets move from a key derived from SECRET_KEY to MFA_ENCRYPTION_KEYS (issue 11, item 10).

A data migration, not a lazy re-encryption: after it no secret depends on SECRET_KEY, and the derived key is
nowhere in the code. A secret the old key cannot open (already under MFA_ENCRYPTION_KEYS: the migration ran,
was rolled back and runs again) is left as it is.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import migrations


def _legacy() -> Fernet:
    key = hashlib.sha256(f"attune-mfa-secret:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _current():
    from practice.services.mfa import _mfa_fernet

    return _mfa_fernet()


def forwards(apps, schema_editor):
    MfaDevice = apps.get_model("practice", "MfaDevice")
    devices = list(MfaDevice.objects.all())
    if not devices:
        return
    legacy, current = _legacy(), _current()
    for device in devices:
        try:
            secret = legacy.decrypt(device.secret_encrypted.encode())
        except InvalidToken:
            continue
        MfaDevice.objects.filter(pk=device.pk).update(secret_encrypted=current.encrypt(secret).decode())


def backwards(apps, schema_editor):
    MfaDevice = apps.get_model("practice", "MfaDevice")
    devices = list(MfaDevice.objects.all())
    if not devices:
        return
    legacy, current = _legacy(), _current()
    for device in devices:
        try:
            secret = current.decrypt(device.secret_encrypted.encode())
        except InvalidToken:
            continue
        MfaDevice.objects.filter(pk=device.pk).update(secret_encrypted=legacy.encrypt(secret).decode())


class Migration(migrations.Migration):
    dependencies = [("practice", "0004_invitation_one_pending")]

    operations = [migrations.RunPython(forwards, backwards)]
