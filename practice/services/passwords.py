"""Password reset by emailed link."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from core.errors import DomainError
from practice.models import User
from reminders.models import OutboundMessage
from reminders.services.outbox import outbox_account_message_queue

USER = "practice.user"  # the outbox subject type of a password reset (practice/messages.py sends it)


@transaction.atomic
def password_reset_request(*, email: str) -> None:
    """Queue a reset link for an active account with this email, through the outbox. The caller learns nothing
    either way: an unknown address gets the same statements (one look-up, one outbox row, `skipped` as
    `no_account`), no email is sent inside the request, and an SMTP failure happens in the worker."""
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    usable = user is not None and user.has_usable_password()
    outbox_account_message_queue(
        kind=OutboundMessage.Kind.PASSWORD_RESET,
        subject_type=USER,
        subject_id=user.pk if usable else "",
        problem="" if usable else "no_account",
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
