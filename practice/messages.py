"""Account messages through the outbox (registered in PracticeConfig.ready(); reminders/registry.py): a staff
invitation, a password-reset link and a client's portal sign-in link.

Like every outbox message they are written in the request's transaction and sent by the worker, so an SMTP
failure never reaches the request, and the request does the same work whether or not an account exists
(practice/services/passwords.py, signin_links.py). An invitation and a reset are addressed by their subject, not
a client or a member: the invitation's address (no account yet), the user's. The text is rendered at send time
from templates/practice/email/ and carries the minimum: the practice's name, who invited, the link.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from practice.models import Invitation, SignInLink, User
from practice.services.members import invitation_token
from practice.services.signin_links import link_max_age, sign_in_link_url
from reminders import registry
from reminders.models import OutboundMessage
from reminders.templating import render_line, render_text

Kind = OutboundMessage.Kind


def _base_url() -> str:
    return str(settings.PUBLIC_BASE_URL).rstrip("/")


def invitation_check(message: OutboundMessage, now: datetime) -> registry.Check:
    invitation = Invitation.objects.select_related("practice", "invited_by__user").filter(pk=message.subject_id).first()
    if invitation is None:
        return registry.Check(stale="invitation_deleted")
    if invitation.accepted_at is not None:
        return registry.Check(stale="invitation_accepted")
    if invitation.revoked_at is not None:
        return registry.Check(stale="invitation_revoked")
    if invitation.created_at < now - timedelta(seconds=settings.INVITATION_MAX_AGE):
        return registry.Check(stale="invitation_expired")
    return registry.Check(subject=invitation, to=invitation.email)


def invitation_render(message: OutboundMessage, checked: registry.Check) -> registry.Rendered:
    invitation = checked.subject
    assert isinstance(invitation, Invitation)
    context = {
        "practice": invitation.practice.name,
        "inviter": invitation.invited_by.user if invitation.invited_by else None,
        "link": f"{_base_url()}/accept-invitation?token={invitation_token(invitation)}",
        "days": settings.INVITATION_MAX_AGE // 86400,
    }
    return registry.Rendered(
        subject=render_line("practice/email/staff_invitation_subject.txt", context),
        body=render_text("practice/email/staff_invitation.txt", context),
    )


def password_reset_check(message: OutboundMessage, now: datetime) -> registry.Check:
    user = User.objects.filter(pk=message.subject_id).first() if message.subject_id else None
    if user is None or not user.is_active or not user.has_usable_password():
        return registry.Check(problem="no_account")
    if message.created_at < now - timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT):
        return registry.Check(stale="reset_expired")  # asked for too long ago: the person has moved on
    return registry.Check(subject=user, to=user.email)


def password_reset_render(message: OutboundMessage, checked: registry.Check) -> registry.Rendered:
    user = checked.subject
    assert isinstance(user, User)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    context = {
        "link": f"{_base_url()}/reset-password?uid={uid}&token={default_token_generator.make_token(user)}",
        "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
    }
    return registry.Rendered(
        subject=render_line("practice/email/password_reset_subject.txt", context),
        body=render_text("practice/email/password_reset.txt", context),
    )


def sign_in_link_check(message: OutboundMessage, now: datetime) -> registry.Check:
    link = SignInLink.objects.select_related("user", "practice", "client").filter(pk=message.subject_id).first()
    if link is None:
        return registry.Check(stale="link_deleted")
    if link.used_at is not None:
        return registry.Check(stale="link_used")
    if link.expires_at <= now:
        return registry.Check(stale="link_expired")
    problem = "recipient_inactive" if not link.user.is_active or not link.client.is_active else ""
    # To the address the person typed (their sign-in email), not the record's contact address.
    return registry.Check(problem=problem, subject=link, to=link.user.email if not problem else "")


def sign_in_link_render(message: OutboundMessage, checked: registry.Check) -> registry.Rendered:
    link = checked.subject
    assert isinstance(link, SignInLink)
    with translation.override(link.client.language or "en"):
        context = {"practice": link.practice.name, "minutes": link_max_age() // 60, "link": sign_in_link_url(link)}
        return registry.Rendered(
            subject=render_line("practice/email/sign_in_link_subject.txt", context),
            body=render_text("practice/email/sign_in_link.txt", context),
        )


def register() -> None:
    registry.register([Kind.STAFF_INVITATION], registry.Handler(invitation_check, invitation_render))
    registry.register([Kind.PASSWORD_RESET], registry.Handler(password_reset_check, password_reset_render))
    registry.register([Kind.PORTAL_SIGN_IN], registry.Handler(sign_in_link_check, sign_in_link_render))
