"""Matrix rows for the schedule's set-up: locations, rooms, appointment types, working hours and time off,
the sessions they leave to move, the calendar feed. The object kinds they name are built in
tests/access/scheduling_kinds.py."""

from tests.access.matrix import Row
from tests.access.scheduling_kinds import (
    ADMIN_ONLY_WRITE,
    ALL,
    STAFF_ALL,
    day_at,
    detail,
)

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
    Row("GET", "/api/v1/locations/{id}/", target="location", expect=detail(200, 200, 200, 200, 200)),
    Row(
        "PATCH",
        "/api/v1/locations/{id}/",
        target="location",
        expect=detail(200, 403, 403, 403, 403),
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
    Row("GET", "/api/v1/rooms/{id}/", target="room", expect=detail(200, 200, 200, 200, 404)),
    Row(
        "PATCH",
        "/api/v1/rooms/{id}/",
        target="room",
        expect=detail(200, 403, 403, 403, 404),
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
        expect=detail(200, 200, 200, 200, (200, 404)),
    ),
    Row(
        "PATCH",
        "/api/v1/appointment-types/{id}/",
        target="appointment_type",
        expect=detail(200, 403, 403, 403, (403, 404)),
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
        expect=detail(200, 200, (200, 404), (200, 404), 404),
    ),
    Row(
        "PATCH",
        "/api/v1/availability-rules/{id}/",
        target="availability_rule",
        expect=detail(403, 200, (200, 404), (403, 404), 404),
        payload=lambda w, a, s: {"end_time": "18:00"},
    ),
    Row(
        "DELETE",
        "/api/v1/availability-rules/{id}/",
        target="availability_rule",
        expect=detail(403, 204, (204, 404), (403, 404), 404),
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
            "starts_at": day_at(100).isoformat(),
            "ends_at": day_at(101).isoformat(),
        },
    ),
    Row(
        "GET",
        "/api/v1/availability-exceptions/{id}/",
        target="availability_exception",
        expect=detail(200, 200, (200, 404), (200, 404), 404),
    ),
    Row(
        "PATCH",
        "/api/v1/availability-exceptions/{id}/",
        target="availability_exception",
        expect=detail(403, 200, (200, 404), (403, 404), 404),
        payload=lambda w, a, s: {"reason": "Conference"},
    ),
    Row(
        "DELETE",
        "/api/v1/availability-exceptions/{id}/",
        target="availability_exception",
        expect=detail(403, 204, (204, 404), (403, 404), 404),
    ),
    # The sessions working hours or time off no longer allow: staff, scoped like appointments; never clients.
    Row(
        "GET",
        "/api/v1/appointments-to-move/",
        expect={**STAFF_ALL, "client": 403, "anonymous": 401},
    ),
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
]
