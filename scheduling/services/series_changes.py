"""Changes to a whole series: cancelling it, and editing one occurrence or this and all following (which ends
the old series and starts a new one from that date).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, DomainError
from practice.audit import audit_record
from practice.models import AuditEvent, Membership
from scheduling.models import AppointmentSeries, SeriesSkippedOccurrence
from scheduling.services.appointment_changes import appointment_cancel, appointment_reschedule
from scheduling.services.appointment_rules import CANCELLABLE
from scheduling.services.availability import require_schedule_writer
from scheduling.services.series import ALL_OR_NOTHING, occurrences, series_create
from scheduling.services.series_rules import rrule_validate


def _withdraw_skipped(*, series: AppointmentSeries, actor: Membership, **since: Any) -> int:
    """Close the series' open skipped occurrences from a point on: the series no longer wants them."""
    return SeriesSkippedOccurrence.objects.filter(series=series, resolved_at__isnull=True, **since).update(
        resolved_at=timezone.now(), resolved_by=actor, resolution=SeriesSkippedOccurrence.Resolution.WITHDRAWN
    )


@transaction.atomic
def series_cancel(
    *, actor: Membership, series: AppointmentSeries, reason: str = "", now: datetime | None = None
) -> int:
    """Cancel the series and every future occurrence still scheduled (by the practice). Returns how many.

    Its open skipped occurrences from now on are closed as withdrawn: nobody need book them any more.
    """
    require_schedule_writer(actor, series.clinician)
    now = now or timezone.now()
    series = AppointmentSeries.objects.select_for_update().get(pk=series.pk)
    series.state = AppointmentSeries.State.CANCELLED
    series.save(update_fields=["state"])
    cancelled = 0
    for appointment in series.appointments.filter(starts_at__gte=now, status__in=CANCELLABLE):
        appointment_cancel(actor=actor, appointment=appointment, by="practice", reason=reason or "Series cancelled")
        cancelled += 1
    withdrawn = _withdraw_skipped(series=series, actor=actor, starts_at__gte=now)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        obj=series,
        detail={"state": "cancelled", "cancelled_occurrences": cancelled, "withdrawn_skipped": withdrawn},
    )
    return cancelled


@transaction.atomic
def series_edit(
    *,
    actor: Membership,
    series: AppointmentSeries,
    appointment,
    scope: str,
    starts_at: datetime | None = None,
    local_time: time | None = None,
    rrule: str | None = None,
    time_zone: str | None = None,
    on_conflict: str = ALL_OR_NOTHING,
    outside_availability: bool = False,
) -> tuple[AppointmentSeries, list[dict[str, Any]]]:
    """Edit one occurrence (`scope="this"`: a reschedule) or this and all following.

    "following" ends the old series the day before this occurrence, cancels its occurrences
    from here on (so reminders for them stop), and starts a new series here with the new
    time / rule / zone, booked under the same conflict policy as a new series. The old series' open
    skipped occurrences from this date on are closed as withdrawn.
    """
    require_schedule_writer(actor, series.clinician)
    if appointment.series_id != series.pk:
        raise DomainError("That appointment is not part of this series.", fields={"appointment": ["Not in series."]})
    if scope == "this":
        if starts_at is None:
            raise DomainError("Give the new start.", fields={"starts_at": ["Required for this occurrence only."]})
        appointment_reschedule(
            actor=actor,
            appointment=appointment,
            starts_at=starts_at,
            reason="Series: this only",
            outside_availability=outside_availability,
        )
        return series, []
    if scope != "following":
        raise DomainError("Unknown scope.", fields={"scope": ["'this' or 'following'."]})
    if rrule is not None:  # refused before anything is cancelled, from the date the new rule would start
        rrule = rrule_validate(rrule, start_date=appointment.series_date)
    if series.state != AppointmentSeries.State.ACTIVE:
        raise Conflict(f"The series is {series.state}.", code="series_not_active")
    pivot = appointment.series_date
    remaining = None
    if series.count:
        remaining = series.count - len(occurrences(series, series.start_date, pivot - timedelta(days=1)))
    original_until = series.until_date
    clients = list(series.clients.all())
    for old in series.appointments.filter(series_date__gte=pivot, status__in=CANCELLABLE):
        appointment_cancel(actor=actor, appointment=old, by="practice", reason="Series changed")
    _withdraw_skipped(series=series, actor=actor, series_date__gte=pivot)
    series.until_date = pivot - timedelta(days=1)
    series.count = None
    series.state = AppointmentSeries.State.ENDED
    series.save(update_fields=["until_date", "count", "state"])
    return series_create(
        actor=actor,
        clinician=series.clinician,
        clients=clients,
        appointment_type=series.appointment_type,
        mode=series.mode,
        room=series.room,
        video_link=series.video_link,
        time_zone=time_zone or series.time_zone,
        start_date=pivot,
        local_time=local_time or series.local_time,
        rrule=rrule or series.rrule,
        count=remaining,
        until_date=None if remaining else original_until,
        on_conflict=on_conflict,
        outside_availability=outside_availability,
        continues_series=True,
    )
