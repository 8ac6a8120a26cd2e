"""The admin site is for operators only, and it logs in with a password and a second factor.

Practice staff never use it: the API is token-only (knox) and its log-in asks for the second factor
(practice/auth.py). Operators enrol with `manage.py mfa_enrol_operator <email>` on the server; their
first admin log-in with a code confirms the device. `ADMIN_MFA_REQUIRED` (on by default) refuses an
operator who has not enrolled.
"""

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.db import transaction

from core.errors import DomainError
from practice.models import MfaDevice
from practice.services.mfa import mfa_verify


class AdminLoginForm(AdminAuthenticationForm):
    otp_code = forms.CharField(
        label="Authentication code",
        required=False,
        max_length=32,
        help_text="The 6-digit code from your authenticator app, or a recovery code.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)  # active, and an operator (is_staff)
        if not MfaDevice.objects.filter(user=user).exists():
            if settings.ADMIN_MFA_REQUIRED:
                raise ValidationError(
                    "This account has no second factor. Enrol one on the server first: "
                    "manage.py mfa_enrol_operator <email>.",
                    code="mfa_not_enrolled",
                )
            return
        code = (self.cleaned_data.get("otp_code") or "").strip().replace(" ", "")
        if not code:
            raise ValidationError("Enter the code from your authenticator app.", code="mfa_code_required")
        try:
            with transaction.atomic():  # mfa_verify locks the device row
                if code.isdigit():
                    mfa_verify(user=user, code=code)
                else:
                    mfa_verify(user=user, recovery_code=code)
        except DomainError as exc:
            raise ValidationError(exc.message, code=exc.code) from None
