"""Changes to a booked appointment: rescheduling, changing the place, cancelling, the client's confirmation,
moving along the lifecycle and deleting one entered in error. Each locks the appointment's row first.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone

from core.contention import retry_on_contention
from core.errors import Conflict, DomainError, InvalidTransition, NotAllowed
from practice import roles
from practice.audit import audit_record
from practice.models import AuditEvent, Client, Membership
from practice.selectors import acting_clinician
from practice.settings_schema import practice_setting
from scheduling.models import Appointment, AppointmentChange, Mode, Room, Status
from scheduling.services.appointment_rules import (
    CANCELLABLE,
    MOVABLE,
    TRANSITIONS,
    UNCHANGED,
    outbox_appointment_changed,
    require_appointment_writer,
    require_no_signed_note,
    validate_booking,
)
from scheduling.services.availability import clinician_is_available
from scheduling.services.conflicts import clinician_unavailable, save_checked


def _client_of(actor: Membership, appointment: Appointment) -> Client | None:
    return next((c for c in appointment.clients.all() if c.portal_membership_id == actor.pk), None)


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
    require_no_signed_note(appointment)
    old_start, old_end = appointment.starts_at, appointment.ends_at
    if room != UNCHANGED:
        appointment.room = room
    clients = list(appointment.clients.all())
    validate_booking(
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
        raise clinician_unavailable(appointment)
    save_checked(appointment, clients, new=False)
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
    require_no_signed_note(appointment)
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
    validate_booking(
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
    save_checked(appointment, clients, new=False)
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
    save_checked(appointment, list(appointment.clients.all()), new=False)
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
    require_no_signed_note(appointment)  # by anyone: the client, a link, the front desk, the system
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
            raise clinician_unavailable(appointment)
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
    require_no_signed_note(appointment)
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
