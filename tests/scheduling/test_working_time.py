"""The one read of working hours and time off (`working_time_read`) that the booking's check and the slot search
share: it keeps to the rules in effect on the dates asked about, which are UTC dates, and a local day can start
14 hours before its UTC date or end 11 hours after it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from scheduling.models import AvailabilityException
from scheduling.services.availability import clinician_is_available, working_time_read
from scheduling.services.booking import appointment_book
from tests.factories.practice import ClinicianFactory
from tests.factories.scheduling import AvailabilityExceptionFactory, AvailabilityRuleFactory

DAY = date(2027, 3, 3)
HOUR = timedelta(hours=1)


@pytest.mark.django_db
@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC"])  # +14, -11
def test_the_booking_check_reads_a_rule_in_effect_on_one_local_day_at_either_end_of_that_day(zone):
    clinician = ClinicianFactory(time_zone=zone)
    tz = ZoneInfo(zone)
    for weekday in range(7):  # every day of the week, but in effect on DAY alone
        AvailabilityRuleFactory(
            clinician=clinician,
            weekday=weekday,
            start_time=time(0),
            end_time=time(23, 30),
            effective_from=DAY,
            effective_until=DAY,
        )

    def available(day: date, at: time) -> bool:
        starts_at = datetime.combine(day, at, tzinfo=tz)
        return clinician_is_available(clinician=clinician, starts_at=starts_at, ends_at=starts_at + HOUR)

    assert available(DAY, time(0))  # Kiritimati: 10:00 UTC the day before
    assert available(DAY, time(22))  # Pago Pago: 09:00 UTC the day after
    assert not available(DAY, time(23))  # past the day's hours
    assert not available(DAY - timedelta(days=1), time(22))
    assert not available(DAY + timedelta(days=1), time(0))
    assert not available(DAY + timedelta(days=7), time(0))  # the same weekday, out of effect


def test_the_read_keeps_each_part_to_its_clinician_and_range_and_merges_the_booked_time(
    sched, django_assert_num_queries
):
    one = ClinicianFactory(membership__practice=sched.practice, time_zone="UTC")
    other = ClinicianFactory(membership__practice=sched.practice, time_zone="UTC")
    AvailabilityRuleFactory(clinician=one, weekday=DAY.weekday(), start_time=time(9), end_time=time(17))
    AvailabilityRuleFactory(  # ended before the range
        clinician=one, weekday=DAY.weekday(), start_time=time(8), end_time=time(9), effective_until=date(2026, 1, 1)
    )
    AvailabilityRuleFactory(clinician=other, weekday=DAY.weekday(), start_time=time(10), end_time=time(12))
    noon = datetime.combine(DAY, time(12), tzinfo=UTC)
    off = AvailabilityExceptionFactory(clinician=one, starts_at=noon, ends_at=noon + HOUR)
    AvailabilityExceptionFactory(  # a week later: outside the range
        clinician=one, starts_at=noon + timedelta(days=7), ends_at=noon + timedelta(days=7, hours=1)
    )
    for starts_at in (noon - 2 * HOUR, noon - HOUR):  # 50 minutes + 10 after each: the two ranges touch
        appointment_book(
            actor=sched.front_desk,
            clinician=one,
            clients=[sched.client2],
            appointment_type=sched.session,
            starts_at=starts_at,
            mode="telehealth",
        )
    start, end = datetime.combine(DAY, time(0), tzinfo=UTC), datetime.combine(DAY, time(23), tzinfo=UTC)

    with django_assert_num_queries(1):
        read = working_time_read(clinician_ids=[one.pk], start=start, end=end, busy=(start, end))
    with django_assert_num_queries(1):
        without_busy = working_time_read(clinician_ids=[one.pk, other.pk], start=start, end=end)

    assert [(r.start_time, r.end_time, r.effective_until) for r in read.rules[one.pk]] == [(time(9), time(17), None)]
    assert [(e.kind, e.starts_at, e.ends_at) for e in read.exceptions[one.pk]] == [
        (AvailabilityException.Kind.TIME_OFF, off.starts_at, off.ends_at)
    ]
    us = 1_000_000
    assert read.busy[one.pk] == [(int((noon - 2 * HOUR).timestamp()) * us, int(noon.timestamp()) * us)]
    assert other.pk not in read.rules
    assert [r.start_time for r in without_busy.rules[other.pk]] == [time(10)]
    assert [r.start_time for r in without_busy.rules[one.pk]] == [time(9)]
    assert without_busy.busy == {}
