"""One-time sign-in links to the client portal, sent by email through the outbox.

- Asking for a link answers the same whether or not the address belongs to a portal account (no account
  enumeration): the caller shows one message either way.
- A link is for a person whose only way in is the client portal: a person who holds a staff role where a second
  factor is required signs in with their password and code instead, and gets no link.
- A link expires after `PORTAL_SIGN_IN_LINK_MAX_AGE` seconds (default 15 minutes), works once, and at most
  `PORTAL_SIGN_IN_LINKS_PER_HOUR` (default 3) are issued per person per hour; the page also holds the
  per-address `anon_auth` rate limit.
- The email carries the practice's name and the link only (practice/messages.py renders it at send time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.errors import DomainError
from practice import roles
from practice.audit import audit_record
from practice.models import AuditEvent, Client, SignInLink, User
from practice.services.mfa import mfa_required_for
from reminders.models import OutboundMessage
from reminders.services.outbox import outbox_client_message_queue

SALT = "attune.portal.sign-in-link"
SUBJECT = "practice.signinlink"


def link_max_age() -> int:
    return int(getattr(settings, "PORTAL_SIGN_IN_LINK_MAX_AGE", 15 * 60))


def links_per_hour() -> int:
    return int(getattr(settings, "PORTAL_SIGN_IN_LINKS_PER_HOUR", 3))


def sign_in_link_token(link: SignInLink) -> str:
    return signing.dumps({"l": link.pk}, salt=SALT, compress=True)


def sign_in_link_url(link: SignInLink) -> str:
    path = reverse("portal_pages:sign-in-link-use")
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{path}?token={sign_in_link_token(link)}"


def _portal_clients(user: User):
    """The client records this person signs in to the portal for (active, in an active client membership)."""
    return (
        Client.objects.filter(
            portal_membership__user=user,
            portal_membership__is_active=True,
            portal_membership__roles__contains=[roles.CLIENT],
            is_active=True,
        )
        .select_related("practice")
        .order_by("pk")
    )


@transaction.atomic
def sign_in_link_request(*, email: str, now: datetime | None = None) -> SignInLink | None:
    """Queue a sign-in link for the portal account of `email`, if there is one and it may have one. Returns the
    link (None when nothing was sent): the caller must answer the same in both cases."""

    now = now or timezone.now()
    user = User.objects.select_for_update().filter(email__iexact=(email or "").strip(), is_active=True).first()
    if user is None or mfa_required_for(user):
        return None
    client = _portal_clients(user).first()
    if client is None:
        return None
    recent = SignInLink.objects.filter(user=user, created_at__gt=now - timedelta(hours=1)).count()
    if recent >= links_per_hour():
        return None  # the same answer: the limit is not announced to whoever typed the address
    link = SignInLink.objects.create(
        user=user,
        practice=client.practice,
        client=client,
        created_at=now,
        expires_at=now + timedelta(seconds=link_max_age()),
    )
    outbox_client_message_queue(
        practice_id=client.practice_id,
        client=client,
        kind=OutboundMessage.Kind.PORTAL_SIGN_IN,
        subject_type=SUBJECT,
        subject_id=link.pk,
        now=now,
    )
    return link


def sign_in_link_usable(link: SignInLink | None, now: datetime) -> bool:
    return (
        link is not None
        and link.used_at is None
        and link.expires_at > now
        and link.user.is_active
        and _portal_clients(link.user).filter(pk=link.client_id).exists()
    )


def sign_in_link_peek(*, token: str, now: datetime | None = None) -> SignInLink | None:
    """The link a token names if it can still be used (nothing changes: a mail scanner's GET signs nobody in)."""
    now = now or timezone.now()
    link = _from_token(token, for_update=False)
    return link if sign_in_link_usable(link, now) else None


@dataclass(frozen=True)
class UsedLink:
    user: User
    practice_id: int


@transaction.atomic
def sign_in_link_use(*, token: str, now: datetime | None = None) -> UsedLink:
    """Spend the link (once: the row is locked, a second use finds it used) and return whom it signs in."""
    now = now or timezone.now()
    link = _from_token(token, for_update=True)
    if link is None or not sign_in_link_usable(link, now):
        raise DomainError(
            "This sign-in link has expired or has been used. Ask for a new one.", code="sign_in_link_invalid"
        )
    link.used_at = now
    link.save(update_fields=["used_at"])
    membership = link.client.portal_membership
    audit_record(actor=membership, action=AuditEvent.Action.LOGIN, obj=link.user, detail={"via": "sign_in_link"})
    return UsedLink(user=link.user, practice_id=link.practice_id)


def _from_token(token: str, *, for_update: bool) -> SignInLink | None:
    try:
        data = signing.loads(token or "", salt=SALT, max_age=link_max_age())
    except (signing.BadSignature, signing.SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("l"), int):
        return None
    rows = SignInLink.objects.select_related("user", "client__portal_membership__practice", "practice")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    return rows.filter(pk=data["l"]).first()
