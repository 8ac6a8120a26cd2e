"""Matrix rows for the schedule itself: appointments, series and their skipped occurrences, slots, the
waitlist. The object kinds they name are built in tests/access/scheduling_kinds.py."""

from tests.access.matrix import Row
from tests.access.scheduling_kinds import (
    ALL,
    CLIENT_NEVER,
    SKIPPED_NEVER,
    STAFF_ALL,
    book_payload,
    day_at,
    detail,
    request_payload,
    series_edit_payload,
    series_payload,
    slots_query,
)

ROWS = [
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
        payload=book_payload,
    ),
    Row(
        "POST",
        "/api/v1/appointments/request/",
        expect={"admin": 403, "front_desk": 403, "clinician": 403, "supervisor": 403, "client": 201, "anonymous": 401},
        payload=request_payload,
        forbidden_fields={"client": CLIENT_NEVER},
    ),
    Row(
        "GET",
        "/api/v1/appointments/{id}/",
        target="appointment",
        expect=detail(200, 200, (200, 404), (200, 404), (200, 404)),
        forbidden_fields={"client": CLIENT_NEVER},
    ),
    Row(
        "DELETE",
        "/api/v1/appointments/{id}/",
        target="appointment",
        expect=detail(403, 204, (403, 404), (403, 404), (403, 404)),
    ),
    Row(
        "POST",
        "/api/v1/appointments/{id}/cancel/",
        target="appointment",
        expect=detail(403, 200, (200, 404), (403, 404), (200, 404)),
        payload=lambda w, a, s: {"reason": "Schedule change"},
        forbidden_fields={"client": CLIENT_NEVER},
    ),
    Row(
        "POST",
        "/api/v1/appointments/{id}/reschedule/",
        target="appointment",
        expect=detail(403, 200, (200, 404), (403, 404), (403, 404)),
        payload=lambda w, a, s: {"starts_at": day_at(31).isoformat(), "outside_availability": True},
    ),
    Row(
        "PATCH",
        "/api/v1/appointments/{id}/",
        target="appointment",
        expect=detail(403, 200, (200, 404), (403, 404), (403, 404)),
        payload=lambda w, a, s: {"video_link": "https://video.example.test/new-room"},
        note="change of place (mode, room, video link): the writers of reschedule",
    ),
    Row(
        "POST",
        "/api/v1/appointments/{id}/transition/",
        target="appointment",
        expect=detail(403, 200, (200, 404), (403, 404), (403, 404)),
        payload=lambda w, a, s: {"status": "confirmed"},
    ),
    Row(
        "GET",
        "/api/v1/appointments/{id}/history/",
        target="appointment",
        expect=detail(200, 200, (200, 404), (200, 404), (200, 404)),
        forbidden_fields={"client": CLIENT_NEVER},
    ),
    Row(
        "GET",
        "/api/v1/appointments/{id}/waitlist-matches/",
        target="appointment",
        expect=detail(200, 200, 404, 404, 404),
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
        payload=series_payload,
    ),
    Row("GET", "/api/v1/series/{id}/", target="series", expect=detail(200, 200, (200, 404), (200, 404), 404)),
    Row("POST", "/api/v1/series/{id}/cancel/", target="series", expect=detail(403, 200, (200, 404), (403, 404), 404)),
    Row(
        "POST",
        "/api/v1/series/{id}/edit/",
        target="series",
        expect=detail(403, 200, (200, 404), (403, 404), 404),
        payload=series_edit_payload,
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
        expect=detail(200, 200, (200, 404), (200, 404), 404),
        forbidden_fields={a: SKIPPED_NEVER for a in ALL},
    ),
    Row(
        "POST",
        "/api/v1/series/skipped-occurrences/{id}/dismiss/",
        target="skipped_occurrence",
        expect=detail(403, 200, (200, 404), (403, 404), 404),
    ),
    Row(
        "POST",
        "/api/v1/series/skipped-occurrences/{id}/book/",
        target="skipped_occurrence",
        expect=detail(403, 200, (200, 404), (403, 404), 404),
        payload=lambda w, a, s: {"outside_availability": True},
        forbidden_fields={a: SKIPPED_NEVER for a in ALL},
    ),
    # --- slots: everyone; clients only for self-bookable types and their own clinicians -------------------
    Row("GET", "/api/v1/slots/", expect={**STAFF_ALL, "client": 200, "anonymous": 401}, query=slots_query),
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
        expect=detail(403, 204, (403, 404), (403, 404), 404),
    ),
]
