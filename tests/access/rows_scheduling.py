"""Matrix rows for the scheduling app, and builders for its object kinds.

"mine" appointments/series/rules are world.p.clinician's with client_a; "foreign" ones are
clinician2's with client_b. The "mine" appointment type is client-bookable, "foreign" is not.
"""

from datetime import UTC, datetime, time, timedelta

from django.utils import timezone

from tests.access.matrix import Row
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


def _day(days: int, hour: int = 15) -> datetime:
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
        clinician=_pair(world.tenant(scope), scope)[0], starts_at=_day(90), ends_at=_day(91)
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
        starts_at=_day(30),
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
        start_date=_day(40).date(),
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


def _book_payload(w, a, s):
    return {
        "clinician": w.p.clinician.pk,
        "clients": [w.p.client_a.pk],
        "appointment_type": w.target("appointment_type", "mine").pk,
        "starts_at": _day(60).isoformat(),
        "mode": "telehealth",
        "outside_availability": True,
    }


def _request_payload(w, a, s):
    from tests.factories.scheduling import working_every_day

    if not w.p.clinician.availability_rules.exists():
        working_every_day(w.p.clinician, start=time(0, 0), end=time(23, 59))
    return {
        "clinician": w.p.clinician.pk,
        "appointment_type": w.target("appointment_type", "mine").pk,
        "starts_at": _day(20).isoformat(),
        "mode": "telehealth",
    }


def _series_payload(w, a, s):
    return {
        "clinician": w.p.clinician.pk,
        "clients": [w.p.client_a.pk],
        "appointment_type": w.target("appointment_type", "mine").pk,
        "mode": "telehealth",
        "time_zone": "America/New_York",
        "start_date": _day(50).date().isoformat(),
        "local_time": "11:00",
        "rrule": "FREQ=WEEKLY;INTERVAL=2",
        "count": 2,
        "outside_availability": True,
    }


def _series_edit_payload(w, a, s):
    series = w.target("series", s)
    first = series.appointments.order_by("starts_at").first()
    return {
        "appointment": first.pk,
        "scope": "this",
        "starts_at": (first.starts_at + timedelta(hours=3)).isoformat(),
        "outside_availability": True,
    }


def _slots_query(w, a):
    return {
        "appointment_type": w.target("appointment_type", "mine").pk,
        "date_from": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "date_to": (timezone.localdate() + timedelta(days=10)).isoformat(),
        "tz": "Europe/Berlin",
    }


def _detail(admin, front_desk, clinician, supervisor, client):
    return {
        "admin": admin,
        "front_desk": front_desk,
        "clinician": clinician,
        "supervisor": supervisor,
        "client": client,
        "anonymous": 401,
    }


ROWS = [
    # --- locations: admin RW, everyone R --------------------------------------------------------------
    Row(
        "GET",
        "/api/v1/locations/",
        expect={**STAFF_ALL, "client": 200, "anonymous": 401},
        lists="location",
        visible={a: {"mine", "foreign"} for a in ALL},
    ),
    Row(
        "POST",
        "/api/v1/locations/",
        expect=ADMIN_ONLY_WRITE,
        payload=lambda w, a, s: {"name": f"New office {a}", "time_zone": "America/Chicago"},
    ),
    Row("GET", "/api/v1/locations/{id}/", target="location", expect=_detail(200, 200, 200, 200, 200)),
    Row(
        "PATCH",
        "/api/v1/locations/{id}/",
        target="location",
        expect=_detail(200, 403, 403, 403, 403),
        payload=lambda w, a, s: {"address": "1 Main St"},
    ),
    # --- rooms: staff R, admin W ----------------------------------------------------------------------
    Row(
        "GET",
        "/api/v1/rooms/",
        expect={**STAFF_ALL, "client": 403, "anonymous": 401},
        lists="room",
        visible={a: {"mine", "foreign"} for a in ("admin", "front_desk", "clinician", "supervisor")},
    ),
    Row(
        "POST",
        "/api/v1/rooms/",
        expect=ADMIN_ONLY_WRITE,
        payload=lambda w, a, s: {"location": w.target("location", "mine").pk, "name": f"Room {a}"},
    ),
    Row("GET", "/api/v1/rooms/{id}/", target="room", expect=_detail(200, 200, 200, 200, 404)),
    Row(
        "PATCH",
        "/api/v1/rooms/{id}/",
        target="room",
        expect=_detail(200, 403, 403, 403, 404),
        payload=lambda w, a, s: {"name": "Renamed"},
    ),
    # --- appointment types: clients see only self-bookable ones ----------------------------------------
    Row(
        "GET",
        "/api/v1/appointment-types/",
        expect={**STAFF_ALL, "client": 200, "anonymous": 401},
        lists="appointment_type",
        visible={
            **{a: {"mine", "foreign"} for a in ("admin", "front_desk", "clinician", "supervisor")},
            "client": {"mine"},
        },
    ),
    Row(
        "POST",
        "/api/v1/appointment-types/",
        expect=ADMIN_ONLY_WRITE,
        payload=lambda w, a, s: {"name": "Couples 80", "duration_minutes": 80, "buffer_after_minutes": 10},
    ),
    Row(
        "GET",
        "/api/v1/appointment-types/{id}/",
        target="appointment_type",
        expect=_detail(200, 200, 200, 200, (200, 404)),
    ),
    Row(
        "PATCH",
        "/api/v1/appointment-types/{id}/",
        target="appointment_type",
        expect=_detail(200, 403, 403, 403, (403, 404)),
        payload=lambda w, a, s: {"colour": "#123456"},
    ),
    # --- availability: clinician own + front desk write; staff read (supervisor: supervisees') -----------
    Row(
        "GET",
        "/api/v1/availability-rules/",
        expect={**STAFF_ALL, "client": 403, "anonymous": 401},
        lists="availability_rule",
        visible={
            "admin": {"mine", "foreign"},
            "front_desk": {"mine", "foreign"},
            "clinician": {"mine"},
            "supervisor": {"mine"},
        },
    ),
    Row(
        "POST",
        "/api/v1/availability-rules/",
        expect={"admin": 403, "front_desk": 201, "clinician": 201, "supervisor": 403, "client": 403, "anonymous": 401},
        payload=lambda w, a, s: {
            "clinician": w.p.clinician.pk,
            "weekday": 2,
            "start_time": "09:00",
            "end_time": "12:00",
        },
    ),
    Row(
        "GET",
        "/api/v1/availability-rules/{id}/",
        target="availability_rule",
        expect=_detail(200, 200, (200, 404), (200, 404), 404),
    ),
    Row(
        "PATCH",
        "/api/v1/availability-rules/{id}/",
        target="availability_rule",
        expect=_detail(403, 200, (200, 404), (403, 404), 404),
        payload=lambda w, a, s: {"end_time": "18:00"},
    ),
    Row(
        "DELETE",
        "/api/v1/availability-rules/{id}/",
        target="availability_rule",
        expect=_detail(403, 204, (204, 404), (403, 404), 404),
    ),
    Row(
        "GET",
        "/api/v1/availability-exceptions/",
        expect={**STAFF_ALL, "client": 403, "anonymous": 401},
        lists="availability_exception",
        visible={
            "admin": {"mine", "foreign"},
            "front_desk": {"mine", "foreign"},
            "clinician": {"mine"},
            "supervisor": {"mine"},
        },
    ),
    Row(
        "POST",
        "/api/v1/availability-exceptions/",
        expect={"admin": 403, "front_desk": 201, "clinician": 201, "supervisor": 403, "client": 403, "anonymous": 401},
        payload=lambda w, a, s: {
            "clinician": w.p.clinician.pk,
            "kind": "time_off",
            "starts_at": _day(100).isoformat(),
            "ends_at": _day(101).isoformat(),
        },
    ),
    Row(
        "GET",
        "/api/v1/availability-exceptions/{id}/",
        target="availability_exception",
        expect=_detail(200, 200, (200, 404), (200, 404), 404),
    ),
    Row(
        "PATCH",
        "/api/v1/availability-exceptions/{id}/",
        target="availability_exception",
        expect=_detail(403, 200, (200, 404), (403, 404), 404),
        payload=lambda w, a, s: {"reason": "Conference"},
    ),
    Row(
        "DELETE",
        "/api/v1/availability-exceptions/{id}/",
        target="availability_exception",
        expect=_detail(403, 204, (204, 404), (403, 404), 404),
    ),
    # The sessions working hours or time off no longer allow: staff, scoped like appointments; never clients.
    Row(
        "GET",
        "/api/v1/appointments-to-move/",
        expect={**STAFF_ALL, "client": 403, "anonymous": 401},
    ),
    # --- appointments: front desk RW all, clinician RW own, supervisor R, admin R, client R own + cancel ---
    Row(
        "GET",
        "/api/v1/appointments/",
        expect={**STAFF_ALL, "client": 200, "anonymous": 401},
        lists="appointment",
        visible={
            "admin": {"mine", "foreign"},
            "front_desk": {"mine", "foreign"},
            "clinician": {"mine"},
            "supervisor": {"mine"},
            "client": {"mine"},
        },
        forbidden_fields={"client": CLIENT_NEVER},
    ),
    Row(
        "POST",
        "/api/v1/appointments/",
        expect={"admin": 403, "front_desk": 201, "clinician": 201, "supervisor": 403, "client": 403, "anonymous": 401},
        payload=_book_payload,
    ),
    Row(
        "POST",
        "/api/v1/appointments/request/",
        expect={"admin": 403, "front_desk": 403, "clinician": 403, "supervisor": 403, "client": 201, "anonymous": 401},
        payload=_request_payload,
        forbidden_fields={"client": CLIENT_NEVER},
    ),
    Row(
        "GET",
        "/api/v1/appointments/{id}/",
        target="appointment",
        expect=_detail(200, 200, (200, 404), (200, 404), (200, 404)),
        forbidden_fields={"client": CLIENT_NEVER},
    ),
    Row(
        "DELETE",
        "/api/v1/appointments/{id}/",
        target="appointment",
        expect=_detail(403, 204, (403, 404), (403, 404), (403, 404)),
    ),
    Row(
        "POST",
        "/api/v1/appointments/{id}/cancel/",
        target="appointment",
        expect=_detail(403, 200, (200, 404), (403, 404), (200, 404)),
        payload=lambda w, a, s: {"reason": "Schedule change"},
        forbidden_fields={"client": CLIENT_NEVER},
    ),
    Row(
        "POST",
        "/api/v1/appointments/{id}/reschedule/",
        target="appointment",
        expect=_detail(403, 200, (200, 404), (403, 404), (403, 404)),
        payload=lambda w, a, s: {"starts_at": _day(31).isoformat(), "outside_availability": True},
    ),
    Row(
        "PATCH",
        "/api/v1/appointments/{id}/",
        target="appointment",
        expect=_detail(403, 200, (200, 404), (403, 404), (403, 404)),
        payload=lambda w, a, s: {"video_link": "https://video.example.test/new-room"},
        note="change of place (mode, room, video link): the writers of reschedule",
    ),
    Row(
        "POST",
        "/api/v1/appointments/{id}/transition/",
        target="appointment",
        expect=_detail(403, 200, (200, 404), (403, 404), (403, 404)),
        payload=lambda w, a, s: {"status": "confirmed"},
    ),
    Row(
        "GET",
        "/api/v1/appointments/{id}/history/",
        target="appointment",
        expect=_detail(200, 200, (200, 404), (200, 404), (200, 404)),
        forbidden_fields={"client": CLIENT_NEVER},
    ),
    Row(
        "GET",
        "/api/v1/appointments/{id}/waitlist-matches/",
        target="appointment",
        expect=_detail(200, 200, 404, 404, 404),
    ),
    # --- series -----------------------------------------------------------------------------------------
    Row(
        "GET",
        "/api/v1/series/",
        expect={**STAFF_ALL, "client": 403, "anonymous": 401},
        lists="series",
        visible={
            "admin": {"mine", "foreign"},
            "front_desk": {"mine", "foreign"},
            "clinician": {"mine"},
            "supervisor": {"mine"},
        },
    ),
    Row(
        "POST",
        "/api/v1/series/",
        expect={"admin": 403, "front_desk": 201, "clinician": 201, "supervisor": 403, "client": 403, "anonymous": 401},
        payload=_series_payload,
    ),
    Row("GET", "/api/v1/series/{id}/", target="series", expect=_detail(200, 200, (200, 404), (200, 404), 404)),
    Row("POST", "/api/v1/series/{id}/cancel/", target="series", expect=_detail(403, 200, (200, 404), (403, 404), 404)),
    Row(
        "POST",
        "/api/v1/series/{id}/edit/",
        target="series",
        expect=_detail(403, 200, (200, 404), (403, 404), 404),
        payload=_series_edit_payload,
    ),
    # --- occurrences a series skipped: read as series; front desk any, clinician own, book or dismiss --------
    Row(
        "GET",
        "/api/v1/series/skipped-occurrences/",
        expect={**STAFF_ALL, "client": 403, "anonymous": 401},
        lists="skipped_occurrence",
        visible={
            "admin": {"mine", "foreign"},
            "front_desk": {"mine", "foreign"},
            "clinician": {"mine"},
            "supervisor": {"mine"},
        },
        forbidden_fields={a: SKIPPED_NEVER for a in ALL},
    ),
    Row(
        "GET",
        "/api/v1/series/skipped-occurrences/{id}/",
        target="skipped_occurrence",
        expect=_detail(200, 200, (200, 404), (200, 404), 404),
        forbidden_fields={a: SKIPPED_NEVER for a in ALL},
    ),
    Row(
        "POST",
        "/api/v1/series/skipped-occurrences/{id}/dismiss/",
        target="skipped_occurrence",
        expect=_detail(403, 200, (200, 404), (403, 404), 404),
    ),
    Row(
        "POST",
        "/api/v1/series/skipped-occurrences/{id}/book/",
        target="skipped_occurrence",
        expect=_detail(403, 200, (200, 404), (403, 404), 404),
        payload=lambda w, a, s: {"outside_availability": True},
        forbidden_fields={a: SKIPPED_NEVER for a in ALL},
    ),
    # --- slots: everyone; clients only for self-bookable types and their own clinicians -------------------
    Row("GET", "/api/v1/slots/", expect={**STAFF_ALL, "client": 200, "anonymous": 401}, query=_slots_query),
    # --- calendar feed: a clinician's own; the feed itself answers only to a valid secret token -----------
    Row(
        "POST",
        "/api/v1/calendar-feed/",
        expect={"admin": 403, "front_desk": 403, "clinician": 201, "supervisor": 201, "client": 403, "anonymous": 401},
    ),
    Row(
        "DELETE",
        "/api/v1/calendar-feed/",
        expect={"admin": 403, "front_desk": 403, "clinician": 204, "supervisor": 204, "client": 403, "anonymous": 401},
    ),
    Row(
        "GET",
        "/api/v1/calendar/{token}.ics",
        expect={a: 404 for a in (*ALL, "anonymous")},
        note="no valid token in the path: 404 for everyone, logged in or not",
    ),
    # --- waitlist: front desk RW, admin R, clinicians R own ----------------------------------------------
    Row(
        "GET",
        "/api/v1/waitlist/",
        expect={**STAFF_ALL, "client": 403, "anonymous": 401},
        lists="waitlist_entry",
        visible={
            "admin": {"mine", "foreign"},
            "front_desk": {"mine", "foreign"},
            "clinician": {"mine"},
            "supervisor": {"mine"},
        },
    ),
    Row(
        "POST",
        "/api/v1/waitlist/",
        expect={"admin": 403, "front_desk": 201, "clinician": 403, "supervisor": 403, "client": 403, "anonymous": 401},
        payload=lambda w, a, s: {
            "client": w.p.client_a.pk,
            "clinician": w.p.clinician.pk,
            "appointment_type": w.target("appointment_type", "mine").pk,
            "preferred_weekdays": [0, 2],
        },
    ),
    Row(
        "DELETE",
        "/api/v1/waitlist/{id}/",
        target="waitlist_entry",
        expect=_detail(403, 204, (403, 404), (403, 404), 404),
    ),
]
