"""The waitlist: clients waiting for a clinician / type at preferred days and times."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from backend.api.exceptions import DomainError
from practice import roles
from practice.audit import audit_record
from practice.models import AuditEvent, Membership
from practice.services.access import require_role
from scheduling.models import WaitlistEntry
from scheduling.services.appointments import require_clients_in_scope


@transaction.atomic
def waitlist_add(*, actor: Membership, **fields: Any) -> WaitlistEntry:
    """Put a client on the waitlist (front desk). A client out of the caller's scope answers like an unknown id."""
    require_role(actor, {roles.FRONT_DESK})
    if fields.get("client") is not None:
        require_clients_in_scope(actor, [fields["client"]], field="client")
    entry = WaitlistEntry(practice=actor.practice, **fields)
    for name in ("client", "clinician", "appointment_type"):
        related = getattr(entry, name, None)
        if related is not None and related.practice_id != actor.practice_id:
            raise DomainError("Not found.", fields={name: ["Not found."]})
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
