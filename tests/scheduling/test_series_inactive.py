"""A series whose clinician, appointment type or room was withdrawn: the rolling extension records the gap."""

from datetime import time, timedelta
from zoneinfo import ZoneInfoNotFoundError

import pytest
from django.utils import timezone

from core.errors import Conflict
from practice import roles
from practice.services.members import clinician_update, membership_set_roles
from scheduling.models import AppointmentSeries, SeriesSkippedOccurrence
from scheduling.services.resources import appointment_type_save, room_save
from scheduling.services.series import series_create, series_extend
from scheduling.services.series_changes import series_cancel
from scheduling.services.series_skipped import skipped_occurrence_book, skipped_occurrence_dismiss
from tests.factories.practice import MembershipFactory
from tests.scheduling.conftest import build_sched
from tests.scheduling.skipped_world import SKIPPED_FIELDS, api_for, at_ten, weekly


def _deactivate_clinician(s, admin):
    clinician_update(actor=admin, clinician=s.clinician, is_active=False)


def _deactivate_membership(s, admin):
    membership = s.clinician.membership
    membership_set_roles(actor=admin, membership=membership, roles_=membership.roles, is_active=False)


def _deactivate_user(s, admin):
    user = s.clinician.membership.user
    user.is_active = False
    user.save(update_fields=["is_active"])


def _archive_type(s, admin):
    appointment_type_save(actor=admin, appointment_type=s.session, is_active=False)


def _type_drops_telehealth(s, admin):
    appointment_type_save(actor=admin, appointment_type=s.session, allows_telehealth=False)


def _retire_room(s, admin):
    room_save(actor=admin, room=s.room, is_active=False)


def _discharge_client(s, admin):
    s.client.is_active = False
    s.client.save(update_fields=["is_active"])


CASES = {
    "clinician": (_deactivate_clinician, "clinician_inactive", "clinician"),
    "clinician_membership": (_deactivate_membership, "clinician_inactive", "clinician"),
    "clinician_user": (_deactivate_user, "clinician_inactive", "clinician"),
    "appointment_type": (_archive_type, "appointment_type_inactive", "appointment_type"),
    "appointment_type_mode": (_type_drops_telehealth, "mode_not_offered", "appointment_type"),
    "room": (_retire_room, "room_inactive", "room"),
    "client": (_discharge_client, "client_inactive", "client"),
}


def in_person_weekly(s, *, start):
    return series_create(
        actor=s.front_desk,
        clinician=s.clinician,
        clients=[s.client],
        appointment_type=s.session,
        mode="in_person",
        room=s.room,
        time_zone="America/New_York",
        start_date=start,
        local_time=time(10, 0),
        rrule="FREQ=WEEKLY",
    )


def two_week_series(s, *, in_person=False):
    """A weekly series booked two weeks ahead (horizon 14 days), starting tomorrow."""
    s.practice.settings = {"mfa_required": False, "series_horizon_days": 14}
    s.practice.save()
    s.today = timezone.localdate()
    s.start = s.today + timedelta(days=1)
    series, report = in_person_weekly(s, start=s.start) if in_person else weekly(s, start=s.start)
    assert [e["status"] for e in report] == ["booked", "booked"]
    s.admin = MembershipFactory(practice=s.practice, roles=[roles.ADMIN])
    return series


@pytest.fixture
def gone(db, request):
    """A two-week series, then the resource named by the test's case withdrawn."""
    s = build_sched()
    withdraw, s.code, s.resource = CASES[request.param]
    s.series = two_week_series(s, in_person=request.param == "room")
    withdraw(s, s.admin)
    s.weeks_3_4 = [s.start + timedelta(days=14), s.start + timedelta(days=21)]
    return s


def _rows(series):
    return list(
        SeriesSkippedOccurrence.objects.filter(series=series)
        .order_by("series_date")
        .values_list("series_date", "conflict_code", "resource", "resolution")
    )


@pytest.mark.parametrize("gone", list(CASES), indirect=True)
def test_a_withdrawn_resource_records_each_new_occurrence_as_skipped_instead_of_raising(gone, caplog):
    s = gone
    with caplog.at_level("WARNING", logger="scheduling.services.series"):
        result = series_extend(series_id=s.series.pk, today=s.today + timedelta(days=14))
    assert result == {"booked": 0, "skipped": 2}
    assert _rows(s.series) == [(day, s.code, s.resource, "") for day in s.weeks_3_4]
    row = SeriesSkippedOccurrence.objects.filter(series=s.series).order_by("series_date").first()
    assert (row.starts_at, row.ends_at) == (at_ten(s.weeks_3_4[0]), at_ten(s.weeks_3_4[0]) + timedelta(minutes=50))
    s.series.refresh_from_db()
    # Not ended: the horizon moved on, nothing was booked past the two weeks booked before.
    assert (s.series.state, s.series.materialised_until) == ("active", s.today + timedelta(days=28))
    assert sorted(s.series.appointments.values_list("series_date", flat=True)) == [
        s.start,
        s.start + timedelta(days=7),
    ]
    assert f"series {s.series.pk} extended" in caplog.text and f"2 skipped ({s.code})" in caplog.text


@pytest.mark.parametrize("gone", ["clinician", "room"], indirect=True)
def test_running_again_records_nothing_new(gone):
    s = gone
    later = s.today + timedelta(days=14)
    series_extend(series_id=s.series.pk, today=later)
    assert series_extend(series_id=s.series.pk, today=later) == {"booked": 0, "skipped": 0}
    # A run that lost its place walks the same dates again: still one row a date, a dismissed one dismissed.
    first = SeriesSkippedOccurrence.objects.get(series=s.series, series_date=s.weeks_3_4[0])
    skipped_occurrence_dismiss(actor=s.front_desk, skipped=first)
    AppointmentSeries.objects.filter(pk=s.series.pk).update(materialised_until=s.start + timedelta(days=7))
    series_extend(series_id=s.series.pk, today=later)
    assert _rows(s.series) == [
        (s.weeks_3_4[0], s.code, s.resource, "dismissed"),
        (s.weeks_3_4[1], s.code, s.resource, ""),
    ]
    # The next week adds that week's row only.
    assert series_extend(series_id=s.series.pk, today=later + timedelta(days=7)) == {"booked": 0, "skipped": 1}
    assert len(_rows(s.series)) == 3


@pytest.mark.parametrize("gone", ["appointment_type"], indirect=True)
def test_a_row_cannot_be_booked_while_still_withdrawn_and_can_once_reactivated(gone):
    s = gone
    series_extend(series_id=s.series.pk, today=s.today + timedelta(days=14))
    row = SeriesSkippedOccurrence.objects.filter(series=s.series).order_by("series_date").first()
    url = f"/api/v1/series/skipped-occurrences/{row.pk}/book/"
    refused = api_for(s.front_desk).post(url, {}, format="json")
    assert refused.status_code == 409
    assert (refused.json()["error"]["code"], refused.json()["error"]["resource"]) == (
        "appointment_type_inactive",
        "appointment_type",
    )
    row.refresh_from_db()
    assert row.resolved_at is None

    appointment_type_save(actor=s.admin, appointment_type=s.session, is_active=True)
    # The series books again from the next run, and the gap can be filled.
    assert series_extend(series_id=s.series.pk, today=s.today + timedelta(days=21)) == {"booked": 1, "skipped": 0}
    booked = api_for(s.front_desk).post(url, {}, format="json")
    assert booked.status_code == 200, booked.content
    assert booked.json()["resolution"] == "booked"
    assert s.series.appointments.filter(series_date=row.series_date).exists()


@pytest.mark.parametrize("gone", ["clinician_membership"], indirect=True)
def test_a_row_of_a_clinician_whose_membership_ended_is_not_booked_with_them(gone):
    """The booking rules alone would book them (they check the clinician profile): the row refuses."""
    s = gone
    series_extend(series_id=s.series.pk, today=s.today + timedelta(days=14))
    row = SeriesSkippedOccurrence.objects.filter(series=s.series).order_by("series_date").first()
    with pytest.raises(Conflict) as refused:
        skipped_occurrence_book(actor=s.front_desk, skipped=row)
    assert (refused.value.code, refused.value.extra["resource"]) == ("clinician_inactive", "clinician")
    assert not s.series.appointments.filter(series_date=row.series_date).exists()


@pytest.mark.parametrize("gone", ["clinician"], indirect=True)
def test_cancelling_the_series_withdraws_its_open_rows(gone):
    s = gone
    series_extend(series_id=s.series.pk, today=s.today + timedelta(days=14))
    series_cancel(actor=s.front_desk, series=s.series)
    assert [r[3] for r in _rows(s.series)] == ["withdrawn", "withdrawn"]
    assert series_extend(series_id=s.series.pk, today=s.today + timedelta(days=21)) == {"booked": 0, "skipped": 0}


@pytest.mark.parametrize("gone", ["room", "appointment_type"], indirect=True)
def test_rows_hold_the_code_only_no_names(gone):
    s = gone
    s.session.name = "Trauma processing (EMDR)"
    s.session.save(update_fields=["name"])
    series_extend(series_id=s.series.pk, today=s.today + timedelta(days=14))
    response = api_for(s.front_desk).get("/api/v1/series/skipped-occurrences/", {"series": s.series.pk})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["conflict_code"], r["resource"]) for r in results] == [(s.code, s.resource)] * 2
    assert all(set(r) == SKIPPED_FIELDS for r in results)
    text = response.content.decode()
    for name in (s.session.name, "EMDR", s.room.name, s.client.first_name, s.client.last_name):
        assert name not in text
    stored = SeriesSkippedOccurrence.objects.filter(series=s.series).values_list("conflict_code", "resource")
    assert set(stored) == {(s.code, s.resource)}


# --- the beat task ------------------------------------------------------------------------------------------------


def test_the_beat_task_extends_the_other_series_when_one_is_withdrawn_and_one_is_broken(db, caplog):
    from backend.celery import app
    from scheduling.tasks import series_extend_all_task, series_extend_task

    s = build_sched()
    inactive = two_week_series(s)
    healthy, _ = weekly(s, clinician=s.clinician2, clients=[s.client2], start=s.start)
    broken, _ = series_create(
        actor=s.front_desk, clinician=s.clinician2, clients=[s.client2], appointment_type=s.session,
        mode="telehealth", time_zone="America/New_York", start_date=s.start, local_time=time(14, 0),
        rrule="FREQ=WEEKLY",
    )  # fmt: skip
    clinician_update(actor=s.admin, clinician=s.clinician, is_active=False)
    # Data no code path writes (an import gone wrong): expanding the series raises.
    AppointmentSeries.objects.filter(pk=broken.pk).update(time_zone="Nowhere/Atlantis")
    # one more week for every series to extend into
    s.practice.settings = {"mfa_required": False, "series_horizon_days": 21}
    s.practice.save()
    with pytest.raises(ZoneInfoNotFoundError), caplog.at_level("ERROR", logger="scheduling.tasks"):
        series_extend_task(broken.pk)
    assert f"series {broken.pk}: the rolling extension failed" in caplog.text

    app.conf.task_always_eager = True  # the per-series tasks run here, in this test's transaction
    try:
        result = series_extend_all_task()
    finally:
        app.conf.task_always_eager = False
    assert result == {"series": 3, "open_skipped": 1}
    assert healthy.appointments.count() == 3
    assert _rows(inactive) == [(s.start + timedelta(days=14), "clinician_inactive", "clinician", "")]
    broken.refresh_from_db()
    assert broken.materialised_until == s.today + timedelta(days=14)
    assert broken.appointments.count() == 2
