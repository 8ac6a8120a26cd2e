"""Every date and instant the API takes is in one documented range (issue #12, item 3)."""

import pytest

EXTREMES = ["9999-12-31T23:59:00Z", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+15:00", "2201-01-01T00:00:00Z"]


@pytest.mark.django_db
@pytest.mark.parametrize("instant", EXTREMES)
def test_an_impossible_instant_in_a_booking_is_a_400_naming_it(world, instant):
    response = world.client_for("front_desk").post("/api/v1/appointments/", {"starts_at": instant}, format="json")
    assert response.status_code == 400
    assert "starts_at" in response.json()["error"]["fields"]


@pytest.mark.django_db
@pytest.mark.parametrize("param", ["starts_after", "starts_before"])
@pytest.mark.parametrize("instant", EXTREMES)
def test_an_impossible_instant_in_the_appointment_filter_is_a_400_naming_it(world, param, instant):
    response = world.client_for("front_desk").get("/api/v1/appointments/", {param: instant})
    assert response.status_code == 400
    assert param in response.json()["error"]["fields"]


@pytest.mark.django_db
def test_slots_far_in_the_future_are_a_400_naming_the_date(world):
    response = world.client_for("front_desk").get(
        "/api/v1/slots/", {"appointment_type": 1, "date_from": "9999-12-30", "date_to": "9999-12-31"}
    )
    assert response.status_code == 400
    assert {"date_from", "date_to"} <= set(response.json()["error"]["fields"])


@pytest.mark.django_db
@pytest.mark.parametrize("start_date", ["0001-01-01", "9999-12-31"])
def test_a_series_from_year_one_or_9999_is_a_400_naming_start_date(world, start_date):
    response = world.client_for("front_desk").post(
        "/api/v1/series/", {"start_date": start_date, "rrule": "FREQ=DAILY"}, format="json"
    )
    assert response.status_code == 400
    assert "start_date" in response.json()["error"]["fields"]


@pytest.mark.django_db
def test_a_date_of_birth_before_1900_is_a_400(world):
    response = world.client_for("front_desk").post(
        "/api/v1/clients/", {"first_name": "A", "last_name": "B", "date_of_birth": "0001-01-01"}, format="json"
    )
    assert response.status_code == 400
    assert "date_of_birth" in response.json()["error"]["fields"]


def test_the_range_ends_are_accepted():
    from backend.api.fields import EARLIEST, LATEST, BoundedDateField, BoundedDateTimeField

    assert BoundedDateField().run_validation(EARLIEST.isoformat()) == EARLIEST
    assert BoundedDateField().run_validation(LATEST.isoformat()) == LATEST
    assert BoundedDateTimeField().run_validation(f"{LATEST.isoformat()}T23:59:59Z").date() == LATEST


def _date_schemas(node, path=""):
    if isinstance(node, dict):
        if node.get("format") in ("date", "date-time"):
            yield path, node
        for key, value in node.items():
            yield from _date_schemas(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _date_schemas(value, f"{path}.{index}")


@pytest.mark.django_db
def test_every_date_the_schema_takes_is_bounded():
    """The gate: every date or date-time in a request body or a parameter carries the documented range, which
    only the bounded fields (or INSTANT_SCHEMA / DATE_SCHEMA on a parameter) give."""
    from rest_framework.test import APIClient

    schema = APIClient().get("/api/schema/?format=json").json()
    taken = [(f"components.{name}", body) for name, body in schema["components"]["schemas"].items()]
    taken = [(name, body) for name, body in taken if name.endswith("Request")]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            taken += [(f"{method} {path} ?{p['name']}", p) for p in operation.get("parameters", [])]
    unbounded = [
        f"{name}{where}"
        for name, node in taken
        for where, date_schema in _date_schemas(node)
        if "formatMinimum" not in date_schema or "formatMaximum" not in date_schema
    ]
    checked = sum(1 for _, node in taken for _ in _date_schemas(node))
    assert checked > 10  # the walk found the request dates (it would pass vacuously on a wrong path)
    assert unbounded == [], "\n".join(unbounded)
