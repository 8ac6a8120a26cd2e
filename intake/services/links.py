"""A packet's signed links: revoking them, sending the invitation again, auditing a read through one."""

from __future__ import annotations

import math

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, DomainError
from intake import invitations
from intake.models import Packet
from intake.services.packets import ASSIGNERS
from practice.audit import audit_record
from practice.models import AuditEvent, Client, Membership
from practice.selectors import client_list
from practice.services.access import require_role
from reminders.models import OutboundMessage
from reminders.services.outbox import outbox_client_message_queue_again
from reminders.subjects import client_problem


class ResendTooSoon(DomainError):
    status_code = 429
    code = "resend_too_soon"


def _require_client_in_scope(actor: Membership, client: Client) -> None:
    """The packet's client must still be in the caller's caseload once the packet is locked (stored state, not
    an id from the request: those are scoped at the door)."""
    if not client_list(actor=actor).filter(pk=client.pk).exists():
        raise DomainError("Not found.", fields={"client": [f'Invalid pk "{client.pk}" - object does not exist.']})


def _packet_lock_for_staff(actor: Membership, packet: Packet) -> Packet:
    """The packet, locked (resends and revocations of one packet run one at a time), after the actor's checks:
    an assigner (front desk, or a clinician for their caseload, as for assigning). A packet deleted since the
    caller found it is a 409."""
    require_role(actor, ASSIGNERS)
    locked = (
        Packet.objects.select_for_update(of=("self",))
        .select_related("client")
        .filter(pk=packet.pk, practice=actor.practice)
        .first()
    )
    if locked is None:
        raise Conflict("This packet no longer exists.", code="packet_deleted")
    _require_client_in_scope(actor, locked.client)
    return locked


def _link_rotate(packet: Packet) -> None:
    packet.link_nonce = invitations.link_nonce_new()
    packet.save(update_fields=["link_nonce"])


@transaction.atomic
def packet_link_revoke(*, actor: Membership, packet: Packet) -> Packet:
    """Revoke every link to the packet already sent: a new nonce, so an old link opens nothing (the link
    endpoints answer 404, exactly as for an expired or forged link). The packet itself stays assigned: the next
    message about it (a resend, a nudge, an invitation still queued) is rendered at send time with the new link.
    A completed packet may be revoked too: its link still opens the submitted answers, read-only."""
    packet = _packet_lock_for_staff(actor, packet)
    _link_rotate(packet)
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=packet, detail={"link": "revoked"})
    return packet


@transaction.atomic
def packet_invitation_resend(*, actor: Membership, packet: Packet, revoke_previous: bool = True) -> OutboundMessage:
    """Send the invitation again: one more outbox row (kind `intake_invitation_resend`), rendered at send time
    with the packet's current link. With `revoke_previous` the links already sent stop working first.

    Refused (409) for a completed packet (`packet_completed`), a client without an email address
    (`no_email_address`) or inactive (`client_inactive`), and while an invitation to the packet is still on its
    way (`invitation_queued`; a database constraint backs this against concurrent requests). At most one per
    `INTAKE_RESEND_MIN_INTERVAL` seconds per packet, counted from the last invitation queued, first or again
    (429 `resend_too_soon` with `retry_after_seconds`). Returns the new outbox row."""
    packet = _packet_lock_for_staff(actor, packet)
    if packet.status == Packet.Status.COMPLETED:
        raise Conflict("This packet is completed: there is nothing left to fill in.", code="packet_completed")
    problem = client_problem(packet.client)
    if problem == "no_email_address":
        raise Conflict("The client has no email address. Add one, then send the invitation.", code=problem)
    if problem:
        raise Conflict("The client is not active.", code=problem)

    St = OutboundMessage.Status
    now = timezone.now()
    last = (
        OutboundMessage.objects.filter(
            client_id=packet.client_id,
            subject_type=invitations.PACKET,
            subject_id=str(packet.pk),
            kind__in=invitations.INVITATION_KINDS,
            status__in=(St.PENDING, St.CLAIMED, St.SENT),  # a skipped, cancelled or failed one reached nobody
        )
        .order_by("-created_at")
        .first()
    )
    if last is not None and last.status != St.SENT:
        raise Conflict("An invitation to this packet is already on its way.", code="invitation_queued")
    interval = invitations.resend_min_interval()
    if last is not None and (elapsed := (now - last.created_at).total_seconds()) < interval:
        raise ResendTooSoon(
            "An invitation to this packet went out only minutes ago. Try again later.",
            extra={"retry_after_seconds": max(1, math.ceil(interval - elapsed))},
        )
    if revoke_previous:
        _link_rotate(packet)
    message = outbox_client_message_queue_again(
        practice_id=packet.practice_id,
        client=packet.client,
        kind=OutboundMessage.Kind.INTAKE_INVITATION_RESEND,
        subject_type=invitations.PACKET,
        subject_id=packet.pk,
        now=now,
    )
    if message is None:  # another request queued one since the check above (the constraint said so)
        raise Conflict("An invitation to this packet is already on its way.", code="invitation_queued")
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=packet,
        detail={"invitation": "resent", "message": message.pk, "link": "revoked" if revoke_previous else "kept"},
    )
    return message


def packet_link_read_audit(*, packet: Packet) -> None:
    """Opening a packet through its signed link reads the client's answers: audit it like any read,
    as the client (the link is theirs), with the packet as the object."""
    portal = packet.client.portal_membership
    audit_record(
        actor=None,
        practice=packet.practice,
        user=portal.user if portal else None,
        action=AuditEvent.Action.READ,
        obj=packet,
        detail={"via": "signed_link"},
    )
