"""Series keep their local wall time across daylight-saving changes, in both hemispheres."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.errors import Conflict, DomainError
from scheduling.models import Appointment, AppointmentSeries, Status
from scheduling.services.booking import appointment_book
from scheduling.services.series import rrule_validate, series_create, series_extend
from scheduling.services.series_changes import series_cancel, series_edit
from scheduling.timezones import AMBIGUOUS_FIRST, SHIFTED_FORWARD, resolve_local
from tests.factories.scheduling import AvailabilityExceptionFactory, working_every_day
from tests.scheduling.conftest import build_sched

# Every date here is the next one to come (within about a year) of the rules the zones follow, so a series always
# starts ahead (series_rules.MAX_PAST_DAYS refuses a start long past) and within the booking horizon, whatever day
# the suite runs on.
TODAY = date.today()


def nth_sunday(year: int, month: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(6 - first.weekday()) % 7 + 7 * (n - 1))


def next_change(month: int, n: int) -> date:
    """The next n-th Sunday of `month` at least two weeks ahead (a series starts 13 days before it)."""
    this_year = nth_sunday(TODAY.year, month, n)
    return this_year if this_year - timedelta(days=14) > TODAY else nth_sunday(TODAY.year + 1, month, n)


NY_SPRING = next_change(3, 2)  # New York springs forward on the second Sunday of March
NY_FALL = next_change(11, 1)  # and falls back on the first Sunday of November
SYD_FALL = next_change(4, 1)  # Sydney falls back (AEDT +11 -> AEST +10) on the first Sunday of April
SYD_SPRING = next_change(10, 1)  # and springs forward (AEST +10 -> AEDT +11) on the first Sunday of October
# February's first Monday ahead: its next five weeks are all EST, before New York's spring change.
FEB = next(
    d
    for d in (date(y, 2, 1) + timedelta(days=(-date(y, 2, 1).weekday()) % 7) for y in (TODAY.year, TODAY.year + 1))
    if d > TODAY
)


def day(offset: int) -> date:
    return FEB + timedelta(days=offset)


def at(offset: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day(offset), time(hour, minute), tzinfo=UTC)


def make_series(s, *, start_date, local_time=time(10, 0), tz="America/New_York", rrule="FREQ=WEEKLY", **kw):
    kw.setdefault("count", 6)
    return series_create(
        actor=s.front_desk,
        clinician=s.clinician,
        clients=[s.client],
        appointment_type=s.session,
        mode="telehealth",
        time_zone=tz,
        start_date=start_date,
        local_time=local_time,
        rrule=rrule,
        **kw,
    )


def local_starts(series, tz):
    return [a.starts_at.astimezone(ZoneInfo(tz)) for a in series.appointments.order_by("starts_at")]


@pytest.mark.parametrize(
    ("tz", "start_date", "utc_hours"),
    [
        # Six Mondays from two weeks before each change: 10:00 EST is 15:00 UTC, 10:00 EDT is 14:00 UTC.
        ("America/New_York", NY_SPRING - timedelta(days=13), {15, 14}),
        ("America/New_York", NY_FALL - timedelta(days=13), {14, 15}),
        # Sydney: 10:00 AEDT is 23:00 UTC the day before, 10:00 AEST is 00:00 UTC.
        ("Australia/Sydney", SYD_FALL - timedelta(days=13), {23, 0}),
        ("Australia/Sydney", SYD_SPRING - timedelta(days=13), {0, 23}),
    ],
)
def test_weekly_series_stays_at_ten_local_across_both_transitions(db, tz, start_date, utc_hours):
    s = build_sched(tz)
    series, report = make_series(s, start_date=start_date, tz=tz)
    assert [e["status"] for e in report] == ["booked"] * 6
    starts = local_starts(series, tz)
    assert len(starts) == 6
    assert all(d.hour == 10 and d.minute == 0 for d in starts)
    assert [(b - a).days for a, b in zip(starts, starts[1:], strict=False)] == [7] * 5
    assert {a.starts_at.astimezone(UTC).hour for a in series.appointments.all()} == utc_hours


def test_nonexistent_local_time_shifts_forward_by_the_gap_and_says_so(db):
    s = build_sched("America/New_York")
    series, report = make_series(
        s, start_date=NY_SPRING - timedelta(days=7), local_time=time(2, 30), count=2, outside_availability=True
    )
    assert report[0]["dst_adjustment"] is None
    assert report[1]["dst_adjustment"] == SHIFTED_FORWARD
    second = series.appointments.get(series_date=NY_SPRING)
    assert second.starts_at.astimezone(ZoneInfo("America/New_York")).time() == time(3, 30)
    assert second.starts_at == datetime.combine(NY_SPRING, time(7, 30), tzinfo=UTC)


def test_ambiguous_local_time_takes_the_first_occurrence(db):
    s = build_sched("America/New_York")
    series, report = make_series(s, start_date=NY_FALL, local_time=time(1, 30), count=1, outside_availability=True)
    assert report[0]["dst_adjustment"] == AMBIGUOUS_FIRST
    assert series.appointments.get().starts_at == datetime.combine(NY_FALL, time(5, 30), tzinfo=UTC)  # 01:30 EDT


def test_sydney_gap_and_overlap_follow_the_same_rule():
    sydney = ZoneInfo("Australia/Sydney")
    instant, rule = resolve_local(datetime.combine(SYD_SPRING, time(2, 30)), sydney)
    assert rule == SHIFTED_FORWARD and instant.astimezone(sydney).time() == time(3, 30)
    instant, rule = resolve_local(datetime.combine(SYD_FALL, time(2, 30)), sydney)
    assert rule == AMBIGUOUS_FIRST and instant.astimezone(sydney).utcoffset() == timedelta(hours=11)


def test_every_other_week_and_rrule_validation(db):
    s = build_sched()
    series, _ = make_series(s, start_date=day(0), rrule="RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", count=3)
    assert [a.series_date for a in series.appointments.order_by("starts_at")] == [
        day(0),
        day(14),
        day(28),
    ]
    for bad in ("FREQ=FORTNIGHTLY", "FREQ=WEEKLY;COUNT=3", "nonsense", "FREQ=WEEKLY;BYDAY=XX", "FREQ=HOURLY"):
        with pytest.raises(DomainError) as err:
            rrule_validate(bad)
        assert "rrule" in err.value.fields


def test_series_reports_conflicts_during_leave_all_or_nothing(db):
    s = build_sched()
    AvailabilityExceptionFactory(clinician=s.clinician, starts_at=at(13, 0), ends_at=at(20, 0))
    with pytest.raises(Conflict) as err:
        make_series(s, start_date=day(0), until_date=day(149), count=None)
    report = err.value.extra["occurrences"]
    conflicts = [e for e in report if e["status"] == "conflict"]
    assert [e["date"] for e in conflicts] == [day(14).isoformat()]
    assert conflicts[0]["conflict"]["code"] == "clinician_unavailable"
    assert not Appointment.objects.exists() and not AppointmentSeries.objects.exists()


def test_series_book_the_rest_skips_conflicts_and_reports_them(db):
    s = build_sched()
    appointment_book(
        actor=s.front_desk,
        clinician=s.clinician,
        clients=[s.client2],
        appointment_type=s.session,
        starts_at=at(7, 15, 20),
        mode="telehealth",
    )
    series, report = make_series(s, start_date=day(0), count=4, on_conflict="book_available")
    assert [e["status"] for e in report] == ["booked", "conflict", "booked", "booked"]
    assert report[1]["conflict"]["resource"] == "clinician"
    assert series.appointments.count() == 3


def test_cancel_series_cancels_only_future_occurrences(db):
    s = build_sched()
    series, _ = make_series(s, start_date=day(0), count=4)
    cancelled = series_cancel(actor=s.front_desk, series=series, now=at(9, 0))
    assert cancelled == 2
    statuses = [a.status for a in series.appointments.order_by("starts_at")]
    assert statuses == [Status.SCHEDULED, Status.SCHEDULED, Status.CANCELLED, Status.CANCELLED]
    series.refresh_from_db()
    assert series.state == AppointmentSeries.State.CANCELLED


def test_edit_this_and_following_moves_the_rest_to_a_new_time(db):
    s = build_sched()
    series, _ = make_series(s, start_date=day(0), count=6)
    third = series.appointments.get(series_date=day(14))
    new, report = series_edit(
        actor=s.front_desk, series=series, appointment=third, scope="following", local_time=time(14, 0)
    )
    assert len(report) == 4 and all(e["status"] == "booked" for e in report)
    old = list(series.appointments.order_by("starts_at").values_list("status", flat=True))
    assert old == ["scheduled", "scheduled", "cancelled", "cancelled", "cancelled", "cancelled"]
    assert {a.starts_at.astimezone(ZoneInfo("America/New_York")).hour for a in new.appointments.all()} == {14}
    assert new.count == 4


def test_edit_this_only_reschedules_one_occurrence_with_history(db):
    s = build_sched()
    series, _ = make_series(s, start_date=day(0), count=3)
    second = series.appointments.get(series_date=day(7))
    moved = at(8, 18)
    series_edit(actor=s.front_desk, series=series, appointment=second, scope="this", starts_at=moved)
    second.refresh_from_db()
    assert second.starts_at == moved and second.series_id == series.pk
    change = second.changes.get(kind="rescheduled")
    assert change.old_starts_at == at(7, 15) and change.new_starts_at == moved


def test_extend_materialises_to_the_rolling_horizon_and_is_idempotent(db):
    s = build_sched()
    s.practice.settings = {"series_horizon_days": 14}
    s.practice.save()
    today = date.today()
    series, report = make_series(s, start_date=today + timedelta(days=1), count=None)
    assert len(report) == 2
    assert series_extend(series_id=series.pk, today=today + timedelta(days=14)) == {"booked": 2, "skipped": 0}
    assert series_extend(series_id=series.pk, today=today + timedelta(days=14)) == {"booked": 0, "skipped": 0}
    assert series.appointments.count() == 4
    assert len({a.series_date for a in series.appointments.all()}) == 4


def test_series_in_sydney_for_a_new_york_clinician_uses_the_series_zone(db):
    s = build_sched("America/New_York")
    working_every_day(s.clinician, start=time(0, 0), end=time(23, 59))
    series, _ = make_series(
        s,
        start_date=SYD_FALL - timedelta(days=13),
        tz="Australia/Sydney",
        local_time=time(9, 0),
        outside_availability=True,
    )
    assert {a.hour for a in local_starts(series, "Australia/Sydney")} == {9}
