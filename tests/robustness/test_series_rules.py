"""Series rules are expanded, within bounds, before they are accepted (issue #12, items 4 and 5)."""

from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from core.errors import DomainError
from scheduling.models import Appointment, Status
from scheduling.services.series import rrule_validate, series_create
from scheduling.services.series_changes import series_edit
from tests.scheduling.conftest import build_sched


def _next_monday() -> date:
    today = timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


def _create(s, *, rrule="FREQ=WEEKLY", start_date=None, **kw):
    return series_create(
        actor=s.front_desk,
        clinician=s.clinician,
        clients=[s.client],
        appointment_type=s.session,
        mode="telehealth",
        time_zone="America/New_York",
        start_date=start_date or _next_monday(),
        local_time=time(10, 0),
        rrule=rrule,
        **kw,
    )


UNEXPANDABLE = [
    "FREQ=WEEKLY;INTERVAL=-1",
    "FREQ=MONTHLY;BYDAY=+99MO",
    "FREQ=DAILY;INTERVAL=0",
    "FREQ=WEEKLY;INTERVAL=99999999999999999999",
    "FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30",  # no date ever: dateutil walked to 9999 (seconds of CPU)
    "FREQ=DAILY;BYMONTHDAY=31;BYMONTH=2",
    "FREQ=YEARLY;BYWEEKNO=60",
    "FREQ=MONTHLY;BYMONTHDAY=0",
    "FREQ=WEEKLY;BYDAY=1MO",
    "FREQ=WEEKLY;BYDAY=MO,TU,XX",
    "FREQ=WEEKLY;WKST=ZZ",
    "FREQ=WEEKLY;BYSETPOS=1",
    "FREQ=WEEKLY;INTERVAL=\u0661",  # an Arabic-Indic digit: str.isdigit() says yes, int() would too
]


@pytest.mark.parametrize("rule", UNEXPANDABLE)
def test_a_rule_that_cannot_be_expanded_is_refused_on_rrule(rule):
    with pytest.raises(DomainError) as err:
        rrule_validate(rule, start_date=date(2027, 3, 1))
    assert "rrule" in err.value.fields


@pytest.mark.parametrize(
    "rule",
    [
        "FREQ=WEEKLY",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH",
        "FREQ=MONTHLY;BYDAY=-1FR",
        "FREQ=MONTHLY;BYMONTHDAY=31",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
        "FREQ=DAILY;BYDAY=MO",
    ],
)
def test_rules_a_practice_uses_are_accepted(rule):
    assert rrule_validate(rule, start_date=date(2027, 3, 1)) == rule


@pytest.mark.django_db
@pytest.mark.parametrize("rule", ["FREQ=WEEKLY;INTERVAL=-1", "FREQ=MONTHLY;BYDAY=+99MO", "FREQ=DAILY;INTERVAL=0"])
def test_the_api_answers_400_on_rrule_for_an_unexpandable_series(rule):
    from rest_framework.test import APIClient

    s = build_sched()
    api = APIClient()
    api.force_authenticate(s.front_desk.user)
    body = {
        "clinician": s.clinician.pk,
        "clients": [s.client.pk],
        "appointment_type": s.session.pk,
        "mode": "telehealth",
        "time_zone": "America/New_York",
        "start_date": _next_monday().isoformat(),
        "local_time": "10:00",
        "rrule": rule,
        "count": 3,
    }
    response = api.post("/api/v1/series/", body, format="json", HTTP_X_PRACTICE=s.practice.slug)
    assert response.status_code == 400, response.content[:300]
    assert "rrule" in response.json()["error"]["fields"]


@pytest.mark.django_db
def test_an_edit_to_interval_zero_is_refused_and_cancels_nothing():
    s = build_sched()
    series, _ = _create(s, count=4)
    second = series.appointments.order_by("starts_at")[1]
    with pytest.raises(DomainError) as err:
        series_edit(
            actor=s.front_desk, series=series, appointment=second, scope="following", rrule="FREQ=DAILY;INTERVAL=0"
        )
    assert "rrule" in err.value.fields
    assert series.appointments.filter(status=Status.SCHEDULED).count() == 4


@pytest.mark.django_db
def test_a_daily_series_from_2000_is_refused_on_start_date():
    s = build_sched()
    with pytest.raises(DomainError) as err:
        _create(s, rrule="FREQ=DAILY", start_date=date(2000, 1, 1))
    assert "start_date" in err.value.fields
    assert not Appointment.objects.filter(practice=s.practice).exists()


@pytest.mark.django_db
def test_a_series_may_start_up_to_the_documented_days_in_the_past():
    from scheduling.services import series_rules

    s = build_sched()
    start = timezone.localdate() - timedelta(days=series_rules.MAX_PAST_DAYS)
    series, _ = _create(s, rrule="FREQ=WEEKLY", start_date=start, count=1, outside_availability=True)
    assert series.start_date == start


@pytest.mark.django_db
def test_one_run_books_at_most_the_cap_and_the_extension_books_the_rest(monkeypatch):
    from scheduling.services.series import series_extend

    monkeypatch.setattr("scheduling.services.series.MAX_OCCURRENCES_PER_RUN", 3)
    s = build_sched()
    series, report = _create(s, rrule="FREQ=DAILY", count=5)
    assert [e["status"] for e in report] == ["booked"] * 3
    series.refresh_from_db()
    assert series.materialised_until == _next_monday() + timedelta(days=2)
    assert series_extend(series_id=series.pk)["booked"] == 2
    assert series.appointments.count() == 5
