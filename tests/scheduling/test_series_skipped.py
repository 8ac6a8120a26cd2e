"""Occurrences a series skips on a conflict are recorded, listed per role, and booked or dismissed."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from core.errors import Conflict
from practice.models import AuditEvent
from scheduling.models import Appointment, AppointmentSeries, SeriesSkippedOccurrence, Status
from scheduling.services.appointment_changes import appointment_cancel
from scheduling.services.booking import appointment_book
from scheduling.services.series import series_create, series_extend
from scheduling.services.series_changes import series_cancel, series_edit
from scheduling.services.series_skipped import skipped_occurrence_book, skipped_occurrence_dismiss
from tests.factories.scheduling import AvailabilityExceptionFactory
from tests.scheduling.conftest import build_sched

NY = ZoneInfo("America/New_York")
SKIPPED_FIELDS = {
    "id",
    "series",
    "clinician",
    "series_date",
    "starts_at",
    "ends_at",
    "time_zone",
    "local_starts_at",
    "conflict_code",
    "resource",
    "created_at",
    "resolved_at",
    "resolved_by",
    "resolution",
    "appointment",
}


def api_for(membership) -> APIClient:
    api = APIClient()
    _, token = AuthToken.objects.create(membership.user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_X_PRACTICE=membership.practice.slug)
    return api


def at_ten(day) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=NY)


def weekly(s, *, clinician=None, clients=None, start, **kw):
    """A weekly 10:00 New York telehealth series, open-ended unless told otherwise."""
    series, report = series_create(
        actor=s.front_desk,
        clinician=clinician or s.clinician,
        clients=clients or [s.client],
        appointment_type=s.session,
        mode="telehealth",
        time_zone="America/New_York",
        start_date=start,
        local_time=time(10, 0),
        rrule="FREQ=WEEKLY",
        **kw,
    )
    return series, report


def block(s, starts_at, *, clinician=None, clients=None) -> Appointment:
    """Someone else's appointment holding the clinician's time."""
    return appointment_book(
        actor=s.front_desk,
        clinician=clinician or s.clinician,
        clients=clients or [s.client2],
        appointment_type=s.session,
        starts_at=starts_at,
        mode="telehealth",
    )


@pytest.fixture
def skipped(db):
    """A series of two weeks (horizon 14 days), its third week taken by client2's appointment at 09:40,
    then the horizon moved on two weeks: week 3 skipped, week 4 booked."""
    s = build_sched()
    s.practice.settings = {"mfa_required": False, "series_horizon_days": 14}
    s.practice.save()
    s.today = timezone.localdate()
    s.start = s.today + timedelta(days=1)
    s.series, report = weekly(s, start=s.start)
    assert [e["status"] for e in report] == ["booked", "booked"]
    s.third = s.start + timedelta(days=14)
    s.blocker = block(s, at_ten(s.third) - timedelta(minutes=20))
    s.result = series_extend(series_id=s.series.pk, today=s.today + timedelta(days=14))
    s.row = SeriesSkippedOccurrence.objects.get(series=s.series)
    return s


# --- recording ------------------------------------------------------------------------------------------


def test_extension_records_exactly_one_row_for_the_conflicting_occurrence(skipped):
    s = skipped
    assert s.result == {"booked": 1, "skipped": 1}
    row = s.row
    assert (row.practice_id, row.series_date, row.conflict_code, row.resource) == (
        s.practice.pk,
        s.third,
        "clinician_taken",
        "clinician",
    )
    assert row.starts_at == at_ten(s.third) and row.ends_at == at_ten(s.third) + timedelta(minutes=50)
    assert row.resolved_at is None and row.resolution == "" and row.appointment_id is None
    assert sorted(s.series.appointments.values_list("series_date", flat=True)) == [
        s.start,
        s.start + timedelta(days=7),
        s.start + timedelta(days=21),
    ]


def test_extension_logs_what_it_skipped(db, caplog):
    s = build_sched()
    s.practice.settings = {"mfa_required": False, "series_horizon_days": 14}
    s.practice.save()
    today = timezone.localdate()
    series, _ = weekly(s, start=today + timedelta(days=1))
    block(s, at_ten(today + timedelta(days=15)))
    with caplog.at_level("WARNING", logger="scheduling.services.series"):
        series_extend(series_id=series.pk, today=today + timedelta(days=14))
    assert f"series {series.pk} extended" in caplog.text and "1 booked, 1 skipped" in caplog.text


def test_running_the_extension_again_records_no_duplicate(skipped):
    s = skipped
    assert series_extend(series_id=s.series.pk, today=s.today + timedelta(days=14)) == {"booked": 0, "skipped": 0}
    assert SeriesSkippedOccurrence.objects.filter(series=s.series).count() == 1
    # Even walking the same dates again (a run that lost its place) adds nothing, and leaves a dismissed
    # row dismissed; the booked week 4 is not mistaken for a skipped one.
    skipped_occurrence_dismiss(actor=s.front_desk, skipped=s.row)
    AppointmentSeries.objects.filter(pk=s.series.pk).update(materialised_until=s.start + timedelta(days=7))
    series_extend(series_id=s.series.pk, today=s.today + timedelta(days=14))
    rows = list(SeriesSkippedOccurrence.objects.filter(series=s.series).values_list("series_date", "resolution"))
    assert rows == [(s.third, "dismissed")]
    assert s.series.appointments.count() == 3


def test_book_available_series_records_its_conflicts_and_all_or_nothing_records_none(db):
    s = build_sched()
    start = timezone.localdate() + timedelta(days=3)
    block(s, at_ten(start + timedelta(days=7)))
    with pytest.raises(Conflict) as refused:
        weekly(s, start=start, count=3)
    assert refused.value.code == "series_conflicts"
    assert not SeriesSkippedOccurrence.objects.exists()

    series, report = weekly(s, start=start, count=3, on_conflict="book_available")
    assert [e["status"] for e in report] == ["booked", "conflict", "booked"]
    row = SeriesSkippedOccurrence.objects.get()
    assert (row.series_id, row.series_date, row.conflict_code, row.resource) == (
        series.pk,
        start + timedelta(days=7),
        "clinician_taken",
        "clinician",
    )


def test_time_off_is_recorded_as_clinician_unavailable(db):
    s = build_sched()
    s.practice.settings = {"mfa_required": False, "series_horizon_days": 14}
    s.practice.save()
    today = timezone.localdate()
    series, _ = weekly(s, start=today + timedelta(days=1))
    off = today + timedelta(days=15)
    AvailabilityExceptionFactory(clinician=s.clinician, starts_at=at_ten(off), ends_at=at_ten(off) + timedelta(hours=2))
    assert series_extend(series_id=series.pk, today=today + timedelta(days=14)) == {"booked": 1, "skipped": 1}
    row = SeriesSkippedOccurrence.objects.get()
    assert (row.series_date, row.conflict_code) == (off, "clinician_unavailable")
    assert row.resource == "clinician_availability"


def test_a_series_booked_outside_working_hours_extends_outside_them_too(db):
    """Staff chose the hours when they created it: later weeks are not skipped as unavailable."""
    s = build_sched()
    s.practice.settings = {"mfa_required": False, "series_horizon_days": 14}
    s.practice.save()
    today = timezone.localdate()
    late = dict(local_time=time(22, 0), start=today + timedelta(days=1))
    series, report = series_create(
        actor=s.front_desk, clinician=s.clinician, clients=[s.client], appointment_type=s.session,
        mode="telehealth", time_zone="America/New_York", start_date=late["start"], local_time=late["local_time"],
        rrule="FREQ=WEEKLY", outside_availability=True,
    )  # fmt: skip
    assert [e["status"] for e in report] == ["booked", "booked"]
    assert series_extend(series_id=series.pk, today=today + timedelta(days=14)) == {"booked": 2, "skipped": 0}
    assert not SeriesSkippedOccurrence.objects.filter(series=series).exists()


def test_cancelling_or_changing_the_series_withdraws_its_open_skipped_occurrences(skipped):
    s = skipped
    later = SeriesSkippedOccurrence.objects.create(
        practice=s.practice,
        series=s.series,
        series_date=s.start + timedelta(days=28),
        starts_at=at_ten(s.start + timedelta(days=28)),
        ends_at=at_ten(s.start + timedelta(days=28)) + timedelta(minutes=50),
        conflict_code="room_taken",
        resource="room",
    )
    # "this and following" from week 4: week 3's row stays open, the later one is withdrawn.
    week4 = s.series.appointments.get(series_date=s.start + timedelta(days=21))
    new_series, _ = series_edit(
        actor=s.front_desk, series=s.series, appointment=week4, scope="following", local_time=time(15, 0)
    )
    s.row.refresh_from_db()
    later.refresh_from_db()
    assert s.row.resolution == "" and s.row.resolved_at is None
    assert (later.resolution, later.resolved_by_id) == ("withdrawn", s.front_desk.pk)

    row = _other_skipped(s)
    series_cancel(actor=s.front_desk, series=row.series)
    row.refresh_from_db()
    assert row.resolution == "withdrawn"


# --- listing, per role ------------------------------------------------------------------------------------


def _other_skipped(s) -> SeriesSkippedOccurrence:
    """A skipped occurrence of a clinician2 series (client2), same practice."""
    series, _ = weekly(s, clinician=s.clinician2, clients=[s.client2], start=s.start + timedelta(days=2))
    day = s.start + timedelta(days=16)
    return SeriesSkippedOccurrence.objects.create(
        practice=s.practice,
        series=series,
        series_date=day,
        starts_at=at_ten(day),
        ends_at=at_ten(day) + timedelta(minutes=50),
        conflict_code="room_taken",
        resource="room",
    )


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [r["id"] for r in response.json()["results"]]


def test_listing_is_scoped_per_role_and_practice(skipped):
    s = skipped
    other = _other_skipped(s)
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
    other = _other_skipped(s)
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
    other = _other_skipped(s)
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


# --- the beat task ------------------------------------------------------------------------------------------------


def test_beat_task_answers_the_series_it_queued_and_the_open_skipped_occurrences(skipped):
    from backend.celery import app
    from scheduling.tasks import series_extend_all_task

    s = skipped
    _other_skipped(s)
    app.conf.task_always_eager = True  # the per-series tasks run here, in this test's transaction
    try:
        result = series_extend_all_task()
    finally:
        app.conf.task_always_eager = False
    active = AppointmentSeries.objects.filter(state=AppointmentSeries.State.ACTIVE).count()
    assert result == {"series": active, "open_skipped": 2}
