"""Issue #12 items 6, 7 and 19: typed waitlist weekdays, one client once per booking, answers that fit the schema."""

from datetime import UTC, datetime
from urllib.parse import urlsplit

import jsonschema
import pytest
from rest_framework.test import APIClient

from tests.scheduling.conftest import build_sched

pytestmark = pytest.mark.django_db


def _api(membership) -> APIClient:
    api = APIClient()
    api.force_authenticate(membership.user)
    api.credentials(HTTP_X_PRACTICE=membership.practice.slug)
    return api


def _nullable_to_json_schema(node):
    """OpenAPI 3.0's `nullable` as JSON Schema says it, so jsonschema can check an answer against the document."""
    if isinstance(node, list):
        return [_nullable_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _nullable_to_json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


FORMATS = jsonschema.FormatChecker()
FORMATS.checks("uri")(lambda value: not isinstance(value, str) or bool(urlsplit(value).scheme))


def assert_fits_schema(path: str, method: str, status: int, body) -> None:
    document = APIClient().get("/api/schema/?format=json").json()
    response_schema = document["paths"][path][method]["responses"][str(status)]["content"]["application/json"]
    schema = _nullable_to_json_schema({**response_schema["schema"], "components": document["components"]})
    jsonschema.validate(body, schema, format_checker=FORMATS)


def _book(s, api, client_ids, starts_at=datetime(2027, 2, 1, 15, tzinfo=UTC)):
    return api.post(
        "/api/v1/appointments/",
        {
            "clinician": s.clinician.pk,
            "clients": client_ids,
            "appointment_type": s.session.pk,
            "starts_at": starts_at.isoformat(),
            "mode": "telehealth",
        },
        format="json",
    )


@pytest.mark.parametrize("weekdays", [[True], [1.5], [2**63], [-1], [7], "0,1", [[0]], [0, 1, 2, 3, 4, 5, 6, 0]])
def test_waitlist_weekdays_that_are_not_0_to_6_are_a_400_naming_the_field(weekdays):
    s = build_sched()
    response = _api(s.front_desk).post(
        "/api/v1/waitlist/",
        {"client": s.client.pk, "appointment_type": s.session.pk, "preferred_weekdays": weekdays},
        format="json",
    )
    assert response.status_code == 400, response.content[:300]
    assert any(key.startswith("preferred_weekdays") for key in response.json()["error"]["fields"])


def test_waitlist_weekdays_0_to_6_are_kept():
    s = build_sched()
    response = _api(s.front_desk).post(
        "/api/v1/waitlist/",
        {"client": s.client.pk, "appointment_type": s.session.pk, "preferred_weekdays": [0, 6]},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["preferred_weekdays"] == [0, 6]


def test_the_same_client_twice_in_a_booking_is_a_400_naming_clients():
    s = build_sched()
    response = _book(s, _api(s.front_desk), [s.client.pk, s.client.pk])
    assert response.status_code == 400, response.content[:300]
    assert "clients" in response.json()["error"]["fields"]


def test_the_same_client_twice_in_a_series_is_a_400_naming_clients():
    s = build_sched()
    response = _api(s.front_desk).post(
        "/api/v1/series/",
        {
            "clinician": s.clinician.pk,
            "clients": [s.client.pk, s.client.pk],
            "appointment_type": s.session.pk,
            "mode": "telehealth",
            "time_zone": "America/New_York",
            "start_date": "2027-02-01",
            "local_time": "10:00",
            "rrule": "FREQ=WEEKLY",
            "count": 2,
        },
        format="json",
    )
    assert response.status_code == 400, response.content[:300]
    assert "clients" in response.json()["error"]["fields"]


def test_a_clients_appointment_list_fits_the_schema():
    s = build_sched()
    assert _book(s, _api(s.front_desk), [s.client.pk]).status_code == 201
    body = _api(s.portal).get("/api/v1/appointments/").json()
    assert body["count"] == 1 and "clients" not in body["results"][0]
    assert_fits_schema("/api/v1/appointments/", "get", 200, body)
    staff = _api(s.front_desk).get("/api/v1/appointments/").json()
    assert staff["results"][0]["clients"] == [{"id": s.client.pk, "name": str(s.client)}]
    assert_fits_schema("/api/v1/appointments/", "get", 200, staff)


def test_history_waitlist_matches_and_waitlist_by_opening_fit_the_schema():
    s = build_sched()
    desk = _api(s.front_desk)
    appointment = _book(s, desk, [s.client.pk]).json()
    desk.post("/api/v1/waitlist/", {"client": s.client2.pk, "appointment_type": s.session.pk}, format="json")
    desk.post(f"/api/v1/appointments/{appointment['id']}/cancel/", {"by": "client"}, format="json")

    history = desk.get(f"/api/v1/appointments/{appointment['id']}/history/").json()
    assert len(history) >= 1
    assert_fits_schema("/api/v1/appointments/{id}/history/", "get", 200, history)
    matches = desk.get(f"/api/v1/appointments/{appointment['id']}/waitlist-matches/").json()
    assert len(matches) == 1
    assert_fits_schema("/api/v1/appointments/{id}/waitlist-matches/", "get", 200, matches)
    by_opening = desk.get("/api/v1/waitlist/", {"opening": appointment["id"]}).json()
    assert by_opening["count"] == 1
    assert_fits_schema("/api/v1/waitlist/", "get", 200, by_opening)


def test_a_clients_own_intake_response_fits_the_schema(world):
    """Found by the sweep: a client's own response (no score, no flags) against a schema requiring both."""
    from tests.access.matrix import all_rows

    all_rows()
    response = world.target("intake_response", "mine")
    body = world.client_for("client").get(f"/api/v1/intake/responses/{response.pk}/").json()
    assert "risk_flags" not in body and "score" not in body
    assert_fits_schema("/api/v1/intake/responses/{id}/", "get", 200, body)
    staff = world.client_for("clinician").get(f"/api/v1/intake/responses/{response.pk}/").json()
    assert "risk_flags" in staff and "score" in staff
    assert_fits_schema("/api/v1/intake/responses/{id}/", "get", 200, staff)


def test_each_slot_carries_exactly_the_fields_the_schema_names():
    """jsonschema lets an object carry fields its schema does not name: the slot's `time_zone` was in every answer
    and missing from the document."""
    s = build_sched()
    body = _api(s.front_desk).get(
        "/api/v1/slots/",
        {"appointment_type": s.session.pk, "date_from": "2027-03-01", "date_to": "2027-03-05", "mode": "telehealth"},
    )
    assert body.status_code == 200 and body.json()
    assert_fits_schema("/api/v1/slots/", "get", 200, body.json())
    document = APIClient().get("/api/schema/?format=json").json()
    named = set(document["components"]["schemas"]["Slot"]["properties"])
    assert all(set(slot) == named for slot in body.json())
