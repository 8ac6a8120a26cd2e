"""Assigning forms to a client as a packet, and keeping the packet's status in step with its responses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from intake.invitations import packet_invitation_send
from intake.models import FormDefinition, MeasureSchedule, Packet, Response
from practice import roles
from practice.audit import audit_record
from practice.models import AuditEvent, Client, Membership, Practice
from practice.services.access import require_role

ASSIGNERS = {roles.FRONT_DESK, roles.CLINICIAN}


@transaction.atomic
def packet_assign(
    *,
    actor: Membership,
    client: Client,
    forms: Sequence[FormDefinition],
    due_on: dt.date | None = None,
    send_invitation: bool = True,
    schedule: MeasureSchedule | None = None,
) -> Packet:
    """Assign forms to a client: one draft response per form, pinned to its latest published version.

    The client and forms come scoped from the door (PacketAssignInput: the caller's practice and caseload)."""
    require_role(actor, ASSIGNERS)
    return _packet_create(
        practice=actor.practice,
        client=client,
        forms=forms,
        due_on=due_on,
        assigned_by=actor,
        send_invitation=send_invitation,
        schedule=schedule,
    )


def _packet_create(
    *,
    practice: Practice,
    client: Client,
    forms: Sequence[FormDefinition],
    due_on,
    assigned_by: Membership | None,
    send_invitation: bool,
    schedule=None,
) -> Packet:
    if not forms:
        raise DomainError("Choose at least one form.", fields={"forms": ["Choose at least one form."]})
    versions = []
    for form in forms:
        version = form.latest_published
        if version is None:
            raise DomainError("A form has no published version.", fields={"forms": [f"'{form.slug}' is a draft."]})
        versions.append(version)
    packet = Packet.objects.create(
        practice=practice, client=client, due_on=due_on, assigned_by=assigned_by, schedule=schedule
    )
    Response.objects.bulk_create(
        Response(practice=practice, client=client, packet=packet, version=v, position=i) for i, v in enumerate(versions)
    )
    audit_record(
        actor=assigned_by,
        practice=practice,
        action=AuditEvent.Action.CREATE,
        obj=packet,
        detail={"client": client.pk, "forms": [f.pk for f in forms]},
    )
    if send_invitation:
        packet_invitation_send(packet_id=packet.pk)  # an outbox row, in this transaction
    return packet


def _packet_refresh(packet: Packet) -> None:
    originals = packet.responses.filter(amends__isnull=True)
    statuses = list(originals.values_list("status", "started_at"))
    if statuses and all(s == Response.Status.SUBMITTED for s, _ in statuses):
        status, completed_at = Packet.Status.COMPLETED, timezone.now()
    elif any(s == Response.Status.SUBMITTED or started for s, started in statuses):
        status, completed_at = Packet.Status.IN_PROGRESS, None
    else:
        status, completed_at = Packet.Status.SENT, None
    if packet.status != status:
        packet.status = status
        packet.completed_at = completed_at
        packet.save(update_fields=["status", "completed_at"])
