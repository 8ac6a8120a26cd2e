"""Password reset by emailed link."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from backend.api.exceptions import DomainError
from practice.models import User


def password_reset_request(*, email: str) -> None:
    """Sends a reset link if an active account has this email. The caller learns nothing either way."""
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = f"{settings.PUBLIC_BASE_URL}/reset-password?uid={uid}&token={token}"
    send_mail(
        "Reset your Attune password",
        f"Someone asked to reset the password of this account. If it was you, use this link within "
        f"{settings.PASSWORD_RESET_TIMEOUT // 60} minutes:\n{link}\n\nIf it was not you, ignore this message.",
        None,
        [user.email],
    )


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    invalid = DomainError(
        "This reset link is not valid or has expired.", code="token_invalid", fields={"token": ["Invalid or expired."]}
    )
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uid))), is_active=True)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist) as exc:
        raise invalid from exc
    if not default_token_generator.check_token(user, token):
        raise invalid
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise DomainError("Choose a stronger password.", fields={"new_password": exc.messages}) from exc
    user.set_password(new_password)  # changes the hash, so the token cannot be used again
    user.save(update_fields=["password"])
    # A reset ends every session and token: whoever knew the old password is out.
    from knox.models import AuthToken

    AuthToken.objects.filter(user=user).delete()
    return user
