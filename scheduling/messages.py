"""Appointment messages through the outbox: the confirmation, the reminders, the reschedule, change-of-place and
cancellation notices (registered in SchedulingConfig.ready(); reminders/registry.py).

What a message says is the minimum of ACCESS.md: practice name, local date and time, place or video link,
confirm and cancel links. Never the clinician, their specialty, the appointment type, a diagnosis or anything
from a form. Rendered at send time from templates/scheduling/email/ and sms/, never stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import formats, translation
from django.utils.translation import gettext as _

from practice.models import Client
from reminders import registry
from reminders.links import link_url
from reminders.models import Channel, OutboundMessage
from reminders.services.consent import consent_problem
from reminders.templating import render_line, render_text
from scheduling.models import Appointment, Status

Kind = OutboundMessage.Kind
APPOINTMENT_KINDS = (Kind.CONFIRMATION, Kind.REMINDER, Kind.RESCHEDULED, Kind.DETAILS_CHANGED, Kind.CANCELLED)


def local_when(appointment: Appointment, client: Client) -> str:
    local = appointment.starts_at.astimezone(ZoneInfo(client.time_zone or appointment.practice.time_zone))
    day = formats.date_format(local, "l j F Y")
    clock = formats.time_format(local, "H:i")
    return f"{day}, {clock} {local.tzname()}"


def appointment_place(appointment: Appointment) -> str:
    """Where a session happens, in the words messages use (the video link, or the location's name and address)."""
    if appointment.mode == "telehealth":
        return _("Online: %(link)s") % {"link": appointment.video_link} if appointment.video_link else _("Online")
    room = appointment.room if appointment.room_id else None
    location = room.location if room is not None else None
    if location is None:
        return ""
    return f"{location.name}, {location.address}" if location.address else location.name


def stale_reason(message: OutboundMessage, appointment: Appointment | None, now: datetime) -> str:
    """Why the appointment no longer wants this message ("" if it still does)."""
    if appointment is None:
        return "appointment_deleted"
    if message.kind == Kind.CANCELLED:
        return "" if appointment.status in (Status.CANCELLED, Status.LATE_CANCELLED) else "appointment_not_cancelled"
    if appointment.status not in (Status.SCHEDULED, Status.CONFIRMED):
        return f"appointment_{appointment.status}"
    if appointment.starts_at != message.scheduled_for:
        return "appointment_moved"
    if appointment.starts_at <= now:
        return "appointment_started"
    return ""


@dataclass(frozen=True)
class _Subject:
    appointment: Appointment
    client: Client


def check(message: OutboundMessage, now: datetime) -> registry.Check:
    """The appointment still as the row was computed for (active, same start, not started), and the client's
    consent on the row's channel, asked again at send time."""
    # Loaded with the claimed row (HANDLER.related): the appointment is null once deleted as entered in error.
    appointment = message.appointment
    stale = stale_reason(message, appointment, now)
    if stale or appointment is None:
        return registry.Check(stale=stale)
    client = message.client
    assert client is not None  # an appointment message is always to a client
    problem = consent_problem(client, message.channel)
    if problem:
        return registry.Check(problem=problem)
    to = client.phone if message.channel == Channel.SMS else client.email
    return registry.Check(subject=_Subject(appointment=appointment, client=client), to=to)


def render(message: OutboundMessage, checked: registry.Check) -> registry.Rendered:
    subject = checked.subject
    assert isinstance(subject, _Subject)
    return render_appointment_message(message, subject.appointment, subject.client)


def render_appointment_message(message: OutboundMessage, appointment: Appointment, client: Client) -> registry.Rendered:
    with translation.override(client.language or "en"):
        context: dict[str, object] = {
            "kind": message.kind,
            "practice": appointment.practice.name,
            "when": local_when(appointment, client),
        }
        if message.kind != Kind.CANCELLED:
            context |= {
                "where": appointment_place(appointment),
                "confirm": link_url(appointment=appointment, client_id=client.pk, action="confirm"),
                "cancel": link_url(appointment=appointment, client_id=client.pk, action="cancel"),
                "hours": appointment.practice.cancellation_window_hours,
            }
        if message.channel == Channel.SMS:  # only what the channel sends: each template costs a render per send
            return registry.Rendered(subject="", body="", sms=render_line("scheduling/sms/appointment.txt", context))
        context["heading"] = render_line("scheduling/email/appointment_heading.txt", context)
        return registry.Rendered(
            subject=render_line("scheduling/email/appointment_subject.txt", context),
            body=render_text("scheduling/email/appointment.txt", context),
        )


HANDLER = registry.Handler(
    check=check, render=render, related=("client", "appointment__practice", "appointment__room__location")
)


def register() -> None:
    registry.register(APPOINTMENT_KINDS, HANDLER)
