"""`GET /appointments/`'s filters (scheduling/filters.py AppointmentFilter): each narrows the caller's scope, an id
outside it finds nothing as a missing one does, and a value that is not valid is a 400 naming the parameter."""

from datetime import UTC, datetime, timedelta

import pytest
from drf_spectacular.generators import SchemaGenerator

from scheduling.models import Status
from scheduling.services.appointment_changes import appointment_cancel
from scheduling.services.booking import appointment_book
from tests.factories.practice import ClientFactory, ClinicianFactory
from tests.scheduling.test_api_flows import api_for

T0 = datetime(2027, 2, 1, 15, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def booked(sched):
    def book(clinician, client, start):
        return appointment_book(
            actor=sched.front_desk,
            clinician=clinician,
            appointment_type=sched.session,
            starts_at=start,
            mode="telehealth",
            clients=[client],
        )

    a = book(sched.clinician, sched.client, T0)
    b = book(sched.clinician2, sched.client2, T0 + DAY)
    c = book(sched.clinician, sched.client2, T0 + 2 * DAY)
    appointment_cancel(actor=sched.front_desk, appointment=c, reason="moved away")
    d = book(sched.clinician, sched.client, T0 + 3 * DAY)
    return sched, {"a": a.pk, "b": b.pk, "c": c.pk, "d": d.pk}


def _listed(sched, params):
    response = api_for(sched.front_desk).get("/api/v1/appointments/", params)
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_each_filter_narrows_the_list(booked):
    s, ids = booked
    a, b, c, d = ids["a"], ids["b"], ids["c"], ids["d"]
    assert _listed(s, {}) == [a, b, c, d]
    assert _listed(s, {"clinician": s.clinician.pk}) == [a, c, d]
    assert _listed(s, {"clinician": s.clinician2.pk}) == [b]
    assert _listed(s, {"client": s.client.pk}) == [a, d]
    assert _listed(s, {"client": s.client2.pk}) == [b, c]
    assert _listed(s, {"status": Status.CANCELLED}) == [c]
    assert _listed(s, {"status": Status.SCHEDULED}) == [a, b, d]
    assert _listed(s, {"status": Status.NO_SHOW}) == []
    # starts_after is inclusive, starts_before exclusive
    assert _listed(s, {"starts_after": (T0 + DAY).isoformat()}) == [b, c, d]
    assert _listed(s, {"starts_before": (T0 + DAY).isoformat()}) == [a]
    window = {"starts_after": (T0 + DAY).isoformat(), "starts_before": (T0 + 3 * DAY).isoformat()}
    assert _listed(s, window) == [b, c]
    assert _listed(s, {**window, "clinician": s.clinician.pk, "client": s.client2.pk, "status": "cancelled"}) == [c]


def test_an_instant_is_compared_with_its_offset(booked):
    s, ids = booked
    # 10:00 in New York is 15:00 UTC: the same instant as T0, so a is at or after it and not before it.
    assert _listed(s, {"starts_after": "2027-02-01T10:00:00-05:00", "starts_before": "2027-02-02T00:00:00Z"}) == [
        ids["a"]
    ]
    assert _listed(s, {"starts_before": "2027-02-01T10:00:00-05:00"}) == []
    assert _listed(s, {"starts_after": "2027-02-01T10:00:01-05:00", "starts_before": "2027-02-02T00:00:00Z"}) == []


def test_an_empty_parameter_is_no_filter(booked):
    s, ids = booked
    every = [ids["a"], ids["b"], ids["c"], ids["d"]]
    assert _listed(s, {"starts_after": "", "starts_before": "", "clinician": "", "client": "", "status": ""}) == every


def test_an_id_of_another_practice_finds_nothing_like_a_missing_one(booked):
    s, _ = booked
    elsewhere_clinician, elsewhere_client = ClinicianFactory(), ClientFactory()
    assert _listed(s, {"clinician": elsewhere_clinician.pk}) == []
    assert _listed(s, {"client": elsewhere_client.pk}) == []
    assert _listed(s, {"clinician": 2**62}) == []
    assert _listed(s, {"client": 2**62}) == []


BAD = [
    ("starts_after", "tomorrow"),
    ("starts_after", "2027-13-01T00:00:00Z"),
    ("starts_before", "2027-02-30T10:00:00Z"),
    ("starts_after", "2027-02-01T10:00:00"),  # no offset: which 10:00?
    ("starts_before", "2027-02-01"),
    ("starts_after", "2201-01-01T00:00:00Z"),  # out of the API's range
    ("starts_before", "0001-01-01T00:00:00+15:00"),  # out of range, and out of what a datetime holds in UTC
    ("starts_after", "2027-02-01T10:00:00\x00Z"),
    ("clinician", "abc"),
    ("clinician", "1.5"),
    ("clinician", "0"),
    ("clinician", "-3"),
    ("clinician", str(2**63)),  # beyond a bigint
    ("clinician", "99999999999999999999999"),
    ("clinician", "1\x00"),
    ("client", "x"),
    ("client", str(2**63)),
    ("client", "\x00"),
    ("status", "bogus"),
    ("status", "Scheduled"),
    ("status", "scheduled\x00"),
]


@pytest.mark.parametrize(("param", "value"), BAD)
def test_a_bad_value_is_a_400_naming_the_parameter(booked, param, value):
    s, _ = booked
    response = api_for(s.front_desk).get("/api/v1/appointments/", {param: value})
    assert response.status_code == 400, response.json()
    assert list(response.json()["error"]["fields"]) == [param]


def test_two_bad_values_are_both_named(booked):
    s, _ = booked
    response = api_for(s.front_desk).get("/api/v1/appointments/", {"clinician": "abc", "status": "bogus"})
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"clinician", "status"}


def test_the_filters_narrow_the_list_only_not_an_appointment_named_by_its_id(booked):
    s, ids = booked
    desk = api_for(s.front_desk)
    # a is scheduled: a status filter (or a bad one) on its own page or history does not hide it
    assert desk.get(f"/api/v1/appointments/{ids['a']}/", {"status": "cancelled"}).status_code == 200
    assert desk.get(f"/api/v1/appointments/{ids['a']}/history/", {"clinician": "abc"}).status_code == 200
    # a NUL is refused there as well (the one check every view runs)
    response = desk.get(f"/api/v1/appointments/{ids['a']}/", {"status": "\x00"})
    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["status"]


def test_a_client_filters_within_their_own_appointments(booked):
    s, ids = booked
    mine = api_for(s.portal)
    response = mine.get("/api/v1/appointments/", {"client": s.client2.pk})  # another client's: nothing
    assert response.status_code == 200
    assert response.json()["results"] == []
    rows = mine.get("/api/v1/appointments/", {"starts_after": (T0 + DAY).isoformat()}).json()["results"]
    assert [row["id"] for row in rows] == [ids["d"]]


def test_the_schema_lists_the_filters():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/appointments/"]["get"]["parameters"]}
    assert {"starts_after", "starts_before", "clinician", "client", "status", "tz"} <= set(parameters)
    assert parameters["starts_after"]["schema"]["format"] == "date-time"
    assert parameters["starts_before"]["schema"]["formatMaximum"].startswith("2200-12-31")
    assert parameters["clinician"]["schema"]["type"] == "integer"
    assert parameters["client"]["schema"]["type"] == "integer"
    assert set(parameters["status"]["schema"]["enum"]) == set(Status.values)
