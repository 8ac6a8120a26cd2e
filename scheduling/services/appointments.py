"""Booking, rescheduling, changing the place, cancelling and moving appointments through their lifecycle.

The exclusion constraints are the real guard against double booking: services check what
they can for a friendly message, then let PostgreSQL decide, and translate its verdict
(an IntegrityError naming the constraint) into a 409 that says which resource is taken
and when, and nothing about the appointment that holds it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, OperationalError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import ProtectedError
from django.utils import timezone

from core.contention import DEADLOCK_DETECTED, contended, retry_on_contention
from core.errors import Conflict, DomainError, InvalidTransition, NotAllowed, unknown_id_error
from practice import roles
from practice.audit import audit_record
from practice.models import AuditEvent, Client, Clinician, Membership
from practice.selectors import client_list
from practice.settings_schema import practice_setting
from scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentChange,
    AppointmentClient,
    AppointmentType,
    Mode,
    Room,
    Status,
)
from scheduling.services.availability import clinician_is_available, require_schedule_writer

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

DEADLOCK_RETRIES = 3

CONSTRAINT_RESOURCE = {
    "appointment_clinician_no_overlap": "clinician",
    "appointment_room_no_overlap": "room",
    "appointment_client_no_overlap": "client",
}


def outbox_appointment_changed(*, appointment: Appointment, event: str) -> None:
    """Called in the same transaction after every change to an appointment.

    The reminders outbox hooks in here (scheduling, rescheduling, cancelling reminders);
    until it does this is deliberately empty.
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


def _require_no_signed_note(appointment: Appointment) -> None:
    from notes.selectors import appointment_has_signed_note  # the notes app owns session notes

    if appointment_has_signed_note(appointment_id=appointment.pk):
        raise Conflict(
            "The session note for this appointment is signed: it cannot be cancelled, moved or deleted.",
            code="note_signed",
        )


def _client_of(actor: Membership, appointment: Appointment) -> Client | None:
    return next((c for c in appointment.clients.all() if c.portal_membership_id == actor.pk), None)


# --- conflicts --------------------------------------------------------------------------------------


def _fmt(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _conflict_from(exc: IntegrityError, appointment: Appointment, clients: list[Client]) -> Conflict:
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
        message = f"{label} is already booked from {_fmt(taken[0])} to {_fmt(taken[1])}."
    else:
        message = f"{label} is already booked at that time."
    return Conflict(message, code=f"{resource}_taken", extra=extra)


def _save_checked(appointment: Appointment, clients: list[Client], *, new: bool) -> None:
    """Write the appointment and its client rows inside a savepoint; a constraint violation becomes a 409.

    Two transactions inserting conflicting rows at the same moment can each find the other's
    row while checking an exclusion constraint and deadlock; PostgreSQL aborts one of them.
    Only the savepoint is lost, so the victim simply tries again: by then the other booking has
    committed (a clean 409) or rolled back (the slot is free after all).
    """
    for attempt in range(DEADLOCK_RETRIES + 1):
        try:
            with transaction.atomic():
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
                    AppointmentClient.objects.filter(appointment=appointment).update(
                        span=span, is_active=appointment.is_active
                    )
            return
        except IntegrityError as exc:
            raise _conflict_from(exc, appointment, clients) from exc
        except OperationalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) != DEADLOCK_DETECTED:
                raise
            if attempt == DEADLOCK_RETRIES:
                raise contended() from exc


# --- booking ----------------------------------------------------------------------------------------


def clinician_is_bookable(clinician: Clinician) -> bool:
    """The clinician profile, their membership of the practice and their user account are all active."""
    membership = clinician.membership
    return clinician.is_active and membership.is_active and membership.user.is_active


def _validate_booking(
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
) -> Appointment:
    """The booking itself, once the caller's right to book has been checked (also used by series)."""
    _validate_booking(
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
    appointment.set_times(starts_at, appointment_type)
    if require_availability and not clinician_is_available(
        clinician=clinician, starts_at=appointment.starts_at, ends_at=appointment.ends_at
    ):
        raise Conflict(
            f"The clinician is not working from {_fmt(appointment.starts_at)} to "
            f"{_fmt(appointment.ends_at)} (outside working hours, time off or blocked).",
            code="clinician_unavailable",
            extra={"resource": "clinician_availability"},
        )
    _save_checked(appointment, clients, new=True)
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


@retry_on_contention
@transaction.atomic
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
    """
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
    )
    audit_record(
        actor=actor, action=AuditEvent.Action.CREATE, obj=appointment, detail={"clients": [c.pk for c in clients]}
    )
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


# --- changes ----------------------------------------------------------------------------------------


def _locked(appointment: Appointment) -> Appointment:
    """The appointment's row, locked, and only it: `of=("self",)`. Locking the joined clinician, type and
    practice rows too (a plain `select_for_update()` with `select_related`) made every change wait on, and
    deadlock with, any booking whose foreign-key checks read those rows (issue 12)."""
    return (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("clinician", "appointment_type", "practice")
        .get(pk=appointment.pk)
    )


@retry_on_contention
@transaction.atomic
def appointment_reschedule(
    *,
    actor: Membership,
    appointment: Appointment,
    starts_at: datetime,
    room: Room | None | str = UNCHANGED,
    reason: str = "",
    outside_availability: bool = False,
) -> Appointment:
    """Move an appointment to a new start. The old and new times are kept as an AppointmentChange."""
    appointment = _locked(appointment)
    require_appointment_writer(actor, appointment)
    if appointment.status not in MOVABLE:
        raise InvalidTransition(
            f"The appointment is {appointment.status}: it cannot be moved.",
            extra={"current_status": appointment.status},
        )
    _require_no_signed_note(appointment)
    old_start, old_end = appointment.starts_at, appointment.ends_at
    if room != UNCHANGED:
        appointment.room = room
    clients = list(appointment.clients.all())
    _validate_booking(
        actor_practice_id=actor.practice_id,
        clinician=appointment.clinician,
        clients=clients,
        appointment_type=appointment.appointment_type,
        mode=appointment.mode,
        room=appointment.room,
        video_link=appointment.video_link,
        starts_at=starts_at,
    )
    appointment.set_times(starts_at)
    if not outside_availability and not clinician_is_available(
        clinician=appointment.clinician, starts_at=appointment.starts_at, ends_at=appointment.ends_at
    ):
        raise Conflict(
            f"The clinician is not working from {_fmt(appointment.starts_at)} to {_fmt(appointment.ends_at)}.",
            code="clinician_unavailable",
            extra={"resource": "clinician_availability"},
        )
    _save_checked(appointment, clients, new=False)
    AppointmentChange.objects.create(
        practice_id=appointment.practice_id,
        appointment=appointment,
        kind="rescheduled",
        old_starts_at=old_start,
        old_ends_at=old_end,
        new_starts_at=appointment.starts_at,
        new_ends_at=appointment.ends_at,
        changed_by=actor,
        reason=reason,
    )
    audit_record(
        actor=actor, action=AuditEvent.Action.UPDATE, obj=appointment, detail={"fields": ["starts_at", "ends_at"]}
    )
    outbox_appointment_changed(appointment=appointment, event="rescheduled")
    return appointment


def _client_place(mode: str, room: Room | None, video_link: str) -> tuple:
    """What a client is told of the place: the mode, the location (not the room) or the video link."""
    return (mode, room.location_id if room is not None else None, video_link)


@retry_on_contention
@transaction.atomic
def appointment_change_place(
    *,
    actor: Membership,
    appointment: Appointment,
    mode: str | None = None,
    room: Room | None | str = UNCHANGED,
    video_link: str | None = None,
    now: datetime | None = None,
) -> Appointment:
    """Change where an appointment happens (mode, room, video link) without moving it in time.

    Same writers and states as a reschedule, and not once the appointment has started (409
    `appointment_started`). A field left out (None; for `room`, UNCHANGED) keeps its value, except that
    a change of mode drops what the old mode carried: the room when going online, the video link when
    going in person. The result must pass the booking rules, and a telehealth session must have its
    video link. The room comes scoped from the door (PlaceChangeInput: another practice's is an unknown id); a new
    room is checked by its exclusion constraint (409 `room_taken`). Giving what the
    appointment already has changes nothing and records nothing. Clients are sent a notice when what
    they are told changes (mode, location or video link), not for another room at the same location.
    """
    appointment = _locked(appointment)
    require_appointment_writer(actor, appointment)
    if appointment.status not in MOVABLE:
        raise InvalidTransition(
            f"The appointment is {appointment.status}: its place cannot be changed.",
            extra={"current_status": appointment.status},
        )
    if appointment.starts_at <= (now or timezone.now()):
        raise Conflict(
            "The appointment has already started: its place can no longer be changed.", code="appointment_started"
        )
    _require_no_signed_note(appointment)
    old = {"mode": appointment.mode, "room": appointment.room, "video_link": appointment.video_link}
    new = {
        "mode": old["mode"] if mode is None else mode,
        "room": old["room"] if room == UNCHANGED else room,
        "video_link": old["video_link"] if video_link is None else video_link,
    }
    if new["mode"] != old["mode"]:
        if new["mode"] == Mode.TELEHEALTH and room == UNCHANGED:
            new["room"] = None
        if new["mode"] == Mode.IN_PERSON and video_link is None:
            new["video_link"] = ""
    changed = [field for field in ("mode", "room", "video_link") if new[field] != old[field]]
    if not changed:
        return appointment
    clients = list(appointment.clients.all())
    _validate_booking(
        actor_practice_id=actor.practice_id,
        clinician=appointment.clinician,
        clients=clients,
        appointment_type=appointment.appointment_type,
        mode=new["mode"],
        room=new["room"],
        video_link=new["video_link"],
        starts_at=appointment.starts_at,
        telehealth_needs_link=True,
    )
    appointment.mode, appointment.room, appointment.video_link = new["mode"], new["room"], new["video_link"]
    _save_checked(appointment, clients, new=False)
    AppointmentChange.objects.create(
        practice_id=appointment.practice_id, appointment=appointment, kind="place_changed", changed_by=actor
    )
    # Field names, the mode and room ids: never the video link itself (it admits to the session).
    detail: dict[str, Any] = {"fields": changed}
    if "mode" in changed:
        detail["mode"] = {"from": old["mode"], "to": new["mode"]}
    if "room" in changed:
        detail["room"] = {"from": getattr(old["room"], "pk", None), "to": getattr(new["room"], "pk", None)}
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=appointment, detail=detail)
    told_changed = _client_place(**old) != _client_place(**new)
    outbox_appointment_changed(appointment=appointment, event="details_changed" if told_changed else "room_changed")
    return appointment


def _set_status(appointment: Appointment, new_status: str, actor: Membership | None, reason: str = "") -> None:
    old = appointment.status
    appointment.status = new_status
    _save_checked(appointment, list(appointment.clients.all()), new=False)
    AppointmentChange.objects.create(
        practice_id=appointment.practice_id,
        appointment=appointment,
        kind="status",
        old_status=old,
        new_status=new_status,
        changed_by=actor,
        reason=reason,
    )
    outbox_appointment_changed(appointment=appointment, event=new_status)


@retry_on_contention
@transaction.atomic
def appointment_cancel(
    *,
    actor: Membership | None,
    appointment: Appointment,
    by: str = "practice",
    reason: str = "",
    now: datetime | None = None,
) -> Appointment:
    """Cancel. A cancellation by the client inside the practice's window is `late_cancelled`.

    A client cancels only their own appointment, and only until the practice's cut-off
    (`settings.client_cancel_cutoff_hours` before the start, 0 by default): in the portal, or
    with `actor=None, by="client"` (a signed link, where the system acts for the client).
    Staff recording a client's call (`by="client"`) are not bound by the cut-off. Any other
    `actor=None` is the system (series cancellation).
    """
    appointment = _locked(appointment)
    now = now or timezone.now()
    client_online = actor is None and by == "client"
    if actor is not None:
        if actor.has_role(roles.FRONT_DESK, roles.CLINICIAN) and (
            actor.has_role(roles.FRONT_DESK) or _own(actor, appointment)
        ):
            require_appointment_writer(actor, appointment)
        elif actor.has_role(roles.CLIENT) and _client_of(actor, appointment) is not None:
            by, client_online = "client", True
        else:
            raise NotAllowed("Your role in this practice may not cancel this appointment.")
    if by not in ("client", "practice"):
        raise DomainError("Who cancels?", fields={"by": ["Either 'client' or 'practice'."]})
    if client_online:
        cutoff = timedelta(hours=practice_setting(appointment.practice, "client_cancel_cutoff_hours"))
        if now > appointment.starts_at - cutoff:
            raise Conflict(
                "It is too late to cancel this appointment online: please call the practice.",
                code="past_cancellation_cutoff",
            )
    if appointment.status not in CANCELLABLE:
        raise InvalidTransition(
            f"The appointment is {appointment.status}: it cannot be cancelled.",
            extra={"current_status": appointment.status},
        )
    _require_no_signed_note(appointment)  # by anyone: the client, a link, the front desk, the system
    window = timedelta(hours=appointment.practice.cancellation_window_hours)
    late = by == "client" and appointment.status != Status.REQUESTED and appointment.starts_at - now < window
    appointment.cancelled_by = actor
    appointment.cancelled_at = now
    appointment.cancelled_by_party = by
    appointment.cancellation_reason = reason
    _set_status(appointment, Status.LATE_CANCELLED if late else Status.CANCELLED, actor, reason)
    if actor is not None:
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            obj=appointment,
            detail={"status": appointment.status, "by": by},
        )
    return appointment


@retry_on_contention
@transaction.atomic
def appointment_confirm_by_client(*, appointment: Appointment, client: Client, reason: str = "") -> Appointment:
    """The client confirms their own appointment with no login (a signed link): the system acts for them,
    so the history records no `changed_by`. Confirming a confirmed appointment changes nothing; any
    status but scheduled or confirmed answers 409 with `current_status`. The caller has established
    who the client is, and records the audit event.
    """
    appointment = _locked(appointment)
    if not appointment.participants.filter(client_id=client.pk).exists():
        raise NotAllowed("This client is not in this appointment.")
    if appointment.status == Status.SCHEDULED:
        _set_status(appointment, Status.CONFIRMED, None, reason)
    elif appointment.status != Status.CONFIRMED:
        raise InvalidTransition(
            f"The appointment is {appointment.status}: it cannot be confirmed.",
            extra={"current_status": appointment.status},
        )
    return appointment


def _own(actor: Membership, appointment: Appointment) -> bool:
    from practice.selectors import acting_clinician

    own = acting_clinician(actor)
    return own is not None and own.pk == appointment.clinician_id


@retry_on_contention
@transaction.atomic
def appointment_transition(
    *, actor: Membership, appointment: Appointment, to_status: str, reason: str = ""
) -> Appointment:
    """Move along the lifecycle (TRANSITIONS). Invalid moves answer 409 naming the current status."""
    if to_status in (Status.CANCELLED, Status.LATE_CANCELLED):
        return appointment_cancel(actor=actor, appointment=appointment, by="practice", reason=reason)
    appointment = _locked(appointment)
    require_appointment_writer(actor, appointment)
    if to_status not in Status.values:
        raise DomainError("Unknown status.", fields={"status": [f"One of {', '.join(Status.values)}."]})
    if to_status not in TRANSITIONS[appointment.status]:
        raise InvalidTransition(
            f"The appointment is {appointment.status}: it cannot become {to_status}.",
            extra={"current_status": appointment.status},
        )
    if to_status == Status.SCHEDULED and appointment.status == Status.REQUESTED:
        if not clinician_is_available(
            clinician=appointment.clinician, starts_at=appointment.starts_at, ends_at=appointment.ends_at
        ):
            raise Conflict(
                "The clinician is not working at the requested time.",
                code="clinician_unavailable",
                extra={"resource": "clinician_availability"},
            )
    _set_status(appointment, to_status, actor, reason)
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=appointment, detail={"status": to_status})
    return appointment


@retry_on_contention
@transaction.atomic
def appointment_delete(*, actor: Membership, appointment: Appointment) -> None:
    """Remove an appointment entered in error (front desk). Not once it happened or its note is signed."""
    appointment = _locked(appointment)
    if not actor.has_role(roles.FRONT_DESK):
        raise NotAllowed("Only the front desk may delete an appointment entered in error; cancel it instead.")
    if appointment.status in (Status.COMPLETED, Status.NO_SHOW, Status.CHECKED_IN):
        raise InvalidTransition(
            f"The appointment is {appointment.status}: it cannot be deleted.",
            extra={"current_status": appointment.status},
        )
    _require_no_signed_note(appointment)
    audit_record(actor=actor, action=AuditEvent.Action.DELETE, obj=appointment)
    outbox_appointment_changed(appointment=appointment, event="deleted")
    try:
        with transaction.atomic():
            appointment.delete()
    except ProtectedError as exc:
        raise Conflict(
            "Records refer to this appointment (for example a session note): cancel it instead.",
            code="appointment_referenced",
        ) from exc
