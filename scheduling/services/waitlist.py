"""The waitlist: clients waiting for a clinician / type at preferred days and times."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, DomainError
from practice import roles
from practice.audit import audit_record
from practice.models import AuditEvent, Membership
from practice.services.access import require_role
from scheduling.models import Appointment, Status, WaitlistEntry
from scheduling.services.booking import appointment_book


@transaction.atomic
def waitlist_add(*, actor: Membership, **fields: Any) -> WaitlistEntry:
    """Put a client on the waitlist (front desk). Client, clinician and type come scoped from the door."""
    require_role(actor, {roles.FRONT_DESK})
    entry = WaitlistEntry(practice=actor.practice, **fields)
    if any(d not in range(7) for d in entry.preferred_weekdays):
        raise DomainError("Weekdays are 0 (Monday) to 6.", fields={"preferred_weekdays": ["0..6 only."]})
    entry.full_clean()
    entry.save()
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=entry, detail={"client": entry.client_id})
    return entry


@transaction.atomic
def waitlist_remove(*, actor: Membership, entry: WaitlistEntry) -> None:
    """Take an entry off the list (offered a slot, or no longer waiting). Kept, marked fulfilled."""
    require_role(actor, {roles.FRONT_DESK})
    entry.fulfilled_at = timezone.now()
    entry.save(update_fields=["fulfilled_at"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=entry, detail={"fulfilled": True})


@transaction.atomic
def waitlist_offer(*, actor: Membership, entry: WaitlistEntry, opening: Appointment) -> Appointment:
    """Give a cancelled session's time to a waiting client: the same clinician, type, time and place booked
    for the entry's client through `appointment_book` (its conflict and scope checks), and the entry marked
    fulfilled, both or neither. An entry already fulfilled answers 409 `waitlist_fulfilled`."""
    require_role(actor, {roles.FRONT_DESK})
    entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.fulfilled_at is not None:
        raise Conflict("This client is no longer waiting.", code="waitlist_fulfilled")
    if opening.status not in (Status.CANCELLED, Status.LATE_CANCELLED) or opening.practice_id != actor.practice_id:
        raise DomainError("That time is not free.", fields={"opening": ["Not a cancelled session."]})
    appointment = appointment_book(
        actor=actor,
        clinician=opening.clinician,
        clients=[entry.client],
        appointment_type=opening.appointment_type,
        starts_at=opening.starts_at,
        mode=opening.mode,
        room=opening.room,
        video_link=opening.video_link,
    )
    waitlist_remove(actor=actor, entry=entry)
    return appointment
