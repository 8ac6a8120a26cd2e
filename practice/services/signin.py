"""The password step of signing in, shared by the API's log-in (practice/auth.py) and the sign-in page
(backend/web/auth_pages.py), so both lock out, refuse and ask for the second factor alike."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate

from core.errors import DomainError
from practice.models import MfaDevice, User
from practice.services.mfa import mfa_required_for

LOGIN_FAILED = "Unable to log in with the email and password given."


class LockedOut(DomainError):
    status_code = 429
    code = "locked_out"


def lockout_minutes() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)


def locked_out_message() -> str:
    return f"Too many failed log-in attempts. Try again in {lockout_minutes()} minutes."


@dataclass(frozen=True)
class PasswordChecked:
    user: User
    mfa_enrolled: bool  # a confirmed second factor exists
    mfa_needed: bool  # the next step is the second factor (enrolled, or a practice requires one)


def signin_password_check(*, request, email: str, password: str) -> PasswordChecked:
    """Email and password through django-axes (the (email, IP) lockout) and Django's backends.
    `request` is the Django HttpRequest. Raises LockedOut (429) or DomainError login_failed (400): the same
    answer for an unknown email and a wrong password."""
    user = authenticate(request, email=email.strip().lower(), password=password)
    if getattr(request, "axes_locked_out", False):
        raise LockedOut(locked_out_message(), extra={"retry_after_seconds": lockout_minutes() * 60})
    if user is None or not user.is_active:
        raise DomainError(LOGIN_FAILED, code="login_failed")
    enrolled = MfaDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()
    return PasswordChecked(user=user, mfa_enrolled=enrolled, mfa_needed=enrolled or mfa_required_for(user))
