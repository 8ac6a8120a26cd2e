"""Occurrences a series skips on a conflict are recorded once, withdrawn with their series, and answered
by the beat task (the endpoints: test_series_skipped_api.py)."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from core.errors import Conflict
from scheduling.models import AppointmentSeries, SeriesSkippedOccurrence
from scheduling.services.series import series_create, series_extend
from scheduling.services.series_changes import series_cancel, series_edit
from scheduling.services.series_skipped import skipped_occurrence_dismiss
from tests.factories.scheduling import AvailabilityExceptionFactory
from tests.scheduling.conftest import build_sched
from tests.scheduling.skipped_world import at_ten, block, other_skipped, skipped_world, weekly


@pytest.fixture
def skipped(db):
    """A series of two weeks (horizon 14 days), its third week taken by client2's appointment at 09:40,
    then the horizon moved on two weeks: week 3 skipped, week 4 booked."""
    return skipped_world()


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

    row = other_skipped(s)
    series_cancel(actor=s.front_desk, series=row.series)
    row.refresh_from_db()
    assert row.resolution == "withdrawn"


# --- the beat task ------------------------------------------------------------------------------------------------


def test_beat_task_answers_the_series_it_queued_and_the_open_skipped_occurrences(skipped):
    from backend.celery import app
    from scheduling.tasks import series_extend_all_task

    s = skipped
    other_skipped(s)
    app.conf.task_always_eager = True  # the per-series tasks run here, in this test's transaction
    try:
        result = series_extend_all_task()
    finally:
        app.conf.task_always_eager = False
    active = AppointmentSeries.objects.filter(state=AppointmentSeries.State.ACTIVE).count()
    assert result == {"series": active, "open_skipped": 2}
