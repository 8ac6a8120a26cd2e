"""Skipped occurrences through the API: listed per role and practice, dismissed or booked again, and
nothing about the appointment that holds the time."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from core.errors import Conflict
from practice.models import AuditEvent
from scheduling.models import Appointment, SeriesSkippedOccurrence, Status
from scheduling.services.appointment_changes import appointment_cancel
from scheduling.services.series import series_extend
from scheduling.services.series_skipped import skipped_occurrence_book, skipped_occurrence_dismiss
from tests.factories.scheduling import AvailabilityExceptionFactory
from tests.scheduling.conftest import build_sched
from tests.scheduling.skipped_world import (
    NY,
    SKIPPED_FIELDS,
    api_for,
    at_ten,
    block,
    other_skipped,
    skipped_world,
    weekly,
)


@pytest.fixture
def skipped(db):
    """A series of two weeks (horizon 14 days), its third week taken by client2's appointment at 09:40,
    then the horizon moved on two weeks: week 3 skipped, week 4 booked."""
    return skipped_world()


# --- listing, per role ------------------------------------------------------------------------------------


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [r["id"] for r in response.json()["results"]]


def test_listing_is_scoped_per_role_and_practice(skipped):
    s = skipped
    other = other_skipped(s)
    url = "/api/v1/series/skipped-occurrences/"
    assert _ids(api_for(s.front_desk).get(url)) == [s.row.pk, other.pk]
    assert _ids(api_for(s.clinician.membership).get(url)) == [s.row.pk]
    assert _ids(api_for(s.clinician2.membership).get(url)) == [other.pk]
    assert api_for(s.portal).get(url).status_code == 403
    assert api_for(s.portal).get(f"{url}{s.row.pk}/").status_code == 404
    assert api_for(s.clinician2.membership).get(f"{url}{s.row.pk}/").status_code == 404

    elsewhere = build_sched()
    assert _ids(api_for(elsewhere.front_desk).get(url)) == []
    assert api_for(elsewhere.front_desk).get(f"{url}{s.row.pk}/").status_code == 404
    assert api_for(elsewhere.front_desk).post(f"{url}{s.row.pk}/dismiss/").status_code == 404


def test_listing_filters_by_series_clinician_and_state(skipped):
    s = skipped
    other = other_skipped(s)
    desk = api_for(s.front_desk)
    url = "/api/v1/series/skipped-occurrences/"
    assert _ids(desk.get(url, {"series": other.series_id})) == [other.pk]
    assert _ids(desk.get(url, {"clinician": s.clinician.pk})) == [s.row.pk]
    skipped_occurrence_dismiss(actor=s.front_desk, skipped=other)
    assert _ids(desk.get(url)) == [s.row.pk]
    assert _ids(desk.get(url, {"state": "resolved"})) == [other.pk]
    assert _ids(desk.get(url, {"state": "all"})) == [s.row.pk, other.pk]
    bad = desk.get(url, {"clinician": "x"})
    assert bad.status_code == 400 and "clinician" in bad.json()["error"]["fields"]
    assert "state" in desk.get(url, {"state": "closed"}).json()["error"]["fields"]
    for param, value in (("series", "1.5"), ("series", "0"), ("clinician", "")):
        answer = desk.get(url, {param: value})
        if value:  # an id is a whole number from 1: 400 naming the parameter
            assert answer.status_code == 400 and param in answer.json()["error"]["fields"], (param, value)
        else:  # left empty: no filter, the default (open) list
            assert _ids(answer) == [s.row.pk]
    resolved = desk.get(f"{url}{other.pk}/")  # the list's default state narrows the list only, not a detail
    assert resolved.status_code == 200 and resolved.json()["resolved_at"]


# --- dismiss ------------------------------------------------------------------------------------------------


def test_front_desk_dismisses_and_a_second_dismiss_is_409(skipped):
    s = skipped
    desk = api_for(s.front_desk)
    url = f"/api/v1/series/skipped-occurrences/{s.row.pk}/dismiss/"
    response = desk.post(url)
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["resolution"], body["resolved_by"], body["appointment"]) == ("dismissed", s.front_desk.pk, None)
    assert body["resolved_at"] is not None
    assert _ids(desk.get("/api/v1/series/skipped-occurrences/")) == []
    again = desk.post(url)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "skipped_occurrence_resolved"
    assert again.json()["error"]["resolution"] == "dismissed"
    assert AuditEvent.objects.filter(
        object_type="scheduling.seriesskippedoccurrence", object_id=str(s.row.pk), detail__resolution="dismissed"
    ).exists()


def test_clinician_dismisses_own_but_not_another_clinicians(skipped):
    s = skipped
    other = other_skipped(s)
    api = api_for(s.clinician.membership)
    assert api.post(f"/api/v1/series/skipped-occurrences/{other.pk}/dismiss/").status_code == 404
    assert api.post(f"/api/v1/series/skipped-occurrences/{s.row.pk}/dismiss/").status_code == 200
    other.refresh_from_db()
    assert other.resolved_at is None


# --- book again -----------------------------------------------------------------------------------------------


def test_booking_again_while_still_taken_is_409_and_leaves_it_open(skipped):
    s = skipped
    response = api_for(s.front_desk).post(f"/api/v1/series/skipped-occurrences/{s.row.pk}/book/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "clinician_taken"
    s.row.refresh_from_db()
    assert s.row.resolved_at is None
    assert not s.series.appointments.filter(series_date=s.third).exists()


def test_booking_again_once_free_books_the_series_occurrence_and_resolves_it(skipped):
    s = skipped
    appointment_cancel(actor=s.front_desk, appointment=s.blocker, reason="Moved")
    response = api_for(s.clinician.membership).post(
        f"/api/v1/series/skipped-occurrences/{s.row.pk}/book/", {}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["resolution"], body["resolved_by"]) == ("booked", s.clinician.membership.pk)
    booked = Appointment.objects.get(pk=body["appointment"])
    assert (booked.series_id, booked.series_date, booked.starts_at) == (s.series.pk, s.third, at_ten(s.third))
    assert (booked.status, list(booked.clients.all())) == (Status.SCHEDULED, [s.client])
    assert AuditEvent.objects.filter(
        object_type="scheduling.appointment", object_id=str(booked.pk), action="create"
    ).exists()
    again = api_for(s.front_desk).post(f"/api/v1/series/skipped-occurrences/{s.row.pk}/book/", {}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "skipped_occurrence_resolved"


def test_booking_again_at_another_time_that_day(skipped):
    s = skipped
    noon = datetime.combine(s.third, time(12, 0), tzinfo=NY)
    response = api_for(s.front_desk).post(
        f"/api/v1/series/skipped-occurrences/{s.row.pk}/book/",
        {"starts_at": noon.astimezone(UTC).isoformat()},
        format="json",
    )
    assert response.status_code == 200, response.content
    booked = Appointment.objects.get(pk=response.json()["appointment"])
    assert (booked.starts_at, booked.series_date, booked.series_id) == (noon, s.third, s.series.pk)


def test_booking_again_during_time_off_needs_outside_availability(db):
    s = build_sched()
    s.practice.settings = {"mfa_required": False, "series_horizon_days": 14}
    s.practice.save()
    today = timezone.localdate()
    series, _ = weekly(s, start=today + timedelta(days=1))
    off = today + timedelta(days=15)
    AvailabilityExceptionFactory(clinician=s.clinician, starts_at=at_ten(off), ends_at=at_ten(off) + timedelta(hours=2))
    series_extend(series_id=series.pk, today=today + timedelta(days=14))
    row = SeriesSkippedOccurrence.objects.get()
    url = f"/api/v1/series/skipped-occurrences/{row.pk}/book/"
    desk = api_for(s.front_desk)
    refused = desk.post(url, {}, format="json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "clinician_unavailable"
    assert desk.post(url, {"outside_availability": True}, format="json").status_code == 200
    row.refresh_from_db()
    assert row.resolution == "booked" and row.appointment.series_date == off


def test_booking_again_after_the_time_has_passed_is_409(skipped):
    s = skipped
    appointment_cancel(actor=s.front_desk, appointment=s.blocker)
    with pytest.raises(Conflict) as refused:
        skipped_occurrence_book(actor=s.front_desk, skipped=s.row, now=s.row.starts_at + timedelta(minutes=1))
    assert refused.value.code == "occurrence_past"
    s.row.refresh_from_db()
    assert s.row.resolved_at is None


def test_supervisor_clinician_may_not_book_a_supervisees_occurrence(skipped):
    from practice import roles
    from tests.factories.practice import ClinicianFactory, SupervisionFactory

    s = skipped
    supervisor = ClinicianFactory(
        membership__practice=s.practice, membership__roles=[roles.CLINICIAN, roles.SUPERVISOR]
    )
    SupervisionFactory(practice=s.practice, supervisor=supervisor, supervisee=s.clinician)
    api = api_for(supervisor.membership)
    assert _ids(api.get("/api/v1/series/skipped-occurrences/")) == [s.row.pk]
    assert api.post(f"/api/v1/series/skipped-occurrences/{s.row.pk}/dismiss/").status_code == 403
    appointment_cancel(actor=s.front_desk, appointment=s.blocker)
    assert api.post(f"/api/v1/series/skipped-occurrences/{s.row.pk}/book/", {}, format="json").status_code == 403


# --- nothing about the conflicting appointment ------------------------------------------------------------------


def test_nothing_about_the_conflicting_appointment_or_its_client_leaks(skipped):
    s = skipped
    response = api_for(s.clinician.membership).get(f"/api/v1/series/skipped-occurrences/{s.row.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == SKIPPED_FIELDS
    assert (body["clinician"], body["series"], body["appointment"]) == (s.clinician.pk, s.series.pk, None)
    assert body["local_starts_at"] == at_ten(s.third).isoformat()
    text = response.content.decode()
    blocker_span = (s.blocker.starts_at, s.blocker.ends_at)
    for instant in blocker_span:  # the taken interval (09:40-10:30) is someone else's time
        assert instant.astimezone(UTC).isoformat().replace("+00:00", "") not in text.replace("Z", "")
        assert instant.astimezone(NY).isoformat() not in text
    assert s.client2.first_name not in text and s.client2.last_name not in text
    # The stored row holds the code and resource only: no reference to the appointment or its people.
    fields = {f.name for f in SeriesSkippedOccurrence._meta.concrete_fields}
    assert fields == {
        "id",
        "practice",
        "series",
        "series_date",
        "starts_at",
        "ends_at",
        "conflict_code",
        "resource",
        "created_at",
        "resolved_at",
        "resolved_by",
        "resolution",
        "appointment",
    }


def test_a_client_conflict_names_the_resource_not_the_other_clinician(db):
    s = build_sched()
    s.practice.settings = {"mfa_required": False, "series_horizon_days": 14}
    s.practice.save()
    today = timezone.localdate()
    series, _ = weekly(s, start=today + timedelta(days=1))
    # The series' client has a session with clinician2 at that time (another caseload, another schedule).
    block(s, at_ten(today + timedelta(days=15)), clinician=s.clinician2, clients=[s.client])
    series_extend(series_id=series.pk, today=today + timedelta(days=14))
    body = api_for(s.clinician.membership).get("/api/v1/series/skipped-occurrences/").json()["results"]
    assert [(r["conflict_code"], r["resource"], r["clinician"]) for r in body] == [
        ("client_taken", "client", s.clinician.pk)
    ]
    assert str(s.clinician2.display_name) not in str(body)
