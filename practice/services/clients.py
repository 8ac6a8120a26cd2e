"""Writes to client records (by staff and through the portal) and care teams."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Conflict, DomainError, NotAllowed
from practice import roles
from practice.audit import audit_record
from practice.models import AuditEvent, CareTeamMember, Client, Clinician, Membership
from practice.services.access import require_role

# What the client may change on their own record through the portal.
CLIENT_SELF_EDITABLE = {
    "preferred_name",
    "pronouns",
    "email",
    "phone",
    "address_line1",
    "address_line2",
    "city",
    "region",
    "postal_code",
    "country",
    "time_zone",
    "language",
    "emergency_contact_name",
    "emergency_contact_phone",
    "emergency_contact_relationship",
    "preferred_channel",
    "email_consent",
    "sms_consent",
    "wants_session_checkins",
}
CLIENT_STAFF_EDITABLE = CLIENT_SELF_EDITABLE | {"first_name", "last_name", "date_of_birth", "is_active"}


def _apply_consents(client: Client, changes: dict, *, source: str) -> None:
    now = timezone.now()
    for channel in ("email", "sms"):
        key = f"{channel}_consent"
        if key in changes and changes[key] != getattr(client, key):
            # The time and source of every consent change are kept with it (TCPA for SMS).
            setattr(client, f"{key}_at", now)
            setattr(client, f"{key}_source", source)


@transaction.atomic
def client_create(*, actor: Membership, **data: Any) -> Client:
    require_role(actor, {roles.FRONT_DESK})
    unknown = set(data) - CLIENT_STAFF_EDITABLE
    if unknown:
        raise DomainError("Unknown fields.", fields={f: ["Not a client field."] for f in sorted(unknown)})
    client = Client(practice=actor.practice)
    return _write(actor, client, data, source=f"staff:{actor.user.email}", action=AuditEvent.Action.CREATE)


@transaction.atomic
def client_update(*, actor: Membership, client: Client, **changes: Any) -> Client:
    if actor.has_role(roles.FRONT_DESK):
        allowed = CLIENT_STAFF_EDITABLE
        source = f"staff:{actor.user.email}"
    elif actor.has_role(roles.CLIENT) and client.portal_membership_id == actor.pk:
        allowed = CLIENT_SELF_EDITABLE
        source = "client_portal"
    else:
        raise NotAllowed("Your role in this practice may not change this client's record.")
    refused = set(changes) - allowed
    if refused:
        raise NotAllowed("You may not change these fields.", fields={f: ["Not editable by you."] for f in refused})
    client = Client.objects.select_for_update().get(pk=client.pk)
    return _write(actor, client, changes, source=source, action=AuditEvent.Action.UPDATE)


def _write(actor: Membership, client: Client, changes: dict, *, source: str, action: str) -> Client:
    """Consents stamped with their source, the fields set, validated, saved and audited (field names only)."""
    _apply_consents(client, changes, source=source)
    for field, value in changes.items():
        setattr(client, field, value)
    client.full_clean()
    client.save()
    audit_record(actor=actor, action=action, obj=client, detail={"fields": sorted(changes)})
    return client


@transaction.atomic
def care_team_add(*, actor: Membership, client: Client, clinician: Clinician, role: str) -> CareTeamMember:
    require_role(actor, {roles.ADMIN, roles.FRONT_DESK})
    if client.practice_id != actor.practice_id or clinician.practice_id != actor.practice_id:
        raise DomainError("Client and clinician must belong to this practice.")
    try:
        with transaction.atomic():
            member = CareTeamMember.objects.create(
                practice=actor.practice, client=client, clinician=clinician, role=role
            )
    except IntegrityError as exc:
        raise Conflict("This clinician is already on the client's care team.", code="already_on_care_team") from exc
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=member,
        detail={"client": client.pk, "clinician": clinician.pk},
    )
    return member


@transaction.atomic
def care_team_remove(*, actor: Membership, member: CareTeamMember) -> None:
    require_role(actor, {roles.ADMIN, roles.FRONT_DESK})
    audit_record(
        actor=actor,
        action=AuditEvent.Action.DELETE,
        obj=member,
        detail={"client": member.client_id, "clinician": member.clinician_id},
    )
    member.delete()
