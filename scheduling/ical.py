"""The clinician's iCalendar (RFC 5545) feed and its secret token.

Minimum necessary (ACCESS.md): each event carries the time, the place or "Telehealth",
and the clients' initials. No appointment type, no names, no clinical detail.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from icalendar import Calendar, Event

from core.errors import NotAllowed
from practice.models import Clinician, Membership
from practice.selectors import acting_clinician
from scheduling.models import ACTIVE_STATUSES, Appointment, CalendarFeed

PAST_DAYS = 30
FUTURE_DAYS = 365


@transaction.atomic
def calendar_feed_rotate(*, actor: Membership) -> str:
    """Revoke the clinician's current feed URL and issue a new one. Returns the secret token (shown once)."""
    clinician = acting_clinician(actor)
    if clinician is None:
        raise NotAllowed("Only clinicians have a calendar feed.")
    CalendarFeed.objects.filter(clinician=clinician, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.create(
        practice=actor.practice, clinician=clinician, token_hash=hashlib.sha256(token.encode()).hexdigest()
    )
    return token


@transaction.atomic
def calendar_feed_revoke(*, actor: Membership) -> int:
    clinician = acting_clinician(actor)
    if clinician is None:
        raise NotAllowed("Only clinicians have a calendar feed.")
    return CalendarFeed.objects.filter(clinician=clinician, revoked_at__isnull=True).update(revoked_at=timezone.now())


def calendar_render(*, clinician: Clinician) -> bytes:
    now = timezone.now()
    appointments = (
        Appointment.objects.filter(
            clinician=clinician,
            status__in=ACTIVE_STATUSES,
            starts_at__gte=now - timedelta(days=PAST_DAYS),
            starts_at__lt=now + timedelta(days=FUTURE_DAYS),
        )
        .select_related("room__location")
        .prefetch_related("clients")
        .order_by("starts_at")
    )
    cal = Calendar()
    cal.add("prodid", "-//Attune//Schedule//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", clinician.practice.name)
    for appt in appointments:
        event = Event()
        event.add("uid", f"appointment-{appt.pk}@attune")
        event.add("dtstamp", appt.updated_at)
        event.add("dtstart", appt.starts_at)
        event.add("dtend", appt.ends_at)
        event.add("summary", "Session " + " & ".join(c.initials for c in appt.clients.all()))
        event.add("location", f"{appt.room.location.name}, {appt.room.name}" if appt.room else "Telehealth")
        if appt.video_link:
            event.add("url", appt.video_link)
        cal.add_component(event)
    return cal.to_ical()
