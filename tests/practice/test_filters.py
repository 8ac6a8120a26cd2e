"""An id from another practice in a filter answers exactly like an id that does not exist."""

import pytest

CASES = [
    ("front_desk", "/api/v1/care-team/", "client", "client"),
    ("admin", "/api/v1/supervisions/", "supervisor", "clinician"),
    ("front_desk", "/api/v1/intake/packets/", "client", "client"),
    ("clinician", "/api/v1/intake/responses/", "client", "client"),
]


@pytest.mark.parametrize(("role", "path", "param", "kind"), CASES, ids=[c[1] for c in CASES])
def test_another_practices_id_answers_like_an_unknown_id(world, role, path, param, kind):
    api = world.client_for(role)
    other = world.target(kind, "other").pk
    foreign = api.get(path, {param: other})
    unknown = api.get(path, {param: 987654321})
    assert foreign.status_code == unknown.status_code == 200
    assert foreign.json() == unknown.json()
    assert foreign.json()["results"] == []


def test_a_filter_by_an_id_in_scope_still_filters(world):
    response = world.client_for("front_desk").get("/api/v1/care-team/", {"client": world.p.client_a.pk})
    assert [row["client"] for row in response.json()["results"]] == [world.p.client_a.pk]


BODY_CASES = [
    ("front_desk", "/api/v1/care-team/", lambda w, c: {"client": c, "clinician": w.p.clinician.pk}),
    ("clinician", "/api/v1/progress-notes/", lambda w, c: {"client": c}),
    (
        "front_desk",
        "/api/v1/appointments/",
        lambda w, c: {
            "clinician": w.p.clinician.pk,
            "clients": [c],
            "appointment_type": 1,
            "mode": "telehealth",
            "starts_at": "2030-01-07T15:00:00Z",
        },
    ),
]


@pytest.mark.parametrize(("role", "path", "body"), BODY_CASES, ids=[c[1] for c in BODY_CASES])
def test_another_practices_client_in_a_request_body_answers_like_an_unknown_one(world, role, path, body):
    from tests.factories.scheduling import AppointmentTypeFactory

    appointment_type = AppointmentTypeFactory(practice=world.p.practice)
    api = world.client_for(role)

    def post(client_id):
        payload = body(world, client_id)
        if "appointment_type" in payload:
            payload["appointment_type"] = appointment_type.pk
        return api.post(path, payload, format="json")

    foreign, unknown = post(world.q.client_a.pk), post(987654321)
    assert foreign.status_code == unknown.status_code == 400
    assert foreign.json()["error"]["fields"] == {
        k: [m.replace("987654321", str(world.q.client_a.pk)) for m in v]
        for k, v in unknown.json()["error"]["fields"].items()
    }
    assert foreign.json()["error"]["message"] == unknown.json()["error"]["message"]


def test_another_practices_clinician_in_a_booking_answers_like_an_unknown_one(world):
    from tests.factories.scheduling import AppointmentTypeFactory

    appointment_type = AppointmentTypeFactory(practice=world.p.practice)
    api = world.client_for("front_desk")

    def book(clinician_id):
        return api.post(
            "/api/v1/appointments/",
            {
                "clinician": clinician_id,
                "clients": [world.p.client_a.pk],
                "appointment_type": appointment_type.pk,
                "mode": "telehealth",
                "starts_at": "2030-01-07T15:00:00Z",
            },
            format="json",
        )

    foreign, unknown = book(world.q.clinician.pk), book(987654321)
    assert foreign.status_code == unknown.status_code == 400
    assert foreign.json()["error"]["message"] == unknown.json()["error"]["message"]
    assert foreign.json()["error"]["fields"] == {
        "clinician": [f'Invalid pk "{world.q.clinician.pk}" - object does not exist.']
    }
    assert unknown.json()["error"]["fields"] == {"clinician": ['Invalid pk "987654321" - object does not exist.']}
