"""Occurrences a series skipped because they conflicted: book them after all, or dismiss them.

The rows are written by `series._materialise` (the rolling extension, and `book_available`
creates and edits), also when the series could not be booked at all (its clinician, appointment type
or room inactive: `series.series_unbookable`). Front desk handles any; a clinician those of their own series.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, DomainError
from practice.audit import audit_record
from practice.models import AuditEvent, Membership
from scheduling.models import Appointment, AppointmentSeries, SeriesSkippedOccurrence
from scheduling.services.appointment_rules import require_clients_in_scope
from scheduling.services.availability import require_schedule_writer
from scheduling.services.series import book_occurrence, series_unbookable


def _locked_open(skipped: SeriesSkippedOccurrence, actor: Membership) -> SeriesSkippedOccurrence:
    skipped = (
        SeriesSkippedOccurrence.objects.select_for_update(of=("self",))
        .select_related("series__clinician__membership__user", "series__appointment_type", "series__room")
        .get(pk=skipped.pk)
    )
    require_schedule_writer(actor, skipped.series.clinician)
    if skipped.resolved_at is not None:
        raise Conflict(
            f"This skipped occurrence is already resolved ({skipped.resolution}).",
            code="skipped_occurrence_resolved",
            extra={"resolution": skipped.resolution},
        )
    return skipped


def _resolve(skipped: SeriesSkippedOccurrence, actor: Membership, resolution: str, appointment=None) -> None:
    skipped.resolved_at = timezone.now()
    skipped.resolved_by = actor
    skipped.resolution = resolution
    skipped.appointment = appointment
    skipped.save(update_fields=["resolved_at", "resolved_by", "resolution", "appointment"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=skipped, detail={"resolution": resolution})


@transaction.atomic
def skipped_occurrence_dismiss(*, actor: Membership, skipped: SeriesSkippedOccurrence) -> SeriesSkippedOccurrence:
    """Close a skipped occurrence without booking it (it was arranged otherwise, or is not wanted).

    Front desk: any; clinician: their own series' (else 403). Already resolved: 409
    `skipped_occurrence_resolved` with its `resolution`.
    """
    skipped = _locked_open(skipped, actor)
    _resolve(skipped, actor, SeriesSkippedOccurrence.Resolution.DISMISSED)
    return skipped


@transaction.atomic
def skipped_occurrence_book(
    *,
    actor: Membership,
    skipped: SeriesSkippedOccurrence,
    starts_at: datetime | None = None,
    outside_availability: bool = False,
    now: datetime | None = None,
) -> SeriesSkippedOccurrence:
    """Try the occurrence again through the booking rules, as the series' occurrence for that date.

    At its own time, or at `starts_at` (like moving one occurrence of a series). Still taken: the
    booking's 409 (`clinician_taken`, `room_taken`, `client_taken`, `clinician_unavailable` unless
    `outside_availability`), and the row stays open. Booked: resolved as `booked` with the appointment.
    An occurrence already in the past, or of a cancelled series, answers 409; so does one whose series
    still cannot be booked (`clinician_inactive`, `appointment_type_inactive`, `mode_not_offered`,
    `room_inactive`: rebook the client otherwise and dismiss it, or reactivate what was withdrawn).
    """
    skipped = _locked_open(skipped, actor)
    series = skipped.series
    if series.state == AppointmentSeries.State.CANCELLED:
        raise Conflict("The series is cancelled.", code="series_not_active")
    unbookable = series_unbookable(series)
    if unbookable:
        raise Conflict(
            f"{unbookable['message']} Book the client another way, or dismiss this occurrence.",
            code=unbookable["code"],
            extra={"resource": unbookable["resource"]},
        )
    starts_at = starts_at or skipped.starts_at
    if timezone.is_naive(starts_at):
        raise DomainError(
            "The booking is not valid.",
            fields={"starts_at": ["Give an instant with its UTC offset (for example 2026-03-09T14:00:00Z)."]},
        )
    if starts_at <= (now or timezone.now()):
        raise Conflict("That time has passed: book a new appointment instead.", code="occurrence_past")
    clients = list(series.clients.all())
    require_clients_in_scope(actor, clients)
    appointment: Appointment = book_occurrence(
        series,
        booked_by=actor,
        clients=clients,
        starts_at=starts_at,
        series_date=skipped.series_date,
        require_availability=not outside_availability,
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=appointment,
        detail={"clients": [c.pk for c in clients], "series": series.pk},
    )
    _resolve(skipped, actor, SeriesSkippedOccurrence.Resolution.BOOKED, appointment)
    return skipped
