"""Confirm and cancel through the signed links in a client's messages (reminders/links.py), with no login."""

from __future__ import annotations

from datetime import datetime

from django.core import signing
from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from practice.audit import audit_record
from practice.models import AuditEvent, Client
from reminders.links import link_read
from scheduling.models import Appointment, Status
from scheduling.services.appointment_changes import appointment_cancel, appointment_confirm_by_client


def link_resolve(*, token: str, now: datetime | None = None, for_update: bool = False):
    """The (appointment, client, action) a link token names, or a 400 saying why it cannot be used.

    `for_update` locks the appointment row (inside a transaction), so a second click waits for the
    first and then sees what it did.
    """
    now = now or timezone.now()
    try:
        claim = link_read(token)
    except signing.SignatureExpired:
        raise DomainError("This link has expired.", code="link_expired") from None
    except signing.BadSignature:
        raise DomainError("This link is not valid.", code="link_invalid") from None
    rows = Appointment.objects.select_related("practice", "room__location")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    appointment = rows.filter(pk=claim.appointment_id, participants__client_id=claim.client_id).first()
    if appointment is None:
        raise DomainError("This link is not valid.", code="link_invalid")
    if int(appointment.starts_at.timestamp()) != claim.starts_at_ts:
        raise DomainError(
            "The appointment has moved since this link was sent; use the newest message.", code="link_outdated"
        )
    if appointment.starts_at <= now:
        raise DomainError("This appointment has already started.", code="link_expired")
    client = Client.objects.get(pk=claim.client_id)
    return appointment, client, claim.action


@transaction.atomic
def link_apply(*, token: str, now: datetime | None = None):
    """Confirm or cancel through a signed link, with no login. Cancelling applies the practice's policy
    (the client cut-off `settings.client_cancel_cutoff_hours` and the late-cancellation window) through
    scheduling's `appointment_cancel` for a client cancelling online."""
    now = now or timezone.now()
    appointment, client, action = link_resolve(token=token, now=now, for_update=True)
    if action == "confirm":
        appointment = appointment_confirm_by_client(
            appointment=appointment, client=client, reason="confirmed by the client's link"
        )
    else:
        if appointment.status in (Status.CANCELLED, Status.LATE_CANCELLED):
            return appointment, client, action  # the same link clicked twice
        appointment = appointment_cancel(
            actor=None, appointment=appointment, by="client", reason="cancelled by the client's link", now=now
        )
    audit_record(
        actor=None,
        practice=appointment.practice,
        action=AuditEvent.Action.UPDATE,
        obj=appointment,
        detail={"via": "signed_link", "action": action, "client": client.pk, "status": appointment.status},
    )
    return appointment, client, action
