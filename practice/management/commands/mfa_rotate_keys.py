"""Re-encrypt every TOTP secret with the first key of MFA_ENCRYPTION_KEYS.

Rotation: put the new key first (keep the old ones after it), deploy, run this command, then remove the old
keys. Codes keep working throughout because every key in the list decrypts.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from practice.models import MfaDevice
from practice.services.mfa import mfa_secret_decrypt, mfa_secret_encrypt


class Command(BaseCommand):
    help = "Re-encrypt second-factor secrets with the newest MFA_ENCRYPTION_KEYS key."

    def handle(self, *args, **options):
        with transaction.atomic():
            devices = list(MfaDevice.objects.select_for_update().only("pk", "secret_encrypted"))
            for device in devices:
                device.secret_encrypted = mfa_secret_encrypt(mfa_secret_decrypt(device.secret_encrypted))
            MfaDevice.objects.bulk_update(devices, ["secret_encrypted"])
        self.stdout.write(f"{len(devices)} second-factor secrets re-encrypted")
