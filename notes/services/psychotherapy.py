"""Psychotherapy (process) notes: written, read, changed and deleted by their author alone."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404

from notes.models import PsychotherapyNote
from notes.services.note_rules import author_or_403, require_own_appointment, require_own_caseload
from practice.audit import audit_record
from practice.models import AuditEvent, Client, Membership
from practice.selectors import acting_clinician


@transaction.atomic
def psychotherapy_note_create(*, actor: Membership, client: Client, body: str, appointment=None) -> PsychotherapyNote:
    author = author_or_403(actor)
    require_own_caseload(author, client)
    if appointment is not None:
        require_own_appointment(author, appointment, client)
    note = PsychotherapyNote(practice=actor.practice, author=author, client=client, appointment=appointment, body=body)
    note.full_clean()
    note.save()
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=note, detail={"client": client.pk})
    return note


def _psychotherapy_author_or_404(actor: Membership, note: PsychotherapyNote) -> None:
    # Callers reach a note only through the author-only selector; this re-check guards other callers.
    if note.author_id != getattr(acting_clinician(actor), "pk", None):
        raise Http404


@transaction.atomic
def psychotherapy_note_update(*, actor: Membership, note: PsychotherapyNote, body: str) -> PsychotherapyNote:
    _psychotherapy_author_or_404(actor, note)
    note.body = body
    note.full_clean()
    note.save(update_fields=["body", "updated_at"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=note)
    return note


@transaction.atomic
def psychotherapy_note_delete(*, actor: Membership, note: PsychotherapyNote) -> None:
    _psychotherapy_author_or_404(actor, note)
    audit_record(actor=actor, action=AuditEvent.Action.DELETE, obj=note, detail={"client": note.client_id})
    note.delete()
