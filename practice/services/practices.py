"""Writes to the practice itself."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from backend.api.exceptions import DomainError
from practice import roles
from practice.audit import audit_record
from practice.models import AuditEvent, Membership, Practice
from practice.services.access import require_role
from practice.settings_schema import settings_merge

PRACTICE_EDITABLE = {"name", "time_zone", "cancellation_window_hours", "settings"}


@transaction.atomic
def practice_update(*, actor: Membership, **changes: Any) -> Practice:
    require_role(actor, {roles.ADMIN})
    practice = Practice.objects.select_for_update().get(pk=actor.practice_id)
    for field, value in changes.items():
        if field not in PRACTICE_EDITABLE:
            raise DomainError(f"'{field}' cannot be changed here.", fields={field: ["Not editable."]})
        if field == "settings":  # a change of some keys, never a replacement (practice/settings_schema.py)
            value = settings_merge(practice.settings, value)
        setattr(practice, field, value)
    practice.full_clean()
    practice.save()
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=practice, detail={"fields": sorted(changes)})
    return practice
