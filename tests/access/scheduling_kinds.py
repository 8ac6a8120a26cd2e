"""The scheduling app's object kinds for the access matrix (registered with `@target`), and what its two
rows modules share: role sets, expectations, payloads.

"mine" appointments/series/rules are world.p.clinician's with client_a; "foreign" ones are
clinician2's with client_b. The "mine" appointment type is client-bookable, "foreign" is not.
"""

from datetime import UTC, datetime, time, timedelta

from django.utils import timezone

from tests.access.targets import target

ALL = ("admin", "front_desk", "clinician", "supervisor", "client")
STAFF_ALL = {"admin": 200, "front_desk": 200, "clinician": 200, "supervisor": 200}
ADMIN_ONLY_WRITE = {
    "admin": 201,
    "front_desk": 403,
    "clinician": 403,
    "supervisor": 403,
    "client": 403,
    "anonymous": 401,
}
CLIENT_NEVER = {"booked_by", "clients", "cancellation_reason", "room", "changed_by"}
# A skipped occurrence names what conflicted, never the appointment or the people that hold the time.
SKIPPED_NEVER = {"clients", "client", "taken_from", "taken_until", "message", "conflict"}


def day_at(days: int, hour: int = 15) -> datetime:
    base = timezone.now().astimezone(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + timedelta(days=days)


def _pair(t, scope):
    return (t.clinician2, t.client_b) if scope == "foreign" else (t.clinician, t.client_a)


@target("location")
def _location(world, scope):
    from tests.factories.scheduling import LocationFactory

    return LocationFactory(practice=world.tenant(scope).practice, name=f"Office {scope}")


@target("room")
def _room(world, scope):
    from tests.factories.scheduling import RoomFactory

    return RoomFactory(location=world.target("location", scope), name=f"Room {scope}")


@target("appointment_type")
def _appointment_type(world, scope):
    from tests.factories.scheduling import AppointmentTypeFactory

    return AppointmentTypeFactory(
        practice=world.tenant(scope).practice, name=f"Session {scope}", client_bookable=scope != "foreign"
    )


@target("availability_rule")
def _availability_rule(world, scope):
    from tests.factories.scheduling import AvailabilityRuleFactory

    return AvailabilityRuleFactory(clinician=_pair(world.tenant(scope), scope)[0], weekday=4)


@target("availability_exception")
def _availability_exception(world, scope):
    from tests.factories.scheduling import AvailabilityExceptionFactory

    return AvailabilityExceptionFactory(
        clinician=_pair(world.tenant(scope), scope)[0], starts_at=day_at(90), ends_at=day_at(91)
    )


@target("appointment")
def _appointment(world, scope):
    from scheduling.services.booking import book_unchecked_actor

    t = world.tenant(scope)
    clinician, client = _pair(t, scope)
    return book_unchecked_actor(
        practice_id=t.practice.pk,
        booked_by=t.members["front_desk"],
        clinician=clinician,
        clients=[client],
        appointment_type=world.target("appointment_type", scope),
        starts_at=day_at(30),
        mode="telehealth",
        require_availability=False,
    )


@target("series")
def _series(world, scope):
    from scheduling.services.series import series_create

    t = world.tenant(scope)
    clinician, client = _pair(t, scope)
    series, _ = series_create(
        actor=t.members["front_desk"],
        clinician=clinician,
        clients=[client],
        appointment_type=world.target("appointment_type", scope),
        mode="telehealth",
        time_zone="America/New_York",
        start_date=day_at(40).date(),
        local_time=time(9, 0),
        rrule="FREQ=WEEKLY",
        count=2,
        outside_availability=True,
    )
    return series


@target("skipped_occurrence")
def _skipped_occurrence(world, scope):
    """The series target's third week, skipped: 09:00 New York two weeks after its last occurrence."""
    from zoneinfo import ZoneInfo

    from scheduling.models import SeriesSkippedOccurrence
    from scheduling.timezones import resolve_local

    series = world.target("series", scope)
    day = series.start_date + timedelta(days=14)
    starts_at, _ = resolve_local(datetime.combine(day, series.local_time), ZoneInfo(series.time_zone))
    return SeriesSkippedOccurrence.objects.create(
        practice_id=series.practice_id,
        series=series,
        series_date=day,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=series.appointment_type.duration_minutes),
        conflict_code="clinician_taken",
        resource="clinician",
    )


@target("waitlist_entry")
def _waitlist_entry(world, scope):
    from scheduling.models import WaitlistEntry

    t = world.tenant(scope)
    clinician, client = _pair(t, scope)
    return WaitlistEntry.objects.create(
        practice=t.practice,
        client=client,
        clinician=clinician,
        appointment_type=world.target("appointment_type", scope),
    )


def book_payload(w, a, s):
    return {
        "clinician": w.p.clinician.pk,
        "clients": [w.p.client_a.pk],
        "appointment_type": w.target("appointment_type", "mine").pk,
        "starts_at": day_at(60).isoformat(),
        "mode": "telehealth",
        "outside_availability": True,
    }


def request_payload(w, a, s):
    from tests.factories.scheduling import working_every_day

    if not w.p.clinician.availability_rules.exists():
        working_every_day(w.p.clinician, start=time(0, 0), end=time(23, 59))
    return {
        "clinician": w.p.clinician.pk,
        "appointment_type": w.target("appointment_type", "mine").pk,
        "starts_at": day_at(20).isoformat(),
        "mode": "telehealth",
    }


def series_payload(w, a, s):
    return {
        "clinician": w.p.clinician.pk,
        "clients": [w.p.client_a.pk],
        "appointment_type": w.target("appointment_type", "mine").pk,
        "mode": "telehealth",
        "time_zone": "America/New_York",
        "start_date": day_at(50).date().isoformat(),
        "local_time": "11:00",
        "rrule": "FREQ=WEEKLY;INTERVAL=2",
        "count": 2,
        "outside_availability": True,
    }


def series_edit_payload(w, a, s):
    series = w.target("series", s)
    first = series.appointments.order_by("starts_at").first()
    return {
        "appointment": first.pk,
        "scope": "this",
        "starts_at": (first.starts_at + timedelta(hours=3)).isoformat(),
        "outside_availability": True,
    }


def slots_query(w, a):
    return {
        "appointment_type": w.target("appointment_type", "mine").pk,
        "date_from": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "date_to": (timezone.localdate() + timedelta(days=10)).isoformat(),
        "tz": "Europe/Berlin",
    }


def detail(admin, front_desk, clinician, supervisor, client):
    return {
        "admin": admin,
        "front_desk": front_desk,
        "clinician": clinician,
        "supervisor": supervisor,
        "client": client,
        "anonymous": 401,
    }
