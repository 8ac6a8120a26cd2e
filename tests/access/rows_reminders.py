"""Matrix rows for reminders: delivery status (admin R, front desk R + resend, clinician R own clients,
supervisor and client nothing), the reminder policy, and the public signed links."""

from datetime import timedelta

from django.utils import timezone

from tests.access.matrix import Row
from tests.access.targets import target

EVERYONE = ("admin", "front_desk", "clinician", "supervisor", "client", "anonymous")
NO_CONTENT = {"body", "subject", "sms", "provider_message_id"}  # a status list never carries the message


@target("reminder_appointment")
def _reminder_appointment(world, scope):
    from tests.factories.reminders import appointment_row

    t = world.tenant(scope)
    clinician, client = (t.clinician2, t.client_b) if scope == "foreign" else (t.clinician, t.client_a)
    return appointment_row(clinician=clinician, clients=[client], starts_at=timezone.now() + timedelta(days=3))


@target("outbound_message")
def _outbound_message(world, scope):
    from tests.factories.reminders import OutboundMessageFactory

    appointment = world.target("reminder_appointment", scope)
    return OutboundMessageFactory(
        appointment=appointment, client=appointment.clients.get(), status="failed", attempts=1, last_error="smtp 550"
    )


def _link(action):
    def build(world, *_):
        from reminders.links import link_token

        appointment = world.target("reminder_appointment", "mine")
        return {"token": link_token(appointment=appointment, client_id=world.p.client_a.pk, action=action)}

    return build


ROWS = [
    Row(
        "GET",
        "/api/v1/reminders/",
        lists="outbound_message",
        expect={"admin": 200, "front_desk": 200, "clinician": 200, "supervisor": 200, "client": 403, "anonymous": 401},
        visible={
            "admin": {"mine", "foreign"},
            "front_desk": {"mine", "foreign"},
            "clinician": {"mine"},
            "supervisor": set(),
        },
        forbidden_fields={a: NO_CONTENT for a in ("admin", "front_desk", "clinician", "supervisor")},
        note="supervisor: a clinician with no own clients here sees none of the supervisee's clients' reminders",
    ),
    Row(
        "POST",
        "/api/v1/reminders/{id}/resend/",
        target="outbound_message",
        expect={
            "admin": 403,
            "front_desk": 200,
            "clinician": (403, 404),
            "supervisor": 404,
            "client": 404,
            "anonymous": 401,
        },
    ),
    Row(
        "GET",
        "/api/v1/reminder-policy/",
        expect={"admin": 200, "front_desk": 200, "clinician": 200, "supervisor": 200, "client": 403, "anonymous": 401},
    ),
    Row(
        "PATCH",
        "/api/v1/reminder-policy/",
        expect={"admin": 200, "front_desk": 403, "clinician": 403, "supervisor": 403, "client": 403, "anonymous": 401},
        payload=lambda w, a, s: {"steps": [{"offset_minutes": 1440, "channel": "email"}]},
    ),
    # Public: the signed token is the authority, whoever (if anyone) is logged in.
    Row(
        "GET",
        "/api/v1/reminders/links/",
        expect=dict.fromkeys(EVERYONE, 200),
        query=_link("cancel"),
        forbidden_fields={a: {"clinician", "appointment_type", "client"} for a in EVERYONE},
    ),
    Row(
        "POST",
        "/api/v1/reminders/links/",
        expect=dict.fromkeys(EVERYONE, 200),
        payload=_link("confirm"),
        forbidden_fields={a: {"clinician", "appointment_type", "client"} for a in EVERYONE},
    ),
]
