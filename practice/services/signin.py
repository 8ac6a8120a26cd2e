"""Signing in. The password step is shared by the API's log-in (practice/auth.py) and the sign-in page
(backend/web/auth_pages.py), so both lock out, refuse and ask for the second factor alike; the API's log-in
then decides here between a token and a second-factor challenge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import authenticate
from knox.models import AuthToken

from core.errors import DomainError
from practice.models import MfaDevice, User
from practice.services.mfa import mfa_challenge_issue, mfa_required_for
from practice.services.second_factor import token_mark_second_factor

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


@dataclass(frozen=True)
class ApiLogin:
    """What the API's log-in answers: a token (the log-in is complete) or a challenge (a second factor next)."""

    user: User
    token: str = ""
    expiry: datetime | None = None
    challenge: str = ""
    mfa_enrolled: bool = False


def signin_token_issue(*, user: User, second_factor: str = "") -> tuple[str, datetime | None]:
    """A new API token and its expiry; `second_factor` names the factor this log-in gave ("totp",
    "recovery_code"), if any, so the practices that require one accept the token."""
    instance, token = AuthToken.objects.create(user, settings.REST_KNOX["TOKEN_TTL"])
    if second_factor:
        token_mark_second_factor(token=instance, method=second_factor)
    return token, instance.expiry


def signin_api_login(*, request, email: str, password: str) -> ApiLogin:
    """The API's log-in: the password step, then a token, or (when the user has a second factor or a practice
    of theirs requires one) a short-lived challenge to complete at /auth/mfa/verify/ or /auth/mfa/enrol/."""
    checked = signin_password_check(request=request, email=email, password=password)
    if checked.mfa_needed:
        return ApiLogin(
            user=checked.user, challenge=mfa_challenge_issue(user=checked.user), mfa_enrolled=checked.mfa_enrolled
        )
    token, expiry = signin_token_issue(user=checked.user)
    return ApiLogin(user=checked.user, token=token, expiry=expiry)
