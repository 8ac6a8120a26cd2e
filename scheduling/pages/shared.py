"""Shared by the schedule's pages: role sets (the API's), the viewer's zone, conflicts in plain words."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django import forms

from backend.web.forms import apply_errors
from core.errors import Conflict
from practice import roles
from practice.models import validate_time_zone
from scheduling.apis.appointments import AppointmentViewSet
from scheduling.apis.series import SeriesViewSet

# Never retyped: the roles the API's views allow.
CALENDAR_ROLES = frozenset(roles.STAFF_ROLES)
BOOKING_ROLES = frozenset(AppointmentViewSet.write_roles) & CALENDAR_ROLES
SERIES_ROLES = frozenset(SeriesViewSet.write_roles)
APPOINTMENT_READ_ROLES = frozenset(AppointmentViewSet.read_roles) & CALENDAR_ROLES
SCHEDULE_WRITERS = frozenset(SeriesViewSet.write_roles)  # the schedulers: front desk and clinicians

RESOURCE_WORDS = {"clinician": "The clinician", "room": "The room", "client": "The client"}


def viewer_zone(request, value: str | None = None) -> ZoneInfo:
    """The zone the page shows times in: ?tz= when it names a real zone, else the practice's."""
    if value:
        try:
            validate_time_zone(value)
            return ZoneInfo(value)
        except Exception:  # an unknown zone on a page falls back to the practice's, named on the page
            pass
    return ZoneInfo(request.membership.practice.time_zone)


def _local(value: str, tz: ZoneInfo) -> str:
    instant = datetime.fromisoformat(value).astimezone(tz)
    return f"{instant:%a %-d %b, %H:%M} {instant.tzname()}"


def conflict_in_words(exc: Conflict, tz: ZoneInfo) -> str:
    """A 409 from a booking service as a sentence for the form: who or what is taken, and when, in the
    viewer's zone (the service's message gives UTC)."""
    return conflict_sentence(getattr(exc, "extra", None) or {}, exc.message, tz)


def conflict_sentence(extra: dict, message: str, tz: ZoneInfo) -> str:
    """A conflict's details (`resource`, `taken_from`, `taken_until`) as a sentence in `tz`."""
    resource = extra.get("resource")
    if resource in RESOURCE_WORDS and extra.get("taken_from") and extra.get("taken_until"):
        until = datetime.fromisoformat(extra["taken_until"]).astimezone(tz)
        return (
            f"{RESOURCE_WORDS[resource]} is already booked from {_local(extra['taken_from'], tz)} "
            f"to {until:%H:%M} {until.tzname()}. Choose another time" + (" or room." if resource == "room" else ".")
        )
    return message


def show_service_error(form: forms.Form, exc: Exception, tz: ZoneInfo, **kwargs) -> None:
    """apply_errors, with a booking conflict told in plain words and local time."""

    if isinstance(exc, Conflict):
        form.add_error(None, conflict_in_words(exc, tz))
        return
    apply_errors(form, exc, **kwargs)
