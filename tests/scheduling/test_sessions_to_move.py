"""Time off entered, or working hours changed, after sessions were booked: the answer names the sessions it now
overlaps, and the front desk has a list of sessions to move (issue 16)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from scheduling.services.appointment_changes import appointment_cancel
from scheduling.services.booking import appointment_book

pytestmark = pytest.mark.django_db
NEW_YORK = ZoneInfo("America/New_York")  # the zone of build_sched's clinicians, who work 07:00-20:00 every day


def _day(days: int, hour: int = 15) -> datetime:
    return (timezone.now() + timedelta(days=days)).astimezone(UTC).replace(hour=hour, minute=0, second=0, microsecond=0)


def _api(membership) -> APIClient:
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(membership.user)[1]}",
        HTTP_X_PRACTICE=membership.practice.slug,
    )
    return api


def _book(sched, clinician, client, starts_at):
    return appointment_book(
        actor=sched.front_desk,
        clinician=clinician,
        clients=[client],
        appointment_type=sched.session,
        starts_at=starts_at,
        mode="telehealth",
    )


def test_time_off_answers_with_the_booked_sessions_it_overlaps(sched):
    inside = _book(sched, sched.clinician, sched.client, _day(10))  # 10:00 in New York
    later_that_day = _book(sched, sched.clinician, sched.client, _day(10, hour=21))
    cancelled = _book(sched, sched.clinician, sched.client, _day(10, hour=17))
    appointment_cancel(actor=sched.front_desk, appointment=cancelled)
    other_clinician = _book(sched, sched.clinician2, sched.client2, _day(10))

    response = _api(sched.front_desk).post(
        "/api/v1/availability-exceptions/",
        {
            "clinician": sched.clinician.pk,
            "kind": "time_off",
            "starts_at": _day(10, hour=13).isoformat(),
            "ends_at": _day(10, hour=19).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    to_move = response.json()["appointments_to_move"]
    assert [(m["appointment"], m["reason"]) for m in to_move] == [(inside.pk, "time_off")]
    assert to_move[0]["starts_at"] == inside.starts_at.isoformat().replace("+00:00", "Z")
    assert set(to_move[0]) == {"appointment", "clinician", "starts_at", "ends_at", "status", "reason"}
    assert later_that_day.pk not in {m["appointment"] for m in to_move}
    assert other_clinician.pk not in {m["appointment"] for m in to_move}


def test_extra_hours_move_nothing(sched):
    _book(sched, sched.clinician, sched.client, _day(10))
    response = _api(sched.front_desk).post(
        "/api/v1/availability-exceptions/",
        {
            "clinician": sched.clinician.pk,
            "kind": "extra",
            "starts_at": _day(10, hour=13).isoformat(),
            "ends_at": _day(10, hour=19).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["appointments_to_move"] == []


def test_shorter_working_hours_answer_with_the_sessions_they_no_longer_cover(sched):
    day = _day(10).astimezone(NEW_YORK).date()
    morning = _book(sched, sched.clinician, sched.client, datetime.combine(day, time(8, 0), NEW_YORK))
    noon = _book(sched, sched.clinician, sched.client, datetime.combine(day, time(12, 0), NEW_YORK))
    rule = sched.clinician.availability_rules.get(weekday=morning.starts_at.astimezone(NEW_YORK).weekday())
    response = _api(sched.clinician.membership).patch(
        f"/api/v1/availability-rules/{rule.pk}/", {"start_time": time(9, 0).isoformat()}, format="json"
    )
    assert response.status_code == 200, response.content
    moved = {m["appointment"]: m["reason"] for m in response.json()["appointments_to_move"]}
    assert moved == {morning.pk: "outside_working_hours"}
    assert noon.pk not in moved


def test_the_list_of_sessions_to_move_is_scoped_by_role(sched):
    from tests.factories.scheduling import AvailabilityExceptionFactory

    mine = _book(sched, sched.clinician, sched.client, _day(12))
    theirs = _book(sched, sched.clinician2, sched.client2, _day(12))
    fine = _book(sched, sched.clinician, sched.client, _day(14))
    for clinician in (sched.clinician, sched.clinician2):
        AvailabilityExceptionFactory(clinician=clinician, starts_at=_day(12, hour=12), ends_at=_day(12, hour=20))

    front_desk = _api(sched.front_desk).get("/api/v1/appointments-to-move/")
    assert front_desk.status_code == 200
    assert [m["appointment"] for m in front_desk.json()] == sorted([mine.pk, theirs.pk])
    assert fine.pk not in [m["appointment"] for m in front_desk.json()]
    only_one = _api(sched.front_desk).get("/api/v1/appointments-to-move/", {"clinician": sched.clinician2.pk})
    assert [m["appointment"] for m in only_one.json()] == [theirs.pk]
    own = _api(sched.clinician.membership).get("/api/v1/appointments-to-move/")
    assert [m["appointment"] for m in own.json()] == [mine.pk]
    assert _api(sched.portal).get("/api/v1/appointments-to-move/").status_code == 403
    too_far = _api(sched.front_desk).get("/api/v1/appointments-to-move/", {"days": 10_000})
    assert too_far.status_code == 400 and "days" in too_far.json()["error"]["fields"]
