"""Reads of notes, always scoped by the acting membership (ACCESS.md).

- progress notes: the author always; other clinicians on the client's care team and the author's
  supervisors once the note is signed (a draft is not yet part of the record). Admin, front desk
  and clients: nothing, ever.
- psychotherapy notes: the author alone. No selector here returns them to anyone else, and the
  timeline, session prep and caseload reads never touch them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import Collate

from notes.integrity import content_hash, note_hash_payload
from notes.models import (
    Addendum,
    NoteTemplate,
    OverdueNoteAlert,
    ProgressNote,
    PsychotherapyNote,
    RepairStrategy,
    RuptureEvent,
    RuptureFollowUp,
    RuptureMarker,
)
from practice import roles
from practice.models import CareTeamMember, Client, Membership
from practice.selectors import acting_clinician, caseload_q, supervisee_ids

LOCKED = ProgressNote.LOCKED
OPEN_WINDOW = 20  # open ruptures listed per page by the timeline and session prep (API); `open_window` counts them


def appointment_has_signed_note(*, appointment_id: int) -> bool:
    """For scheduling: an appointment whose note is signed must not move (the record says when it was)."""
    return ProgressNote.objects.filter(appointment_id=appointment_id, status__in=LOCKED).exists()


# --- taxonomy -------------------------------------------------------------------------------------


def _taxonomy_readers(actor: Membership) -> bool:
    return actor.has_role(roles.ADMIN, roles.CLINICIAN, roles.SUPERVISOR)


def rupture_marker_list(*, actor: Membership) -> QuerySet[RuptureMarker]:
    if not _taxonomy_readers(actor):
        return RuptureMarker.objects.none()
    return RuptureMarker.objects.filter(practice=actor.practice)


def repair_strategy_list(*, actor: Membership) -> QuerySet[RepairStrategy]:
    if not _taxonomy_readers(actor):
        return RepairStrategy.objects.none()
    return RepairStrategy.objects.filter(practice=actor.practice)


def note_template_list(*, actor: Membership) -> QuerySet[NoteTemplate]:
    if not _taxonomy_readers(actor):
        return NoteTemplate.objects.none()
    return NoteTemplate.objects.filter(practice=actor.practice)


# --- progress notes -------------------------------------------------------------------------------


def progress_note_list(*, actor: Membership) -> QuerySet[ProgressNote]:
    """Notes the actor may read, decided per note.

    - a clinician reads notes about the clients they serve now (on the care team): their own drafts, and
      every signed note; off the care team, nothing, their own notes included;
    - a supervisor also reads a signed note when its author is a current supervisee AND the author still
      serves that client: another supervisee serving the same client does not carry the note along.
    """
    clinician = acting_clinician(actor)
    if clinician is None:
        return ProgressNote.objects.none()
    serves = CareTeamMember.objects.filter(client_id=OuterRef("client_id"), clinician=clinician)
    scope = Q(reader_serves=True) & (Q(author=clinician) | Q(status__in=LOCKED))
    qs = ProgressNote.objects.filter(practice=actor.practice).alias(reader_serves=Exists(serves))
    supervised = supervisee_ids(actor)
    if supervised:
        author_serves = CareTeamMember.objects.filter(
            client_id=OuterRef("client_id"), clinician_id=OuterRef("author_id")
        )
        qs = qs.alias(author_serves=Exists(author_serves))
        scope |= Q(author_id__in=supervised, author_serves=True, status__in=LOCKED)
    return qs.filter(scope).select_related("template", "client", "author__membership__user")


def progress_note_detail_queryset(*, actor: Membership) -> QuerySet[ProgressNote]:
    """The scoped list plus what one note's page shows: ruptures, follow-ups and addenda."""
    return (
        progress_note_list(actor=actor)
        .select_related("signed_by__membership__user", "cosigned_by__membership__user")
        .prefetch_related(
            Prefetch("ruptures", queryset=RuptureEvent.objects.prefetch_related("markers", "strategies")),
            Prefetch("follow_ups", queryset=RuptureFollowUp.objects.prefetch_related("strategies")),
            Prefetch("addenda", queryset=Addendum.objects.select_related("author__membership__user")),
        )
    )


def note_integrity_ok(*, note: ProgressNote) -> bool:
    """Recompute the signed note's SHA-256: True when the stored content is what was signed."""

    return bool(note.content_hash) and content_hash(note_hash_payload(note)) == note.content_hash


@dataclass(frozen=True)
class SignedNotes:
    """One client's signed notes that one actor may read, read ONCE per request through `progress_note_list`
    (`signed_notes_of`) and passed down to the reads that follow (the ruptures, the summary's counts): each of them
    would otherwise build, compile and run the whole scope again. Only `signed_notes_of` makes one, so the ids in
    it are always the selector's answer for this actor and this client."""

    actor: Membership
    client: Client
    rows: list[dict[str, Any]]

    @property
    def ids(self) -> list[int]:
        return [row["id"] for row in self.rows]

    def id_array(self) -> RawSQL:
        """The ids for `__in` as ONE array parameter that PostgreSQL unnests: neither one bound parameter per id
        (psycopg spent more time binding 200 of them than PostgreSQL answering) nor the scope subquery again."""
        return RawSQL("SELECT unnest(%s::bigint[])", [self.ids])


def signed_notes_of(*, actor: Membership, client: Client, fields: tuple[str, ...], **annotations) -> SignedNotes:
    """The client's signed notes the actor may read, oldest first, as `values(*fields)` with `annotations`."""
    qs = progress_note_list(actor=actor).filter(client=client, status__in=LOCKED).select_related(None)
    rows = qs.order_by("session_at", "id").values(*fields).annotate(**annotations)
    return SignedNotes(actor=actor, client=client, rows=list(rows))


def rupture_list(*, actor: Membership, notes: SignedNotes | None = None) -> QuerySet[RuptureEvent]:
    """Ruptures of signed notes the actor may read; with `notes` (already read for this actor), those of its notes
    without building the scope again."""
    if notes is not None:
        if notes.actor != actor:
            raise ValueError("notes were read for another actor")
        return RuptureEvent.objects.filter(practice=actor.practice, client=notes.client, note_id__in=notes.id_array())
    scoped = progress_note_list(actor=actor).filter(status__in=LOCKED).values("id")
    return RuptureEvent.objects.filter(practice=actor.practice, note_id__in=scoped)


def overdue_alert_list(*, actor: Membership) -> QuerySet[OverdueNoteAlert]:
    """The author's own alerts about notes still unsigned."""
    clinician = acting_clinician(actor)
    if clinician is None:
        return OverdueNoteAlert.objects.none()
    return (
        # Only while the author still serves the client: off the care team the note is no longer theirs to read.
        OverdueNoteAlert.objects.filter(
            practice=actor.practice, author=clinician, note__client__care_team__clinician=clinician
        )
        .select_related("note__client")
        .order_by("-created_at")
    )


def overdue_counts(*, actor: Membership) -> list[dict]:
    """Counts only: per clinician for an admin, the actor's own count for a clinician. No note content."""
    base = OverdueNoteAlert.objects.filter(practice=actor.practice, note__status=ProgressNote.Status.DRAFT)
    if not actor.has_role(roles.ADMIN):
        clinician = acting_clinician(actor)
        base = base.filter(author=clinician) if clinician else base.none()
    rows = base.values("author_id", "author__membership__user__full_name").annotate(overdue=Count("id"))
    return [
        {
            "clinician": r["author_id"],
            "clinician_name": r["author__membership__user__full_name"],
            "overdue": r["overdue"],
        }
        for r in rows.order_by("author_id")
    ]


# --- psychotherapy notes --------------------------------------------------------------------------


def psychotherapy_note_list(*, actor: Membership) -> QuerySet[PsychotherapyNote]:
    clinician = acting_clinician(actor)
    if clinician is None:
        return PsychotherapyNote.objects.none()
    # The author alone, and only while they serve the client (care team unique per pair: no duplicates).
    return PsychotherapyNote.objects.filter(
        practice=actor.practice, author=clinician, client__care_team__clinician=clinician
    ).select_related("client")


# --- the clients of the relational record (timeline: notes/timeline.py; prep: notes/prep.py) -------


def clinical_client_list(*, actor: Membership) -> QuerySet[Client]:
    """Clients whose relational record the actor may read: their caseload (and supervisees')."""
    clinical = caseload_q(actor)
    if clinical is None:
        return Client.objects.none()
    return Client.objects.filter(practice=actor.practice).filter(clinical).distinct()


def open_ruptures(*, actor: Membership, client: Client) -> QuerySet[RuptureEvent]:
    return (
        rupture_list(actor=actor)
        .filter(client=client, resolved_at__isnull=True)
        .select_related("note")
        .prefetch_related("markers", "strategies")
        .order_by("note__session_at", "id")
    )


def related_codes(model, relation: str, attribute: str = "code") -> ArraySubquery:
    """One attribute of a row's many-to-many relation (a rupture's markers, a follow-up's strategies), sorted, as
    an array in the row's own query: a subquery per row returned, so no GROUP BY over the row's columns and, in a
    window (LIMIT), no work for the rows left out."""
    field = model._meta.get_field(relation)
    target = f"{field.m2m_reverse_field_name()}__{attribute}"
    through = field.remote_field.through.objects.filter(**{field.m2m_field_name(): OuterRef("pk")})
    # Byte order ("C"), as Python's sorted() had it: the database's collation may order labels differently.
    return ArraySubquery(through.order_by(Collate(target, "C")).values(target))


def open_rupture_window(
    *, actor: Membership, client: Client, before: int | None = None, notes: SignedNotes | None = None
) -> QuerySet[RuptureEvent]:
    """The client's open ruptures the actor may read, newest session first: the ones just older than the rupture
    `before` (the newest without it). The caller takes `values()` (with `open_count`) and slices `[:size + 1]`:
    the extra row says there are earlier ones (`open_window_of`).

    Each row is annotated with `open_count`, the number of open ruptures from `before` back (all of them without
    it), counted by the same statement (a window aggregate). A `before` that is no rupture of this client in scope
    is refused naming the field (one more query, only when paging). `notes`: the client's signed notes the caller
    has already read (`signed_notes_of`), so the scope is not built again."""
    if notes is not None and notes.client != client:
        raise ValueError("notes were read for another client")
    open_ = rupture_list(actor=actor, notes=notes).filter(client=client, resolved_at__isnull=True)
    if before is not None:
        at = (
            rupture_list(actor=actor, notes=notes)
            .filter(client=client, pk=before)
            .values_list("note__session_at", flat=True)
        )
        cursor = at.first()
        if cursor is None:
            raise ValidationError({"open_before": ["No rupture of this client's record has this id."]})
        open_ = open_.filter(Q(note__session_at__lt=cursor) | Q(note__session_at=cursor, pk__lt=before))
    return open_.annotate(open_count=Window(Count("id"))).order_by(F("note__session_at").desc(), "-id")


def open_window_of(rows: list, *, size: int | None, before: int | None, open_count: int) -> tuple[list, dict]:
    """Split `open_rupture_window`'s rows (newest first) into those shown, oldest first, and the `open_window`
    that describes them (`earlier`: pass as `?open_before=` for the open ruptures before these)."""
    shown = rows if size is None else rows[:size]
    more = size is not None and len(rows) > size
    shown = shown[::-1]
    window = {
        "size": size,
        "open": open_count,
        "shown": len(shown),
        "before": before,
        "earlier": shown[0]["id"] if more and shown else None,
    }
    return shown, window
