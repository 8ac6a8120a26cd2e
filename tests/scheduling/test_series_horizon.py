"""A series with no session inside the booking horizon is refused with a 400 that says so, not a silent 201 with
zero occurrences (issue 17)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from scheduling.models import AppointmentSeries

pytestmark = pytest.mark.django_db
HORIZON_DAYS = 500  # build_sched's practice setting


def _desk(sched) -> APIClient:
    api = APIClient()
    token = AuthToken.objects.create(sched.front_desk.user)[1]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_X_PRACTICE=sched.practice.slug)
    return api


def _body(sched, start_date, rrule="FREQ=WEEKLY"):
    return {
        "clinician": sched.clinician.pk,
        "clients": [sched.client.pk],
        "appointment_type": sched.session.pk,
        "mode": "telehealth",
        "time_zone": "America/New_York",
        "start_date": start_date.isoformat(),
        "local_time": "10:00",
        "rrule": rrule,
        "count": 4,
    }


@pytest.mark.parametrize(
    ("start_in_days", "first_beyond"),
    [
        (HORIZON_DAYS + 30, False),  # starts beyond the horizon
        (HORIZON_DAYS - 3, True),  # starts inside it, but its rule's first date is months later
    ],
)
def test_a_series_with_no_session_inside_the_horizon_is_a_400_naming_the_horizon(sched, start_in_days, first_beyond):
    start = timezone.localdate() + timedelta(days=start_in_days)
    last_month = (start.month - 2) % 12 + 1
    rrule = f"FREQ=YEARLY;BYMONTH={last_month}" if first_beyond else "FREQ=WEEKLY"
    response = _desk(sched).post("/api/v1/series/", _body(sched, start, rrule), format="json")
    horizon = (timezone.localdate() + timedelta(days=HORIZON_DAYS)).isoformat()
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "series_beyond_horizon"
    assert error["horizon_date"] == horizon
    assert horizon in error["fields"]["start_date"][0]
    assert not AppointmentSeries.objects.exists()  # nothing left behind


def test_a_series_starting_inside_the_horizon_is_booked_as_before(sched):
    start = timezone.localdate() + timedelta(days=7)
    response = _desk(sched).post("/api/v1/series/", _body(sched, start), format="json")
    assert response.status_code == 201, response.content
    assert AppointmentSeries.objects.count() == 1
