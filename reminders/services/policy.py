"""The practice's reminder policy: which reminders go out, when and on which channel."""

from __future__ import annotations

from django.db import transaction

from core.errors import DomainError, NotAllowed
from practice import roles
from practice.audit import audit_record
from practice.models import AuditEvent, Membership, Practice
from reminders.models import DEFAULT_STEPS, Channel, ReminderPolicy


def reminder_policy_for(*, practice: Practice | int) -> ReminderPolicy:
    practice_id = practice if isinstance(practice, int) else practice.pk
    policy, _ = ReminderPolicy.objects.get_or_create(practice_id=practice_id, defaults={"steps": DEFAULT_STEPS})
    return policy


def _validate_steps(steps: object) -> list[dict]:
    if not isinstance(steps, list) or len(steps) > 10:
        raise DomainError("Reminder steps must be a list of at most 10.", fields={"steps": ["Invalid list."]})
    clean, seen = [], set()
    for i, step in enumerate(steps):
        try:
            offset = int(step["offset_minutes"])
            channel = str(step["channel"])
        except (KeyError, TypeError, ValueError):
            raise DomainError(
                "Each step needs offset_minutes and channel.",
                fields={"steps": [f"Step {i}: offset_minutes (integer) and channel."]},
            ) from None
        if not 5 <= offset <= 30 * 24 * 60:
            raise DomainError("Offset out of range.", fields={"steps": [f"Step {i}: 5 minutes to 30 days."]})
        if channel not in Channel.values:
            raise DomainError("Unknown channel.", fields={"steps": [f"Step {i}: one of {', '.join(Channel.values)}."]})
        if (offset, channel) in seen:
            raise DomainError("Duplicate step.", fields={"steps": [f"Step {i} repeats an earlier one."]})
        seen.add((offset, channel))
        clean.append({"offset_minutes": offset, "channel": channel})
    return sorted(clean, key=lambda s: -s["offset_minutes"])


@transaction.atomic
def reminder_policy_update(
    *,
    actor: Membership,
    steps: list | None = None,
    send_confirmation: bool | None = None,
    send_change_notices: bool | None = None,
) -> ReminderPolicy:
    """Admin only. Applies to appointments synced from now on (pending rows are not rewritten)."""
    if not actor.has_role(roles.ADMIN):
        raise NotAllowed("Only an administrator may change the reminder policy.")
    policy = reminder_policy_for(practice=actor.practice)
    if steps is not None:
        policy.steps = _validate_steps(steps)
    if send_confirmation is not None:
        policy.send_confirmation = send_confirmation
    if send_change_notices is not None:
        policy.send_change_notices = send_change_notices
    policy.save()
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=policy, detail={"steps": len(policy.steps)})
    return policy
