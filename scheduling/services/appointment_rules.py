"""The rules every write to an appointment obeys: which status may follow which, who may write, the booking
rules for who, what, where and when, and the outbox hook called in the same transaction after every change.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from core.errors import Conflict, DomainError, NotAllowed, unknown_id_error
from practice import roles
from practice.models import Client, Clinician, Membership
from practice.selectors import client_list
from scheduling.models import Appointment, AppointmentType, Mode, Room, Status
from scheduling.services.availability import require_schedule_writer

# Which status may follow which. Cancellations go through appointment_cancel (they carry who and why).
TRANSITIONS: dict[str, set[str]] = {
    Status.REQUESTED: {Status.SCHEDULED, Status.DECLINED, Status.CANCELLED},
    Status.SCHEDULED: {
        Status.CONFIRMED,
        Status.CHECKED_IN,
        Status.COMPLETED,
        Status.NO_SHOW,
        Status.CANCELLED,
        Status.LATE_CANCELLED,
    },
    Status.CONFIRMED: {
        Status.SCHEDULED,
        Status.CHECKED_IN,
        Status.COMPLETED,
        Status.NO_SHOW,
        Status.CANCELLED,
        Status.LATE_CANCELLED,
    },
    Status.CHECKED_IN: {Status.COMPLETED, Status.CONFIRMED},
    Status.COMPLETED: set(),
    Status.NO_SHOW: set(),
    Status.CANCELLED: set(),
    Status.LATE_CANCELLED: set(),
    Status.DECLINED: set(),
}
MOVABLE = {Status.REQUESTED, Status.SCHEDULED, Status.CONFIRMED}
CANCELLABLE = {Status.REQUESTED, Status.SCHEDULED, Status.CONFIRMED}
# A room argument left out of a reschedule or a change of place (None means "no room").
UNCHANGED = "unchanged"


def outbox_appointment_changed(*, appointment: Appointment, event: str) -> None:
    """Called in the same transaction after every change to an appointment.

    The reminders outbox hooks in here (scheduling, rescheduling, cancelling reminders), and a completed
    session's check-ins.
    """
    from reminders.services.outbox import reminders_sync_for_appointment  # lazy: reminders imports scheduling

    reminders_sync_for_appointment(appointment=appointment, reason=event)
    if event == Status.COMPLETED:
        from intake.services.checkins import checkins_for_completed_session  # lazy: intake imports scheduling

        checkins_for_completed_session(appointment=appointment)  # once per (appointment, client), ever


# --- guards -----------------------------------------------------------------------------------------


def require_appointment_writer(actor: Membership, appointment: Appointment) -> None:
    """Front desk: any appointment; a clinician: their own. Anyone else may not change it (403)."""
    if actor.has_role(roles.FRONT_DESK, roles.CLINICIAN):
        require_schedule_writer(actor, appointment.clinician)
        return
    raise NotAllowed("Your role in this practice may not change appointments.")


def require_clients_in_scope(actor: Membership | None, clients: Iterable[Client], *, field: str = "clients") -> None:
    """Clients a service takes from stored state (a series re-created by "this and following", a skipped
    occurrence booked later) must still be ones the caller may see, a clinician's caseload. Ids from the
    request are scoped at the door (backend/api/scope.py); these answer the same way, like an unknown id.
    `actor=None` is the system. Roles that may not book are left to the writer check that follows.
    """
    if actor is None or not actor.has_role(roles.FRONT_DESK, roles.CLINICIAN):
        return
    pks = [c.pk for c in clients]
    found = set(client_list(actor=actor).filter(pk__in=pks).values_list("pk", flat=True))
    missing = [pk for pk in pks if pk not in found]
    if missing:
        raise unknown_id_error(field, missing[0])


def require_no_signed_note(appointment: Appointment) -> None:
    from notes.selectors import appointment_has_signed_note  # the notes app owns session notes

    if appointment_has_signed_note(appointment_id=appointment.pk):
        raise Conflict(
            "The session note for this appointment is signed: it cannot be cancelled, moved or deleted.",
            code="note_signed",
        )


def clinician_is_bookable(clinician: Clinician) -> bool:
    """The clinician profile, their membership of the practice and their user account are all active."""
    membership = clinician.membership
    return clinician.is_active and membership.is_active and membership.user.is_active


def validate_booking(
    *,
    actor_practice_id: int,
    clinician: Clinician,
    clients: list[Client],
    appointment_type: AppointmentType,
    mode: str,
    room: Room | None,
    video_link: str,
    starts_at: datetime,
    telehealth_needs_link: bool = False,
) -> None:
    """The booking rules for who, what, where and when; 400 naming every wrong field.

    `telehealth_needs_link`: a change of place must give a telehealth session its video link (a booking
    may leave it to later: client requests come without one).
    """
    errors: dict[str, list[str]] = {}
    if not clients:
        errors["clients"] = ["At least one client is required."]
    if any(c.practice_id != actor_practice_id for c in clients):
        errors["clients"] = ["Not found."]
    elif any(not c.is_active for c in clients):
        errors["clients"] = ["This client is no longer active: reactivate their record before booking."]
    if appointment_type.practice_id != actor_practice_id or not appointment_type.is_active:
        errors["appointment_type"] = ["Not found."]
    elif mode not in appointment_type.modes:
        errors["mode"] = [f"This appointment type allows {', '.join(appointment_type.modes)}."]
    if mode == Mode.IN_PERSON and room is None:
        errors["room"] = ["An in-person appointment needs a room."]
    if mode == Mode.TELEHEALTH and room is not None:
        errors["room"] = ["A telehealth appointment takes no room."]
    if room is not None and (room.practice_id != actor_practice_id or not room.is_active):
        errors["room"] = ["Not found."]
    if mode == Mode.IN_PERSON and video_link:
        errors["video_link"] = ["Only telehealth appointments carry a video link."]
    if mode == Mode.TELEHEALTH and telehealth_needs_link and not video_link:
        errors["video_link"] = ["A telehealth appointment needs a video link."]
    if timezone.is_naive(starts_at):
        errors["starts_at"] = ["Give an instant with its UTC offset (for example 2026-03-09T14:00:00Z)."]
    if not clinician_is_bookable(clinician):
        errors["clinician"] = ["This clinician is not active."]
    if errors:
        raise DomainError("The booking is not valid.", fields=errors)
