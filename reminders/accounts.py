"""Account messages through the outbox: a staff invitation and a password-reset link.

Like every outbox message they are written in the request's transaction and sent by the worker, so an SMTP
failure never reaches the request, and the request does the same work whether or not an account exists
(practice/services/passwords.py). They are addressed by their subject, not a client or a member: the
invitation's address (no account yet), the user's. The text is rendered at send time and carries the
minimum: the practice's name, who invited, the link.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from reminders.models import OutboundMessage

Kind = OutboundMessage.Kind

INVITATION = "practice.invitation"
USER = "practice.user"
ACCOUNT_KINDS = (Kind.STAFF_INVITATION, Kind.PASSWORD_RESET)


def check(message: OutboundMessage, now: datetime):
    from practice.models import Invitation, User
    from reminders.subjects import Check

    if message.kind == Kind.STAFF_INVITATION:
        invitation = (
            Invitation.objects.select_related("practice", "invited_by__user").filter(pk=message.subject_id).first()
        )
        if invitation is None:
            return Check(stale="invitation_deleted")
        if invitation.accepted_at is not None:
            return Check(stale="invitation_accepted")
        if invitation.revoked_at is not None:
            return Check(stale="invitation_revoked")
        if invitation.created_at < now - timedelta(seconds=settings.INVITATION_MAX_AGE):
            return Check(stale="invitation_expired")
        return Check(subject=invitation, to=invitation.email)
    user = User.objects.filter(pk=message.subject_id or None).first() if message.subject_id else None
    if user is None or not user.is_active or not user.has_usable_password():
        return Check(problem="no_account")
    if message.created_at < now - timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT):
        return Check(stale="reset_expired")  # asked for too long ago: the person has moved on
    return Check(subject=user, to=user.email)


def render(message: OutboundMessage, checked):
    from reminders.subjects import Rendered

    base = settings.PUBLIC_BASE_URL.rstrip("/")
    if message.kind == Kind.STAFF_INVITATION:
        from practice.services.members import invitation_token

        invitation = checked.subject
        practice = invitation.practice.name
        inviter = invitation.invited_by.user if invitation.invited_by else None
        who = f"{inviter} invited you" if inviter else "You are invited"
        link = f"{base}/accept-invitation?token={invitation_token(invitation)}"
        days = settings.INVITATION_MAX_AGE // 86400
        return Rendered(
            subject=f"Your invitation to {practice}",
            body=f"{who} to join {practice} on Attune.\n\n"
            f"Set your password here (the link works for {days} days):\n{link}\n",
        )
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = checked.subject
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    link = f"{base}/reset-password?uid={uid}&token={default_token_generator.make_token(user)}"
    return Rendered(
        subject="Reset your Attune password",
        body="Someone asked to reset the password of this account. If it was you, use this link within "
        f"{settings.PASSWORD_RESET_TIMEOUT // 60} minutes:\n{link}\n\nIf it was not you, ignore this message.",
    )
