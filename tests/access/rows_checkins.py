"""Matrix rows for session check-ins (intake/apis_checkins.py) and the two views of each session
(notes/apis_checkins.py). A separate block: the check-in engineer's rows.

ACCESS.md: check-in answers are an alliance measure: readable by the client's clinicians and their supervisor,
the client's own (no score); admin and front desk see only that a check-in was sent and answered.
"""

from tests.access.matrix import Row
from tests.access.targets import target

ANON = {"anonymous": 401}
# What admin and front desk never find in a check-in: its answers (and a client never a score).
ANSWERS = {"answers", "felt_strain", "talked_through", "for_next_time", "alliance_total"}


@target("session_checkin")
def _session_checkin(world, scope):
    from tests.checkins.helpers import completed_checkin

    t = world.tenant(scope)
    client = t.client_b if scope == "foreign" else t.client_a
    return completed_checkin(
        world, tenant=t, client=client, felt_strain="a_lot", talked_through="not_at_all", for_next_time="Too fast."
    )


ROWS = [
    Row(
        "GET",
        "/api/v1/intake/session-checkins/",
        expect={"admin": 200, "front_desk": 200, "clinician": 200, "supervisor": 200, "client": 200, **ANON},
        lists="session_checkin",
        visible={
            "admin": {"mine", "foreign"},
            "front_desk": {"mine", "foreign"},
            "clinician": {"mine"},
            "supervisor": {"mine"},
            "client": {"mine"},
        },
        forbidden_fields={a: ANSWERS for a in ("admin", "front_desk", "clinician", "supervisor", "client")},
    ),
    Row(
        "GET",
        "/api/v1/intake/session-checkins/{id}/",
        target="session_checkin",
        expect={
            "admin": 200,
            "front_desk": 200,
            "clinician": (200, 404),
            "supervisor": (200, 404),
            "client": (200, 404),
            **ANON,
        },
        forbidden_fields={"admin": ANSWERS, "front_desk": ANSWERS, "client": {"alliance_total"}},
    ),
    Row(
        "GET",
        "/api/v1/notes/clients/{id}/two-views/",
        target="client",
        expect={
            "admin": 404,
            "front_desk": 404,
            "clinician": (200, 404),
            "supervisor": (200, 404),
            "client": 404,
            **ANON,
        },
    ),
]
