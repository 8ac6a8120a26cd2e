"""Matrix rows for intake: forms, packets, responses, risk flags, schedules, score series, signed links.

ACCESS.md: front desk assigns and sees status only (never answers, scores, flags; consent as
signed yes/no); clinicians and supervisors read their caseload's answers, scores and flags;
the client reads and drafts their own until submitted; admins see no clinical content.
"""

from tests.access.matrix import Row
from tests.access.targets import target

ANON = {"anonymous": 401}
STAFF_200 = {"admin": 200, "front_desk": 200, "clinician": 200, "supervisor": 200}
NOBODY_404 = {a: 404 for a in ("admin", "front_desk", "clinician", "supervisor", "client", "anonymous")}
# What the front desk (and admin) must never find in a packet: answers, scores, flags, signature details.
CLINICAL_FIELDS = {"answers", "score", "total", "band", "risk_flags", "signatures", "signed_name", "definition"}


def _forms(practice):
    from tests.factories.intake import seeded

    return seeded(practice)


def _answered_phq9(world, scope, values, *, submit):
    from intake.services.responses import response_save_draft, response_submit
    from tests.factories.intake import packet_for, phq9_answers

    client = _client(world, scope)
    response = packet_for(client, "phq-9").responses.get()
    response_save_draft(response=response, answers=phq9_answers(values), via_link=True)
    if submit:
        response = response_submit(response=response, via_link=True)
    return response


def _client(world, scope):
    t = world.tenant(scope)
    return t.client_b if scope == "foreign" else t.client_a


@target("intake_form")
def _intake_form(world, scope):
    from intake.services.forms import form_create
    from tests.factories.intake import SIMPLE_FORM

    t = world.tenant(scope)
    _forms(t.practice)
    return form_create(
        actor=t.members["admin"], name=f"Check-in {scope}", slug=f"check-in-{scope}", kind="form", content=SIMPLE_FORM
    )


@target("intake_packet")
def _intake_packet(world, scope):
    from tests.factories.intake import packet_for

    return packet_for(_client(world, scope), "demographics-history", "consent-for-services", "phq-9")


@target("intake_response")
def _intake_response(world, scope):
    # a complete draft: the client's submit succeeds
    return _answered_phq9(world, scope, [1, 1, 1, 0, 0, 0, 0, 0, 0], submit=False)


@target("intake_submitted_response")
def _intake_submitted_response(world, scope):
    return _answered_phq9(world, scope, [1, 1, 1, 0, 0, 0, 0, 0, 0], submit=True)


@target("intake_risk_flag")
def _intake_risk_flag(world, scope):
    return _answered_phq9(world, scope, [0, 0, 0, 0, 0, 0, 0, 0, 1], submit=True).risk_flags.get()


@target("intake_schedule")
def _intake_schedule(world, scope):
    import datetime as dt

    from intake.models import MeasureSchedule

    t = world.tenant(scope)
    return MeasureSchedule.objects.create(
        practice=t.practice,
        client=_client(world, scope),
        form=_forms(t.practice)["phq-9"],
        interval_days=28,
        next_due_on=dt.date(2030, 1, 1),
    )


def _new_form(world, actor, scope):
    from tests.factories.intake import SIMPLE_FORM

    return {"kind": "form", "name": "Weekly check-in", "slug": "weekly", "content": SIMPLE_FORM}


def _edit_form(world, actor, scope):
    from tests.factories.intake import SIMPLE_FORM

    return {"content": {**SIMPLE_FORM, "title": "Edited"}}


def _assign(world, actor, scope):
    forms = _forms(world.p.practice)
    return {
        "client": world.p.client_a.pk,
        "forms": [forms["phq-9"].pk, forms["consent-for-services"].pk],
        "due_on": "2030-01-31",
    }


def _schedule(world, actor, scope):
    return {
        "client": world.p.client_a.pk,
        "form": _forms(world.p.practice)["phq-9"].pk,
        "interval_days": 28,
        "next_due_on": "2030-02-01",
    }


ROWS = [
    # --- forms: every staff role reads (to assign); admins and clinicians write -------------------------
    Row(
        "GET",
        "/api/v1/intake/forms/",
        expect={**STAFF_200, "client": 403, **ANON},
        lists="intake_form",
        visible={a: {"mine", "foreign"} for a in STAFF_200},
    ),
    Row(
        "POST",
        "/api/v1/intake/forms/",
        expect={"admin": 201, "front_desk": 403, "clinician": 201, "supervisor": 201, "client": 403, **ANON},
        payload=_new_form,
    ),
    Row("GET", "/api/v1/intake/forms/{id}/", target="intake_form", expect={**STAFF_200, "client": 404, **ANON}),
    Row(
        "PATCH",
        "/api/v1/intake/forms/{id}/",
        target="intake_form",
        expect={"admin": 200, "front_desk": 403, "clinician": 200, "supervisor": 200, "client": 404, **ANON},
        payload=_edit_form,
    ),
    Row(
        "POST",
        "/api/v1/intake/forms/{id}/publish/",
        target="intake_form",
        expect={"admin": 200, "front_desk": 403, "clinician": 200, "supervisor": 200, "client": 404, **ANON},
    ),
    # --- packets: assignment and status --------------------------------------------------------------
    Row(
        "GET",
        "/api/v1/intake/packets/",
        expect={**STAFF_200, "client": 200, **ANON},
        lists="intake_packet",
        visible={
            "admin": {"mine", "foreign"},
            "front_desk": {"mine", "foreign"},
            "clinician": {"mine"},
            "supervisor": {"mine"},
            "client": {"mine"},
        },
        forbidden_fields={a: CLINICAL_FIELDS for a in ("admin", "front_desk", "clinician", "supervisor", "client")},
    ),
    Row(
        "POST",
        "/api/v1/intake/packets/",
        expect={"admin": 403, "front_desk": 201, "clinician": 201, "supervisor": 201, "client": 403, **ANON},
        payload=_assign,
        forbidden_fields={"front_desk": CLINICAL_FIELDS},
    ),
    Row(
        "GET",
        "/api/v1/intake/packets/{id}/",
        target="intake_packet",
        expect={
            "admin": 200,
            "front_desk": 200,
            "clinician": (200, 404),
            "supervisor": (200, 404),
            "client": (200, 404),
            **ANON,
        },
        forbidden_fields={"admin": CLINICAL_FIELDS, "front_desk": CLINICAL_FIELDS},
    ),
    # Sending the invitation again and revoking links change the assignment: ACCESS.md gives intake assignment
    # RW to the front desk and clinicians (their caseload), R to admins and supervisors (a supervisor who is also
    # a clinician may act for a supervisee's client, as for assigning), R own to a client.
    *(
        Row(
            "POST",
            path,
            target="intake_packet",
            expect={
                "admin": 403,
                "front_desk": 200,
                "clinician": (200, 404),
                "supervisor": (200, 404),
                "client": (403, 404),
                **ANON,
            },
            payload=payload,
            forbidden_fields={a: CLINICAL_FIELDS for a in ("front_desk", "clinician", "supervisor")},
        )
        for path, payload in (
            ("/api/v1/intake/packets/{id}/resend/", lambda w, a, s: {"revoke_previous": True}),
            ("/api/v1/intake/packets/{id}/revoke-link/", None),
        )
    ),
    # --- responses: answers ---------------------------------------------------------------------------
    Row(
        "GET",
        "/api/v1/intake/responses/",
        expect={"admin": 403, "front_desk": 403, "clinician": 200, "supervisor": 200, "client": 200, **ANON},
        lists="intake_response",
        visible={"clinician": {"mine"}, "supervisor": {"mine"}, "client": {"mine"}},
    ),
    Row(
        "GET",
        "/api/v1/intake/responses/{id}/",
        target="intake_response",
        expect={
            "admin": 404,
            "front_desk": 404,
            "clinician": (200, 404),
            "supervisor": (200, 404),
            "client": (200, 404),
            **ANON,
        },
        forbidden_fields={"client": {"score", "band", "risk_flags"}},
    ),
    Row(
        "PATCH",
        "/api/v1/intake/responses/{id}/",
        target="intake_response",
        expect={
            "admin": 404,
            "front_desk": 404,
            "clinician": (403, 404),
            "supervisor": (403, 404),
            "client": (200, 404),
            **ANON,
        },
        payload=lambda w, a, s: {"answers": {"phq9_1": 2}},
    ),
    Row(
        "POST",
        "/api/v1/intake/responses/{id}/submit/",
        target="intake_response",
        expect={
            "admin": 404,
            "front_desk": 404,
            "clinician": (403, 404),
            "supervisor": (403, 404),
            "client": (200, 404),
            **ANON,
        },
        forbidden_fields={"client": {"score", "band", "risk_flags"}},
    ),
    Row(
        "POST",
        "/api/v1/intake/responses/{id}/amend/",
        target="intake_submitted_response",
        expect={
            "admin": 404,
            "front_desk": 404,
            "clinician": (403, 404),
            "supervisor": (403, 404),
            "client": (201, 404),
            **ANON,
        },
    ),
    # --- risk flags: clinicians of the caseload only --------------------------------------------------
    Row(
        "GET",
        "/api/v1/intake/risk-flags/",
        expect={"admin": 403, "front_desk": 403, "clinician": 200, "supervisor": 200, "client": 403, **ANON},
        lists="intake_risk_flag",
        visible={"clinician": {"mine"}, "supervisor": {"mine"}},
    ),
    Row(
        "POST",
        "/api/v1/intake/risk-flags/{id}/acknowledge/",
        target="intake_risk_flag",
        expect={
            "admin": 404,
            "front_desk": 404,
            "clinician": (200, 404),
            "supervisor": (200, 404),
            "client": 404,
            **ANON,
        },
        payload=lambda w, a, s: {"note": "Called the client; safety plan reviewed."},
    ),
    # --- measure schedules (assignment: no clinical content) ------------------------------------------
    Row(
        "GET",
        "/api/v1/intake/measure-schedules/",
        expect={**STAFF_200, "client": 403, **ANON},
        lists="intake_schedule",
        visible={
            "admin": {"mine", "foreign"},
            "front_desk": {"mine", "foreign"},
            "clinician": {"mine"},
            "supervisor": {"mine"},
        },
    ),
    Row(
        "POST",
        "/api/v1/intake/measure-schedules/",
        expect={"admin": 403, "front_desk": 201, "clinician": 201, "supervisor": 201, "client": 403, **ANON},
        payload=_schedule,
    ),
    Row(
        "POST",
        "/api/v1/intake/measure-schedules/{id}/end/",
        target="intake_schedule",
        expect={
            "admin": 403,
            "front_desk": 200,
            "clinician": (200, 404),
            "supervisor": (200, 404),
            "client": 404,
            **ANON,
        },
    ),
    # --- score series for charts ----------------------------------------------------------------------
    Row(
        "GET",
        "/api/v1/intake/clients/{id}/series/",
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
    # --- signed links: the token is the only credential; a forged one is 404 for everyone ---------------
    Row("GET", "/api/v1/intake/link/{token}/", expect=NOBODY_404, note="tests/intake/test_link.py covers real tokens"),
    Row(
        "PATCH",
        "/api/v1/intake/link/{token}/responses/{id}/",
        expect=NOBODY_404,
        payload=lambda w, a, s: {"answers": {"phq9_1": 1}},
    ),
    Row("POST", "/api/v1/intake/link/{token}/responses/{id}/submit/", expect=NOBODY_404),
]
