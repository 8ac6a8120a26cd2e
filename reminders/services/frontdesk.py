"""The front desk's actions on outbox rows: resending a failed message."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Conflict, InvalidTransition, NotAllowed
from practice import roles
from practice.audit import audit_record
from practice.models import AuditEvent, Membership
from reminders.models import OutboundMessage
from reminders.services.dispatch import _kick_dispatcher

Kind = OutboundMessage.Kind
St = OutboundMessage.Status


def _require_no_waiting_details_notice(message: OutboundMessage) -> None:
    """A newer change-of-place notice still waiting tells the client the latest place: resending an older
    one would repeat it. The appointment row is locked first, as the scheduling services lock it before
    they queue a notice, so the check and the resend cannot interleave with a change of place. The appointment
    model is reached through the row's foreign key: the outbox imports no domain app."""
    appointment_model = OutboundMessage._meta.get_field("appointment").related_model
    list(
        appointment_model._default_manager.select_for_update()
        .filter(pk=message.appointment_id)
        .values_list("pk", flat=True)
    )
    if OutboundMessage.objects.filter(
        appointment_id=message.appointment_id, client_id=message.client_id, kind=Kind.DETAILS_CHANGED, status=St.PENDING
    ).exists():
        raise Conflict(
            "A newer notice of this appointment's place is already on its way to the client.", code="notice_queued"
        )


@transaction.atomic
def outbound_message_resend(*, actor: Membership, message: OutboundMessage) -> OutboundMessage:
    """Put a failed row back in the queue (front desk). The send task re-checks everything again."""
    if not actor.has_role(roles.FRONT_DESK):
        raise NotAllowed("Only the front desk may resend a message.")
    message = OutboundMessage.objects.select_for_update().get(pk=message.pk)
    if message.status != St.FAILED:
        raise InvalidTransition(
            f"Only a failed message can be resent; this one is {message.status}.",
            extra={"current_status": message.status},
        )
    if message.kind == Kind.DETAILS_CHANGED:
        _require_no_waiting_details_notice(message)
    now = timezone.now()
    message.status, message.due_at, message.attempts, message.claimed_at = St.PENDING, now, 0, None
    try:
        with transaction.atomic():
            message.save(update_fields=["status", "due_at", "attempts", "claimed_at", "updated_at"])
    except IntegrityError as exc:
        if "outbound_message_one_live_invitation" not in str(exc):
            raise
        raise Conflict("Another invitation to this packet is already on its way.", code="invitation_queued") from exc
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=message, detail={"resend": True})
    transaction.on_commit(_kick_dispatcher)
    return message
