"""The practice's rupture/repair taxonomy and note templates: seeded defaults, admin-editable labels."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from core.errors import DomainError
from notes import taxonomy
from notes.models import NoteTemplate, RepairStrategy, RuptureMarker
from practice import roles
from practice.audit import audit_record
from practice.models import AuditEvent, Membership, Practice
from practice.services.access import require_role


def taxonomy_seed(*, practice: Practice) -> None:
    """Seed a practice that has no taxonomy yet with the defaults (one cheap query when it has). Safe to repeat."""
    if NoteTemplate.objects.filter(practice=practice).exists():
        return
    taxonomy.seed_practice(
        practice.pk, RuptureMarker=RuptureMarker, RepairStrategy=RepairStrategy, NoteTemplate=NoteTemplate
    )


TAXONOMY_EDITABLE = {"label", "description", "sort_order", "is_active"}


@transaction.atomic
def taxonomy_entry_create(
    *, actor: Membership, model: type[RuptureMarker] | type[RepairStrategy], **data: Any
) -> RuptureMarker | RepairStrategy:
    """A practice extends its taxonomy; codes are stable, so they are chosen once and never renamed."""
    require_role(actor, {roles.ADMIN})
    entry = model(practice=actor.practice, **data)
    entry.full_clean()
    entry.save()
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=entry, detail={"code": entry.code})
    return entry


@transaction.atomic
def taxonomy_entry_update(
    *, actor: Membership, entry: RuptureMarker | RepairStrategy, **changes: Any
) -> RuptureMarker | RepairStrategy:
    require_role(actor, {roles.ADMIN})
    refused = set(changes) - TAXONOMY_EDITABLE
    if refused:
        raise DomainError(
            "Codes and families are stable; add a new entry instead.",
            fields={f: ["Not editable."] for f in sorted(refused)},
        )
    for field, value in changes.items():
        setattr(entry, field, value)
    entry.full_clean()
    entry.save()
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=entry, detail={"fields": sorted(changes)})
    return entry
