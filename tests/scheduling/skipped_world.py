"""The world of the skipped-occurrence tests: a weekly series whose third week was taken, and helpers."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from scheduling.models import Appointment, SeriesSkippedOccurrence
from scheduling.services.booking import appointment_book
from scheduling.services.series import series_create, series_extend
from tests.scheduling.conftest import build_sched

NY = ZoneInfo("America/New_York")
SKIPPED_FIELDS = {
    "id",
    "series",
    "clinician",
    "series_date",
    "starts_at",
    "ends_at",
    "time_zone",
    "local_starts_at",
    "conflict_code",
    "resource",
    "created_at",
    "resolved_at",
    "resolved_by",
    "resolution",
    "appointment",
}


def api_for(membership) -> APIClient:
    api = APIClient()
    _, token = AuthToken.objects.create(membership.user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_X_PRACTICE=membership.practice.slug)
    return api


def at_ten(day) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=NY)


def weekly(s, *, clinician=None, clients=None, start, **kw):
    """A weekly 10:00 New York telehealth series, open-ended unless told otherwise."""
    series, report = series_create(
        actor=s.front_desk,
        clinician=clinician or s.clinician,
        clients=clients or [s.client],
        appointment_type=s.session,
        mode="telehealth",
        time_zone="America/New_York",
        start_date=start,
        local_time=time(10, 0),
        rrule="FREQ=WEEKLY",
        **kw,
    )
    return series, report


def block(s, starts_at, *, clinician=None, clients=None) -> Appointment:
    """Someone else's appointment holding the clinician's time."""
    return appointment_book(
        actor=s.front_desk,
        clinician=clinician or s.clinician,
        clients=clients or [s.client2],
        appointment_type=s.session,
        starts_at=starts_at,
        mode="telehealth",
    )


def skipped_world():
    """A series of two weeks (horizon 14 days), its third week taken by client2's appointment at 09:40,
    then the horizon moved on two weeks: week 3 skipped, week 4 booked."""
    s = build_sched()
    s.practice.settings = {"mfa_required": False, "series_horizon_days": 14}
    s.practice.save()
    s.today = timezone.localdate()
    s.start = s.today + timedelta(days=1)
    s.series, report = weekly(s, start=s.start)
    assert [e["status"] for e in report] == ["booked", "booked"]
    s.third = s.start + timedelta(days=14)
    s.blocker = block(s, at_ten(s.third) - timedelta(minutes=20))
    s.result = series_extend(series_id=s.series.pk, today=s.today + timedelta(days=14))
    s.row = SeriesSkippedOccurrence.objects.get(series=s.series)
    return s


def other_skipped(s) -> SeriesSkippedOccurrence:
    """A skipped occurrence of a clinician2 series (client2), same practice."""
    series, _ = weekly(s, clinician=s.clinician2, clients=[s.client2], start=s.start + timedelta(days=2))
    day = s.start + timedelta(days=16)
    return SeriesSkippedOccurrence.objects.create(
        practice=s.practice,
        series=series,
        series_date=day,
        starts_at=at_ten(day),
        ends_at=at_ten(day) + timedelta(minutes=50),
        conflict_code="room_taken",
        resource="room",
    )
