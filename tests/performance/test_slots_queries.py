"""Issue 17, "slots": GET /slots/ costs authentication (the token, the membership) plus two statements (the
type with the clinicians, and their rules, exceptions and booked time), whatever the range or the number of
clinicians; in person adds the rooms and their bookings."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from scheduling.services.booking import appointment_book
from tests.factories.practice import ClinicianFactory
from tests.factories.scheduling import working_every_day
from tests.scheduling.conftest import build_sched

AUTHENTICATION = 2  # the token (with its user and second-factor mark), the membership
START = date(2027, 3, 1)


@pytest.fixture
def sched(db):
    return build_sched()


def _desk(s) -> APIClient:
    api = APIClient()
    _, token = AuthToken.objects.create(s.front_desk.user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_X_PRACTICE=s.practice.slug)
    api.get("/api/v1/practice/")  # the first use may renew the token's expiry (once a minute at most)
    return api


def _params(s, clinicians, mode="telehealth", days=30):
    return {
        "appointment_type": s.session.pk,
        "clinician": [c.pk for c in clinicians],
        "date_from": START.isoformat(),
        "date_to": (START + timedelta(days=days - 1)).isoformat(),
        "mode": mode,
    }


def _with_bookings(s, clinicians):
    for i, clinician in enumerate(clinicians):
        appointment_book(
            actor=s.front_desk,
            clinician=clinician,
            clients=[s.client2],
            appointment_type=s.session,
            starts_at=datetime(2027, 3, 2 + i, 15, 0, tzinfo=ZoneInfo(s.practice.time_zone)),
            mode="in_person",
            room=s.room,
        )


def test_one_clinician_for_30_days_is_two_statements_beyond_authentication(sched, django_assert_num_queries):
    _with_bookings(sched, [sched.clinician])
    api = _desk(sched)
    with django_assert_num_queries(AUTHENTICATION + 2):
        response = api.get("/api/v1/slots/", _params(sched, [sched.clinician]))
    assert response.status_code == 200
    starts = [s["starts_at"] for s in response.json()]
    assert len(starts) > 30 * 20
    assert "2027-03-02T15:00:00-05:00" not in starts  # booked


def test_many_clinicians_cost_the_same_statements(sched, django_assert_num_queries):
    clinicians = [sched.clinician, sched.clinician2]
    for _ in range(6):
        clinician = ClinicianFactory(membership__practice=sched.practice, time_zone=sched.practice.time_zone)
        working_every_day(clinician)
        clinicians.append(clinician)
    _with_bookings(sched, clinicians)
    api = _desk(sched)
    with django_assert_num_queries(AUTHENTICATION + 2):
        response = api.get("/api/v1/slots/", _params(sched, clinicians))
    assert response.status_code == 200
    assert {s["clinician"] for s in response.json()} == {c.pk for c in clinicians}
    with django_assert_num_queries(AUTHENTICATION + 2):  # every bookable clinician, none named
        params = _params(sched, [])
        del params["clinician"]
        assert api.get("/api/v1/slots/", params).status_code == 200


def test_in_person_adds_the_rooms_and_their_bookings(sched, django_assert_num_queries):
    _with_bookings(sched, [sched.clinician, sched.clinician2])
    api = _desk(sched)
    with django_assert_num_queries(AUTHENTICATION + 4):
        assert api.get("/api/v1/slots/", _params(sched, [sched.clinician], mode="in_person")).status_code == 200
    with django_assert_num_queries(AUTHENTICATION + 4):
        both = [sched.clinician, sched.clinician2]
        assert api.get("/api/v1/slots/", _params(sched, both, mode="in_person")).status_code == 200
