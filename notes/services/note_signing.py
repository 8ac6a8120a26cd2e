"""Progress notes, signing: draft -> signed, or -> awaiting_cosign -> cosigned when the author is a supervisee
whose supervision requires co-signature; the content's SHA-256 is kept at signing. Corrections to a signed note
are addenda."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, DomainError, InvalidTransition, NotAllowed
from notes.integrity import content_hash, note_hash_payload
from notes.models import (
    Addendum,
    OverdueNoteAlert,
    ProgressNote,
    RiskLevel,
    RuptureEvent,
)
from notes.services.note_rules import note_for_update
from practice import roles
from practice.audit import audit_record
from practice.models import AuditEvent, Membership, Supervision
from practice.selectors import acting_clinician

# A session took place once it started (and was not cancelled or missed), or once the client checked in.
HELD_STATUSES = ("checked_in", "completed")
STARTED_STATUSES = ("scheduled", "confirmed")


def _require_session_held(note: ProgressNote, now: datetime) -> None:
    """A progress note of an appointment is signed only once the session took place: checked in, completed, or
    started (scheduled or confirmed, and its start has passed). The appointment row is locked (FOR NO KEY UPDATE) so a
    cancellation or a reschedule, which lock it FOR UPDATE and then refuse a signed note, cannot slip between
    this check and the commit. A contact note (no appointment) stands alone."""
    if note.appointment_id is None:
        return
    from scheduling.models import Appointment  # scheduling owns the appointment; notes only reads it

    appointment = Appointment.objects.select_for_update(of=("self",), no_key=True).get(pk=note.appointment_id)
    held = appointment.status in HELD_STATUSES or (
        appointment.status in STARTED_STATUSES and appointment.starts_at <= now
    )
    if not held:
        raise Conflict(
            "This session has not taken place: a progress note is signed once the session has started "
            f"(the appointment is {appointment.status}, starting {appointment.starts_at.isoformat()}).",
            code="session_not_held",
            extra={"appointment_status": appointment.status},
        )


def _check_complete(note: ProgressNote) -> None:
    errors: dict[str, list[str]] = {}
    content = note.content or {}
    for section in note.template.sections:
        if section.get("required") and not (content.get(section["key"]) or "").strip():
            errors[f"content.{section['key']}"] = ["Required before signing."]
    if note.risk_level != RiskLevel.NONE and not (note.risk_rationale or "").strip():
        errors["risk_rationale"] = ["A rationale is required for any risk level above none."]
    if errors:
        raise DomainError("The note is not complete.", code="note_incomplete", fields=errors)


@transaction.atomic
def progress_note_sign(*, actor: Membership, note: ProgressNote) -> ProgressNote:
    """Lock the note, record signer and time, store the SHA-256 of its content, settle ruptures."""
    note = note_for_update(note)
    author = acting_clinician(actor)
    if author is None or note.author_id != author.pk:
        raise NotAllowed("Only the author signs a note.")
    if note.is_locked:
        raise InvalidTransition("This note is already signed.", code="note_locked")
    _check_complete(note)
    now = timezone.now()
    _require_session_held(note, now)
    note.signed_at = now
    note.signed_by = author
    note.cosign_required = Supervision.objects.filter(
        practice=note.practice_id, supervisee=author, requires_cosign=True, ended_on__isnull=True
    ).exists()
    note.status = ProgressNote.Status.AWAITING_COSIGN if note.cosign_required else ProgressNote.Status.SIGNED
    note.content_hash = content_hash(note_hash_payload(note))
    note.save()
    # Ruptures repaired in this session are not open; earlier ruptures repaired here close now.
    note.ruptures.filter(outcome=RuptureEvent.Outcome.REPAIRED).update(resolved_at=now, resolved_in_note=note)
    repaired = note.follow_ups.filter(outcome=RuptureEvent.Outcome.REPAIRED).values("rupture_id")
    RuptureEvent.objects.filter(pk__in=repaired, resolved_at__isnull=True).update(
        resolved_at=now, resolved_in_note=note
    )
    OverdueNoteAlert.objects.filter(note=note, acknowledged_at__isnull=True).update(acknowledged_at=now)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.SIGN,
        obj=note,
        detail={"status": note.status, "content_hash": note.content_hash},
    )
    return note


@transaction.atomic
def progress_note_cosign(*, actor: Membership, note: ProgressNote, comment: str = "") -> ProgressNote:
    """The author's supervisor co-signs; their comment is kept with the note."""
    note = note_for_update(note)
    supervisor = acting_clinician(actor)
    if (
        supervisor is None
        or not actor.has_role(roles.SUPERVISOR)
        or not Supervision.objects.filter(
            practice=note.practice_id, supervisor=supervisor, supervisee_id=note.author_id, ended_on__isnull=True
        ).exists()
    ):
        raise NotAllowed("Only the author's supervisor co-signs this note.")
    if note.status != ProgressNote.Status.AWAITING_COSIGN:
        raise InvalidTransition("This note is not awaiting co-signature.", code="not_awaiting_cosign")
    note.status = ProgressNote.Status.COSIGNED
    note.cosigned_at = timezone.now()
    note.cosigned_by = supervisor
    note.cosign_comment = comment
    note.save(update_fields=["status", "cosigned_at", "cosigned_by", "cosign_comment", "updated_at"])
    audit_record(actor=actor, action=AuditEvent.Action.SIGN, obj=note, detail={"cosign": True})
    return note


@transaction.atomic
def addendum_create(*, actor: Membership, note: ProgressNote, body: str) -> Addendum:
    """A signed, timestamped addition to a signed note; the original stays as it was."""
    note = note_for_update(note)
    author = acting_clinician(actor)
    if author is None or note.author_id != author.pk:
        raise NotAllowed("Only the note's author adds addenda.")
    if not note.is_locked:
        raise InvalidTransition("A draft is edited, not amended: addenda are for signed notes.", code="note_not_signed")
    if not body.strip():
        raise DomainError("Write the addendum.", fields={"body": ["Required."]})
    signed_at = timezone.now()
    addendum = Addendum(
        practice_id=note.practice_id,
        note=note,
        author=author,
        body=body,
        signed_at=signed_at,
        content_hash=content_hash(
            {"note": note.pk, "note_hash": note.content_hash, "author": author.pk, "body": body, "signed_at": signed_at}
        ),
    )
    addendum.save()
    audit_record(actor=actor, action=AuditEvent.Action.SIGN, obj=addendum, detail={"note": note.pk})
    return addendum
