"""Booking: staff book an appointment (front desk: anyone's; clinician: their own), a client requests one, and
a series books its occurrences through the same `book_unchecked_actor`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from core.contention import retry_on_contention
from core.errors import Conflict, DomainError, NotAllowed
from practice import roles
from practice.audit import audit_record
from practice.models import AuditEvent, Client, Clinician, Membership
from scheduling.models import ACTIVE_STATUSES, Appointment, AppointmentChange, AppointmentType, Mode, Room, Status
from scheduling.services.appointment_rules import outbox_appointment_changed, validate_booking
from scheduling.services.availability import clinician_is_available, require_schedule_writer
from scheduling.services.conflicts import ConstraintViolation, clinician_unavailable, save_checked


def book_unchecked_actor(
    *,
    practice_id: int,
    booked_by: Membership | None,
    clinician: Clinician,
    clients: list[Client],
    appointment_type: AppointmentType,
    starts_at: datetime,
    mode: str,
    room: Room | None = None,
    video_link: str = "",
    status: str = Status.SCHEDULED,
    series_id: int | None = None,
    series_date=None,
    require_availability: bool = True,
    savepoint: bool = True,
) -> Appointment:
    """The booking itself, once the caller's right to book has been checked (also used by series).

    `savepoint=False`: the caller's transaction is the booking's alone (see `save_checked`).
    """
    validate_booking(
        actor_practice_id=practice_id,
        clinician=clinician,
        clients=clients,
        appointment_type=appointment_type,
        mode=mode,
        room=room,
        video_link=video_link,
        starts_at=starts_at,
    )
    appointment = Appointment(
        practice_id=practice_id,
        clinician=clinician,
        appointment_type=appointment_type,
        mode=mode,
        room=room,
        video_link=video_link,
        status=status,
        booked_by=booked_by,
        series_id=series_id,
        series_date=series_date,
    )
    if Clinician.practice.is_cached(clinician) and clinician.practice_id == practice_id:
        # Read with the clinician, the practice's reminder policy with it (AppointmentBookInput): the outbox
        # hook finds the policy there instead of reading it again.
        appointment.practice = clinician.practice
    appointment.set_times(starts_at, appointment_type)
    if require_availability and not clinician_is_available(
        clinician=clinician, starts_at=appointment.starts_at, ends_at=appointment.ends_at
    ):
        raise clinician_unavailable(appointment)
    save_checked(appointment, clients, new=True, savepoint=savepoint)
    _hold_clients(appointment, clients)
    AppointmentChange.objects.create(
        practice_id=practice_id,
        appointment=appointment,
        kind="booked",
        new_starts_at=appointment.starts_at,
        new_ends_at=appointment.ends_at,
        new_status=status,
        changed_by=booked_by,
    )
    outbox_appointment_changed(appointment=appointment, event="booked")
    return appointment


def _hold_clients(appointment: Appointment, clients: list[Client]) -> None:
    """The booking knows its clients: keep them as Django's `prefetch_related("clients")` would (in id order, as
    their rows were written), so the outbox hook and the reply read `appointment.clients` without a query."""
    held = appointment.clients.all()
    held._result_cache = sorted(clients, key=lambda c: c.pk)
    # Django's own prefetch (prefetch_one_level) marks the queryset and the instance so; neither is typed.
    setattr(held, "_prefetch_done", True)  # noqa: B010
    setattr(appointment, "_prefetched_objects_cache", {"clients": held})  # noqa: B010


@retry_on_contention
def appointment_book(
    *,
    actor: Membership,
    clinician: Clinician,
    clients: list[Client],
    appointment_type: AppointmentType,
    starts_at: datetime,
    mode: str,
    room: Room | None = None,
    video_link: str = "",
    outside_availability: bool = False,
) -> Appointment:
    """Book an appointment (front desk: anyone's; clinician: their own).

    Outside working hours or during time off answers 409 `clinician_unavailable` unless
    staff pass `outside_availability=True`. Overlaps answer 409 `<resource>_taken`. The clinician,
    clients, type and room come scoped from the door (AppointmentBookInput).

    Run on its own (the API without an `Idempotency-Key`, the booking page) the booking is its own transaction,
    with no savepoint: a deadlock aborts it and `retry_on_contention` runs it again, a taken time ends it and the
    409 names what holds that time once it has rolled back. Inside a caller's transaction (a key's record, a
    waitlist offer) it is a savepoint, as is its write, so a refusal leaves the caller's transaction usable.
    """
    nested = connection.in_atomic_block
    try:
        with transaction.atomic():
            require_schedule_writer(actor, clinician)
            appointment = book_unchecked_actor(
                practice_id=actor.practice_id,
                booked_by=actor,
                clinician=clinician,
                clients=clients,
                appointment_type=appointment_type,
                starts_at=starts_at,
                mode=mode,
                room=room,
                video_link=video_link,
                require_availability=not outside_availability,
                savepoint=nested,
            )
            audit_record(
                actor=actor,
                action=AuditEvent.Action.CREATE,
                obj=appointment,
                detail={"clients": [c.pk for c in clients]},
            )
    except ConstraintViolation as violation:  # only without the savepoint: the transaction has rolled back
        raise violation.conflict() from violation.error
    return appointment


@retry_on_contention
@transaction.atomic
def appointment_request(
    *, actor: Membership, clinician: Clinician, appointment_type: AppointmentType, starts_at: datetime, mode: str
) -> Appointment:
    """A client asks for a self-bookable appointment; staff accept (-> scheduled) or decline it.

    The clinician (one of the client's care team) and the type (a bookable one) come scoped from the door
    (AppointmentRequestInput): any other id answers like an unknown one.
    """
    client = Client.objects.filter(practice=actor.practice, portal_membership=actor).first()
    if client is None or not actor.has_role(roles.CLIENT):
        raise NotAllowed("Only a client may request an appointment.")
    if not appointment_type.client_bookable:
        raise DomainError("This appointment type cannot be requested.", fields={"appointment_type": ["Not found."]})
    if mode == Mode.IN_PERSON:
        raise DomainError(
            "Request a telehealth session, or ask the front desk for an in-person one.",
            fields={"mode": ["Clients may request telehealth sessions only."]},
        )
    now = timezone.now()
    if not (
        now + timedelta(hours=appointment_type.min_notice_hours)
        <= starts_at
        <= now + timedelta(days=appointment_type.max_advance_days)
    ):
        raise DomainError("That time is outside the booking window.", fields={"starts_at": ["Too soon or too far."]})
    probe = Appointment(clinician=clinician, appointment_type=appointment_type)
    probe.set_times(starts_at, appointment_type)
    if Appointment.objects.filter(
        clinician=clinician, status__in=ACTIVE_STATUSES, occupied__overlap=probe.occupied
    ).exists():
        raise Conflict("That time is no longer available.", code="clinician_taken", extra={"resource": "clinician"})
    appointment = book_unchecked_actor(
        practice_id=actor.practice_id,
        booked_by=actor,
        clinician=clinician,
        clients=[client],
        appointment_type=appointment_type,
        starts_at=starts_at,
        mode=mode,
        status=Status.REQUESTED,
    )
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, obj=appointment, detail={"requested": True})
    return appointment
