"""What a message says. The minimum of ACCESS.md: practice name, local date and time, place or
video link, confirm and cancel links. Never the clinician, their specialty, the appointment type,
a diagnosis or anything from a form. Rendered at send time, never stored."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils import formats, translation
from django.utils.translation import gettext as _

from reminders.links import link_url
from reminders.models import OutboundMessage

Kind = OutboundMessage.Kind


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str  # email body
    sms: str


def local_when(appointment, client) -> str:
    local = appointment.starts_at.astimezone(ZoneInfo(client.time_zone or appointment.practice.time_zone))
    day = formats.date_format(local, "l j F Y")
    clock = formats.time_format(local, "H:i")
    return f"{day}, {clock} {local.tzname()}"


def appointment_place(appointment) -> str:
    """Where a session happens, in the words messages use (the video link, or the location's name and address)."""
    if appointment.mode == "telehealth":
        return _("Online: %(link)s") % {"link": appointment.video_link} if appointment.video_link else _("Online")
    location = appointment.room.location if appointment.room_id else None
    if location is None:
        return ""
    return f"{location.name}, {location.address}" if location.address else location.name


def render(message: OutboundMessage, appointment, client) -> Rendered:
    with translation.override(client.language or "en"):
        practice = appointment.practice.name
        when = local_when(appointment, client)
        where = appointment_place(appointment)
        heading = {
            Kind.CONFIRMATION: _("Your appointment with %(practice)s is booked"),
            Kind.REMINDER: _("Reminder: your appointment with %(practice)s"),
            Kind.RESCHEDULED: _("Your appointment with %(practice)s has moved"),
            Kind.DETAILS_CHANGED: _("Your appointment with %(practice)s has a new place"),
            Kind.CANCELLED: _("Your appointment with %(practice)s is cancelled"),
        }[message.kind] % {"practice": practice}
        lines = [heading + ".", "", _("When: %(when)s") % {"when": when}]
        if message.kind == Kind.CANCELLED:
            lines = [
                heading + ".",
                "",
                _("It was on: %(when)s") % {"when": when},
                "",
                _("Please contact the practice to book a new time."),
            ]
            sms = _("%(practice)s: your appointment on %(when)s is cancelled.") % {"practice": practice, "when": when}
        else:
            if where:
                lines.append(_("Where: %(where)s") % {"where": where})
            confirm = link_url(appointment=appointment, client_id=client.pk, action="confirm")
            cancel = link_url(appointment=appointment, client_id=client.pk, action="cancel")
            lines += ["", _("Confirm: %(url)s") % {"url": confirm}, _("Cancel: %(url)s") % {"url": cancel}]
            window = appointment.practice.cancellation_window_hours
            lines += [
                "",
                _("Cancelling less than %(hours)s hours before may count as a late cancellation.") % {"hours": window},
            ]
            if message.kind == Kind.DETAILS_CHANGED:
                sms = _("%(practice)s: your appointment %(when)s is now: %(where)s. Cancel: %(url)s") % {
                    "practice": practice,
                    "when": when,
                    "where": where,
                    "url": cancel,
                }
            else:
                sms = _("%(practice)s: appointment %(when)s. Cancel: %(url)s") % {
                    "practice": practice,
                    "when": when,
                    "url": cancel,
                }
        return Rendered(subject=f"{heading} ({when})", body="\n".join(lines) + "\n", sms=sms)
