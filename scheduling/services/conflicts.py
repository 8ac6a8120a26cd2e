"""Where the database's verdict on a write becomes the answer: the exclusion constraints are the real guard
against double booking, and a violation (an IntegrityError naming the constraint) becomes a 409 that says which
resource is taken and when, and nothing about the appointment that holds it. The one "clinician unavailable"
conflict (outside working hours, time off or blocked) used by booking, rescheduling, accepting a request, series
and the pages is here too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.db import IntegrityError, OperationalError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

from core.contention import DEADLOCK_DETECTED, contended
from core.errors import Conflict
from practice.models import Client
from scheduling.models import ACTIVE_STATUSES, Appointment, AppointmentClient

DEADLOCK_RETRIES = 3

CONSTRAINT_RESOURCE = {
    "appointment_clinician_no_overlap": "clinician",
    "appointment_room_no_overlap": "room",
    "appointment_client_no_overlap": "client",
}


def format_instant(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def clinician_unavailable(appointment: Appointment) -> Conflict:
    """409 `clinician_unavailable`: the clinician does not work over the appointment's time."""
    return Conflict(
        f"The clinician is not working from {format_instant(appointment.starts_at)} to "
        f"{format_instant(appointment.ends_at)} (outside working hours, time off or blocked).",
        code="clinician_unavailable",
        extra={"resource": "clinician_availability"},
    )


def conflict_from_integrity_error(exc: IntegrityError, appointment: Appointment, clients: list[Client]) -> Conflict:
    """Turn an exclusion-constraint violation into a 409 naming the resource and the time it is taken.

    Only the taken interval is told: not which appointment, client or type holds it.
    """
    cause = exc.__cause__
    name = getattr(getattr(cause, "diag", None), "constraint_name", None) or ""
    resource = CONSTRAINT_RESOURCE.get(name)
    if resource is None:
        if name == "appointment_series_date_unique":
            return Conflict("This series already has an occurrence on that date.", code="occurrence_exists")
        raise exc
    span = (appointment.starts_at, appointment.ends_at)
    taken = None
    if resource == "clinician":
        taken = (
            Appointment.objects.filter(
                clinician_id=appointment.clinician_id,
                status__in=ACTIVE_STATUSES,
                occupied__overlap=appointment.occupied,
            )
            .exclude(pk=appointment.pk)
            .values_list("occupied", flat=True)
            .first()
        )
        taken = (taken.lower, taken.upper) if taken else None
    elif resource == "room":
        taken = (
            Appointment.objects.filter(
                room_id=appointment.room_id, status__in=ACTIVE_STATUSES, starts_at__lt=span[1], ends_at__gt=span[0]
            )
            .exclude(pk=appointment.pk)
            .values_list("starts_at", "ends_at")
            .first()
        )
    else:
        row = (
            AppointmentClient.objects.filter(client__in=clients, is_active=True, span__overlap=span)
            .exclude(appointment_id=appointment.pk)
            .values_list("span", flat=True)
            .first()
        )
        taken = (row.lower, row.upper) if row else None
    label = {"clinician": "The clinician", "room": "The room", "client": "A client in this appointment"}[resource]
    extra: dict[str, Any] = {"resource": resource}
    if taken:
        extra.update(taken_from=taken[0].isoformat(), taken_until=taken[1].isoformat())
        message = f"{label} is already booked from {format_instant(taken[0])} to {format_instant(taken[1])}."
    else:
        message = f"{label} is already booked at that time."
    return Conflict(message, code=f"{resource}_taken", extra=extra)


class ConstraintViolation(Exception):
    """`save_checked(savepoint=False)` met a constraint: the transaction it ran in is lost, so the lookup of what
    holds the time (for the 409's words) waits until that transaction has rolled back: `conflict()`."""

    def __init__(self, error: IntegrityError, appointment: Appointment, clients: list[Client]) -> None:
        super().__init__(str(error))
        self.error, self.appointment, self.clients = error, appointment, clients

    def conflict(self) -> Conflict:
        return conflict_from_integrity_error(self.error, self.appointment, self.clients)


def _write(appointment: Appointment, clients: list[Client], *, new: bool) -> None:
    if new:
        appointment.pk, appointment._state.adding = None, True
    appointment.save()
    span = DateTimeTZRange(appointment.starts_at, appointment.ends_at, "[)")
    if new:
        AppointmentClient.objects.bulk_create(
            # in id order, so two couple bookings never take the client rows in opposite order
            AppointmentClient(
                practice_id=appointment.practice_id,
                appointment=appointment,
                client=c,
                span=span,
                is_active=appointment.is_active,
            )
            for c in sorted(clients, key=lambda c: c.pk)
        )
    else:
        AppointmentClient.objects.filter(appointment=appointment).update(span=span, is_active=appointment.is_active)


def save_checked(appointment: Appointment, clients: list[Client], *, new: bool, savepoint: bool = True) -> None:
    """Write the appointment and its client rows inside a savepoint; a constraint violation becomes a 409.

    Two transactions inserting conflicting rows at the same moment can each find the other's
    row while checking an exclusion constraint and deadlock; PostgreSQL aborts one of them.
    Only the savepoint is lost, so the victim simply tries again: by then the other booking has
    committed (a clean 409) or rolled back (the slot is free after all).

    `savepoint=False` is for a caller whose own transaction is the whole write (`appointment_book` run on its
    own): a deadlock aborts that transaction, which `retry_on_contention` runs again whole, and a violated
    constraint raises `ConstraintViolation`, which the caller turns into the 409 once its transaction has
    rolled back. Two statements (SAVEPOINT, RELEASE) fewer per booking.
    """
    if not savepoint:
        try:
            _write(appointment, clients, new=new)
        except IntegrityError as exc:
            raise ConstraintViolation(exc, appointment, clients) from exc
        return
    for attempt in range(DEADLOCK_RETRIES + 1):
        try:
            with transaction.atomic():
                _write(appointment, clients, new=new)
            return
        except IntegrityError as exc:
            raise conflict_from_integrity_error(exc, appointment, clients) from exc
        except OperationalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) != DEADLOCK_DETECTED:
                raise
            if attempt == DEADLOCK_RETRIES:
                raise contended() from exc
