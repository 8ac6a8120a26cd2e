"""The schedule's pages (scheduling/page_urls.py). Roles are the API's: the calendar for every staff role, booking
and series for the front desk and clinicians (a clinician's own schedule), an appointment for whoever may read it
through appointment_list; clients have the portal instead. Another practice's object is a 404, as a missing one."""

from tests.pages.matrix import PageRow, every

NOT_CLIENTS = {"anon": 302, "client": 403}
WRITERS = {"anon": 302, "admin": 403, "front_desk": 200, "clinician": 200, "supervisor": 200, "client": 403}
GONE = {"mine": 404, "foreign": 404, "other": 404}
# A POST with an empty form: the writers who can see the appointment get the form back with its errors (400).
POST_EMPTY = {
    "anon": 302,
    "admin": GONE,
    "front_desk": {"mine": 400, "foreign": 400, "other": 404},
    "clinician": {"mine": 400, "foreign": 404, "other": 404},
    "supervisor": {
        "mine": 400,
        "foreign": 404,
        "other": 404,
    },  # a supervisee's session is visible; the service refuses a write
    "client": GONE,
}
# A POST that needs no form: a redirect (with the service's answer as a message) where the appointment is visible.
POST_REDIRECT = {
    "anon": 302,
    "admin": GONE,
    "front_desk": {"mine": 302, "foreign": 302, "other": 404},
    "clinician": {"mine": 302, "foreign": 404, "other": 404},
    "supervisor": {"mine": 302, "foreign": 404, "other": 404},
    "client": GONE,
}

ROWS = [
    PageRow(
        "scheduling_pages:calendar", {**NOT_CLIENTS, **every(200, ("admin", "front_desk", "clinician", "supervisor"))}
    ),
    PageRow(
        "scheduling_pages:calendar",
        {**NOT_CLIENTS, **every(200, ("admin", "front_desk", "clinician", "supervisor"))},
        data={"view": "week", "by": "room", "tz": "Europe/Berlin"},
        id="week-rooms",
    ),
    PageRow("scheduling_pages:book", WRITERS),
    PageRow("scheduling_pages:client-search", WRITERS, data={"client_q": "a"}),
    PageRow("scheduling_pages:slots", WRITERS),
    PageRow("scheduling_pages:series-new", WRITERS),
    PageRow(
        "scheduling_pages:appointment",
        {
            "anon": 302,
            "admin": {"mine": 200, "foreign": 200, "other": 404},
            "front_desk": {"mine": 200, "foreign": 200, "other": 404},
            "clinician": {"mine": 200, "foreign": 404, "other": 404},
            "supervisor": {"mine": 200, "foreign": 404, "other": 404},
            "client": GONE,
        },
        target="appointment",
    ),
    PageRow("scheduling_pages:reschedule", POST_EMPTY, target="appointment", method="post"),
    PageRow("scheduling_pages:change-place", POST_EMPTY, target="appointment", method="post"),
    PageRow("scheduling_pages:cancel", POST_EMPTY, target="appointment", method="post"),
    PageRow(
        "scheduling_pages:transition", POST_REDIRECT, target="appointment", method="post", data={"to_status": "nope"}
    ),
    PageRow("scheduling_pages:series-cancel", POST_REDIRECT, target="appointment", method="post"),
    PageRow(
        "scheduling_pages:reminder-resend",
        {
            "anon": 302,
            "admin": GONE,
            "front_desk": {"mine": 302, "foreign": 302, "other": 404},
            "clinician": GONE,
            "supervisor": GONE,
            "client": GONE,
        },
        target="outbound_message",
        method="post",
    ),
    # The waitlist (scheduling/pages/waitlist.py): the API's WaitlistViewSet roles; the front desk keeps it.
    PageRow(
        "scheduling_pages:waitlist", {**NOT_CLIENTS, **every(200, ("admin", "front_desk", "clinician", "supervisor"))}
    ),
    PageRow(
        "scheduling_pages:waitlist",
        {**NOT_CLIENTS, "front_desk": 400, **every(403, ("admin", "clinician", "supervisor"))},
        method="post",
    ),
    PageRow(
        "scheduling_pages:waitlist-remove",
        {
            "anon": 302,
            "front_desk": {"mine": 302, "foreign": 302, "other": 404},
            **every(GONE, ("admin", "clinician", "supervisor", "client")),
        },
        target="waitlist_entry",
        method="post",
    ),
    PageRow(
        "scheduling_pages:waitlist-offer",
        {
            "anon": 302,
            "front_desk": {"mine": 302, "foreign": 302, "other": 404},
            **every(GONE, ("admin", "clinician", "supervisor", "client")),
        },
        target="waitlist_entry",
        method="post",
        data={"opening": "0"},
    ),
]
