"""Progress notes, drafting: a draft is created for the author's own session and client, autosaved (versioned)
until signed (notes/services/note_signing.py); ruptures left unresolved stay open until a later note repairs them
(a follow-up) or a clinician closes them with a reason."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Conflict, DomainError, InvalidTransition, NotAllowed
from notes.models import (
    NoteTemplate,
    ProgressNote,
    RepairStrategy,
    RuptureEvent,
    RuptureFollowUp,
    RuptureMarker,
)
from notes.services.note_rules import author_or_403, note_for_update, require_own_appointment, require_own_caseload
from notes.services.taxonomy import taxonomy_seed
from practice.audit import audit_record
from practice.models import AuditEvent, CareTeamMember, Client, Membership
from practice.selectors import acting_clinician


def _by_code(model, practice_id: int, codes: list[str], field: str) -> list:
    codes = list(dict.fromkeys(codes))
    found = {e.code: e for e in model.objects.filter(practice_id=practice_id, code__in=codes, is_active=True)}
    unknown = [c for c in codes if c not in found]
    if unknown:
        raise DomainError("Unknown taxonomy codes.", fields={field: [f"Unknown code: {c}" for c in unknown]})
    return [found[c] for c in codes]


def _check_content(template: NoteTemplate, content: dict) -> None:
    keys = {s["key"] for s in template.sections}
    unknown = sorted(set(content) - keys)
    if unknown:
        raise DomainError(
            "These sections are not in the note's template.",
            fields={f"content.{k}": ["Not a section of this template."] for k in unknown},
        )
    bad = sorted(k for k, v in content.items() if not isinstance(v, str))
    if bad:
        raise DomainError("Sections hold text.", fields={f"content.{k}": ["Must be a string."] for k in bad})


def _replace_ruptures(note: ProgressNote, ruptures: list[dict]) -> None:
    if ruptures and not note.template.has_ruptures:
        raise DomainError("This template has no rupture events.", fields={"ruptures": ["Not allowed here."]})
    note.ruptures.all().delete()
    created = []
    through_markers, through_strategies = [], []
    for position, data in enumerate(ruptures):
        prefix = f"ruptures.{position}"
        markers = _by_code(RuptureMarker, note.practice_id, data.get("markers", []), f"{prefix}.markers")
        if not markers:
            raise DomainError("Name at least one rupture marker.", fields={f"{prefix}.markers": ["Required."]})
        if any(m.family != data["family"] for m in markers):
            raise DomainError(
                "Markers must belong to the rupture's family.",
                fields={f"{prefix}.markers": ["Marker of another family."]},
            )
        strategies = _by_code(RepairStrategy, note.practice_id, data.get("strategies", []), f"{prefix}.strategies")
        rupture = RuptureEvent(
            practice_id=note.practice_id,
            note=note,
            client_id=note.client_id,
            position=position,
            minute=data.get("minute"),
            family=data["family"],
            intensity=data["intensity"],
            therapist_contribution=data.get("therapist_contribution", ""),
            client_response=data.get("client_response", ""),
            outcome=data.get("outcome", RuptureEvent.Outcome.UNRESOLVED),
        )
        created.append((rupture, markers, strategies))
    RuptureEvent.objects.bulk_create([r for r, _, _ in created])
    for rupture, markers, strategies in created:
        through_markers += [RuptureEvent.markers.through(ruptureevent=rupture, rupturemarker=m) for m in markers]
        through_strategies += [
            RuptureEvent.strategies.through(ruptureevent=rupture, repairstrategy=s) for s in strategies
        ]
    RuptureEvent.markers.through.objects.bulk_create(through_markers)
    RuptureEvent.strategies.through.objects.bulk_create(through_strategies)


def _replace_follow_ups(note: ProgressNote, follow_ups: list[dict]) -> None:
    note.follow_ups.all().delete()
    wanted = [f["rupture"] for f in follow_ups]
    open_ruptures = {
        r.pk: r
        for r in RuptureEvent.objects.filter(
            pk__in=wanted,
            client_id=note.client_id,
            resolved_at__isnull=True,
            note__status__in=ProgressNote.LOCKED,
        ).exclude(note=note)
    }
    rows = []
    for index, data in enumerate(follow_ups):
        rupture_id = data["rupture"]
        if rupture_id not in open_ruptures:
            raise DomainError(
                "Only an open rupture of this client, from a signed note, can be followed up.",
                fields={f"follow_ups.{index}.rupture": ["Not an open rupture of this client."]},
            )
        strategies = _by_code(
            RepairStrategy, note.practice_id, data.get("strategies", []), f"follow_ups.{index}.strategies"
        )
        rows.append(
            (
                RuptureFollowUp(
                    practice_id=note.practice_id,
                    note=note,
                    rupture_id=rupture_id,
                    client_response=data.get("client_response", ""),
                    outcome=data["outcome"],
                ),
                strategies,
            )
        )
    try:
        with transaction.atomic():
            RuptureFollowUp.objects.bulk_create([r for r, _ in rows])
    except IntegrityError as exc:
        raise DomainError(
            "Each rupture can be followed up once per note.", fields={"follow_ups": ["Duplicate rupture."]}
        ) from exc
    RuptureFollowUp.strategies.through.objects.bulk_create(
        [RuptureFollowUp.strategies.through(rupturefollowup=r, repairstrategy=s) for r, ss in rows for s in ss]
    )


NOTE_EDITABLE = {"content", "risk_level", "risk_rationale", "session_at", "ruptures", "follow_ups"}


def _apply_changes(note: ProgressNote, changes: dict) -> None:
    if "content" in changes:
        content = changes["content"] or {}
        _check_content(note.template, content)
        note.content = {**(note.content or {}), **content}
    for field in ("risk_level", "risk_rationale", "session_at"):
        if field in changes:
            setattr(note, field, changes[field])
    note.full_clean(exclude=["content"])
    note.save()
    if "ruptures" in changes:
        _replace_ruptures(note, changes["ruptures"] or [])
    if "follow_ups" in changes:
        _replace_follow_ups(note, changes["follow_ups"] or [])


def _template_for(practice, code: str | None) -> NoteTemplate:
    taxonomy_seed(practice=practice)
    templates = NoteTemplate.objects.filter(practice=practice)
    if code is None:
        template = templates.filter(is_default=True).first()
    else:
        template = templates.filter(code=code).first()
        if template is None:
            raise DomainError("Unknown template.", fields={"template": ["No template with this code."]})
    if template is None or not template.is_active:
        raise DomainError("Choose an active note template.", fields={"template": ["Not available."]})
    return template


@transaction.atomic
def progress_note_create(
    *,
    actor: Membership,
    client: Client,
    template_code: str | None = None,
    appointment=None,
    session_at: datetime | None = None,
    **changes: Any,
) -> ProgressNote:
    """A draft for one client: of an appointment the author holds, or a standalone contact note.

    `template_code` names one of the practice's templates (seeded on first use); None takes the default.
    """
    author = author_or_403(actor)
    require_own_caseload(author, client)
    template = _template_for(actor.practice, template_code)
    if appointment is not None:
        require_own_appointment(author, appointment, client)
        session_at = appointment.starts_at
    unknown = set(changes) - NOTE_EDITABLE
    if unknown:
        raise DomainError("Unknown fields.", fields={f: ["Not a note field."] for f in sorted(unknown)})
    note = ProgressNote(
        practice=actor.practice,
        client=client,
        author=author,
        template=template,
        appointment=appointment,
        session_at=session_at or timezone.now(),
    )
    note.full_clean(exclude=["content"])
    note.save()
    _apply_changes(note, changes)
    audit_record(
        actor=actor, action=AuditEvent.Action.CREATE, obj=note, detail={"client": client.pk, "fields": sorted(changes)}
    )
    return note


@transaction.atomic
def progress_note_update(
    *, actor: Membership, note: ProgressNote, version: int | None = None, **changes: Any
) -> ProgressNote:
    """Autosave of a draft. A signed note is never changed (409: write an addendum).

    `version` is the version the editor last saw: a save from a stale copy (two tabs) is refused.
    """
    note = note_for_update(note)
    if note.author_id != getattr(acting_clinician(actor), "pk", None):
        raise NotAllowed("Only the author edits a note.")
    if note.is_locked:
        raise Conflict("A signed note cannot be changed: add an addendum.", code="note_locked")
    if version is not None and version != note.version:
        raise Conflict(
            "The note changed since you loaded it.", code="stale_version", extra={"current_version": note.version}
        )
    unknown = set(changes) - NOTE_EDITABLE
    if unknown:
        raise DomainError("Unknown fields.", fields={f: ["Not a note field."] for f in sorted(unknown)})
    if "session_at" in changes and note.appointment_id:
        raise DomainError("The session time comes from the appointment.", fields={"session_at": ["Read-only."]})
    note.version += 1
    _apply_changes(note, changes)
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=note, detail={"fields": sorted(changes)})
    return note


@transaction.atomic
def rupture_close(*, actor: Membership, rupture: RuptureEvent, reason: str) -> RuptureEvent:
    """Close an open rupture without a repair (e.g. treatment ended), with the clinician's reason."""
    rupture = RuptureEvent.objects.select_for_update().get(pk=rupture.pk)
    clinician = acting_clinician(actor)
    if (
        clinician is None
        or not CareTeamMember.objects.filter(client_id=rupture.client_id, clinician=clinician).exists()
    ):
        raise NotAllowed("Only a clinician on the client's care team closes a rupture.")
    if rupture.resolved_at is not None:
        raise InvalidTransition("This rupture is no longer open.", code="rupture_not_open")
    if not reason.strip():
        raise DomainError("Give the reason for closing.", fields={"reason": ["Required."]})
    rupture.resolved_at = timezone.now()
    rupture.closed_by = clinician
    rupture.closed_reason = reason
    rupture.save(update_fields=["resolved_at", "closed_by", "closed_reason"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=rupture, detail={"closed": True})
    return rupture
