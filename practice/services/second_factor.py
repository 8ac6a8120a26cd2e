"""The second factor belongs to the log-in: whether a request may act in a practice that requires it.

A practice whose `settings.mfa_required` is on (the default) lets its staff act only through a log-in that gave
the second factor: an API token issued by `/auth/mfa/verify/` (or confirmed by `/auth/mfa/confirm/`), or a
browser session marked by `session_mark_second_factor`. It is checked on every request, where the
membership is resolved (backend/api/views.py `resolve_membership`), so it also holds for a token issued
before the practice switched MFA on, for a practice joined later by invitation, and for the admin who switched
it on. The web pages reuse the same functions with the session.
"""

from __future__ import annotations

from django.utils import timezone

from core.errors import DomainError
from practice.models import Membership, MfaDevice, TokenSecondFactor
from practice.settings_schema import practice_setting

SESSION_SECOND_FACTOR = "attune_second_factor"  # session key: the method given at this session's log-in

MFA_REQUIRED_MESSAGE = (
    "This practice requires a second factor, and this log-in was made without one. Not enrolled yet: "
    "POST /api/v1/auth/mfa/enrol/ then /api/v1/auth/mfa/confirm/ with a code (this log-in then counts as "
    "verified). Enrolled: log in again (POST /api/v1/auth/login/) and complete /api/v1/auth/mfa/verify/."
)


class SecondFactorRequired(DomainError):
    """403 `mfa_required`: a staff member acts in an MFA practice through a log-in without the second factor."""

    status_code = 403
    code = "mfa_required"


def membership_requires_second_factor(membership: Membership) -> bool:
    """Whether acting through `membership` needs a log-in that gave the second factor (staff roles in a practice
    whose setting `mfa_required` is on, the default). Clients reach their own record with their password."""
    return membership.is_staff_member and practice_setting(membership.practice, "mfa_required")


def second_factor_require(*, membership: Membership, given: bool) -> None:
    """Raise SecondFactorRequired unless the log-in gave the second factor or the membership needs none."""
    if given or not membership_requires_second_factor(membership):
        return

    enrolled = MfaDevice.objects.filter(user_id=membership.user_id, confirmed_at__isnull=False).exists()
    raise SecondFactorRequired(
        MFA_REQUIRED_MESSAGE,
        code="mfa_required",
        extra={
            "mfa_enrolled": enrolled,
            "next": "/api/v1/auth/login/" if enrolled else "/api/v1/auth/mfa/enrol/",
        },
    )


def request_second_factor_require(request, membership: Membership) -> None:
    """`second_factor_require` for a request, asking its log-in (one query) only when the practice requires it."""
    if membership_requires_second_factor(membership):
        second_factor_require(membership=membership, given=request_second_factor_given(request))


def token_second_factor_given(token) -> bool:
    """Whether this token's log-in gave the second factor. The token the request authenticated with carries
    the answer from its own query (`second_factor_given`, backend/api/authentication.py): no query here."""
    if token is None:
        return False
    given = getattr(token, "second_factor_given", None)
    if given is not None:
        return bool(given)
    return TokenSecondFactor.objects.filter(token_id=token.pk).exists()


def token_mark_second_factor(*, token, method: str) -> None:
    TokenSecondFactor.objects.update_or_create(
        token_id=token.pk, defaults={"method": method, "verified_at": timezone.now()}
    )
    token.second_factor_given = True  # the flag the request's token carries stays true to the row


def session_second_factor_given(session) -> bool:
    return bool(session is not None and session.get(SESSION_SECOND_FACTOR))


def session_mark_second_factor(*, session, method: str) -> None:
    """Call right after a page log-in verified the second factor (after `login()`, which cycles the session)."""
    session[SESSION_SECOND_FACTOR] = method


def request_second_factor_given(request) -> bool:
    """The log-in behind this request gave the second factor: its knox token, else its browser session."""
    from knox.models import AuthToken

    auth = getattr(request, "auth", None)
    if isinstance(auth, AuthToken):
        return token_second_factor_given(auth)
    return session_second_factor_given(getattr(request, "session", None))
