"""Give an operator (a user with access to the admin site) a second factor.

    manage.py mfa_enrol_operator ops@example.org

Prints the otpauth URI (paste it into an authenticator app, or make a QR code of it) and the
recovery codes, once. The first admin log-in with a code confirms the device. Re-running it before
that replaces the secret; a confirmed device must be removed first (`--replace`).
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from practice.models import MfaDevice, User
from practice.services.mfa import mfa_enrol_begin


class Command(BaseCommand):
    help = "Enrol a second factor for an operator of the admin site."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--replace", action="store_true", help="remove a confirmed device first")

    @transaction.atomic
    def handle(self, *args, email: str, replace: bool, **options):
        user = User.objects.filter(email__iexact=email, is_active=True).first()
        if user is None or not user.is_staff:
            raise CommandError(f"No active operator (is_staff) with the email {email!r}.")
        if replace:
            MfaDevice.objects.filter(user=user).delete()
        elif MfaDevice.objects.filter(user=user, confirmed_at__isnull=False).exists():
            raise CommandError("This operator already has a confirmed second factor: use --replace to set a new one.")
        enrolment = mfa_enrol_begin(user=user)
        self.stdout.write(f"otpauth URI (add it to an authenticator app): {enrolment['otpauth_uri']}")
        self.stdout.write("Recovery codes (each works once; keep them offline):")
        for code in enrolment["recovery_codes"]:
            self.stdout.write(f"  {code}")
