"""Writing the audit trail. Reading it is `selectors.audit_event_list`."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models

from backend.api.middleware import current_request
from practice.models import AuditEvent, Membership, Practice, User


def audit_record(
    *,
    actor: Membership | None,
    action: str,
    obj: models.Model | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    practice: Practice | None = None,
    user: User | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    """Append one event. `detail` must never hold clinical text: field names, ids and counts only."""
    ctx = current_request.get()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk if object_id is None else object_id
    return AuditEvent.objects.create(
        practice=practice or (actor.practice if actor else None),
        actor=user or (actor.user if actor else None),
        acting_role=",".join(actor.roles) if actor else "",
        action=action,
        object_type=object_type or "",
        object_id="" if object_id is None else str(object_id),
        ip_address=ctx.ip_address,
        request_id=ctx.request_id,
        detail=detail or {},
    )


def audit_read_many(*, actor: Membership, objects: Iterable[models.Model], object_type: str | None = None) -> None:
    """One event per object read in a list, written in one statement."""
    ctx = current_request.get()
    AuditEvent.objects.bulk_create(
        AuditEvent(
            practice=actor.practice,
            actor=actor.user,
            acting_role=",".join(actor.roles),
            action=AuditEvent.Action.READ,
            object_type=object_type or obj._meta.label_lower,
            object_id=str(obj.pk),
            ip_address=ctx.ip_address,
            request_id=ctx.request_id,
        )
        for obj in objects
    )
