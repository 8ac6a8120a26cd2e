from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling.services.booking import appointment_book
from scheduling.services.slots import slots_for
from tests.factories.practice import ClinicianFactory
from tests.factories.scheduling import AvailabilityExceptionFactory, AvailabilityRuleFactory

NY = ZoneInfo("America/New_York")
MONDAY = date(2027, 2, 1)
NOW = datetime(2027, 1, 1, tzinfo=UTC)


def monday_clinician(s, **rule):
    clinician = ClinicianFactory(membership__practice=s.practice, time_zone="America/New_York")
    AvailabilityRuleFactory(clinician=clinician, weekday=0, **rule)
    return clinician


def local_times(slots, tz=NY):
    return [s["starts_at"].astimezone(tz).strftime("%H:%M") for s in slots]


def slots(s, clinicians, mode="telehealth", tz=NY, date_from=MONDAY, date_to=MONDAY, now=NOW):
    return slots_for(
        appointment_type=s.session,
        clinicians=clinicians,
        date_from=date_from,
        date_to=date_to,
        tz=tz,
        mode=mode,
        now=now,
    )


def test_slots_honour_hours_existing_appointments_and_buffers(sched):
    clinician = monday_clinician(sched)  # Monday 09:00-17:00 New York; 50 min + 10 min buffer after
    appointment_book(
        actor=sched.front_desk,
        clinician=clinician,
        clients=[sched.client2],
        appointment_type=sched.session,
        starts_at=datetime(2027, 2, 1, 10, 0, tzinfo=NY),
        mode="telehealth",
    )
    times = local_times(slots(sched, [clinician]))
    assert times[0] == "09:00"
    assert "09:15" not in times and "10:45" not in times  # would run into the 10:00 session or its buffer
    assert times[1] == "11:00"
    assert times[-1] == "16:00"  # 16:00-16:50 ends inside working hours; 16:15 would not
    assert all(
        d.weekday() == 0
        for d in (s["starts_at"] for s in slots(sched, [clinician], date_to=MONDAY + timedelta(days=6)))
    )


def test_time_off_and_blocked_time_remove_slots(sched):
    clinician = monday_clinician(sched)
    AvailabilityExceptionFactory(
        clinician=clinician,
        kind="blocked",
        starts_at=datetime(2027, 2, 1, 13, tzinfo=NY),
        ends_at=datetime(2027, 2, 1, 14, tzinfo=NY),
    )
    times = local_times(slots(sched, [clinician]))
    assert "12:00" in times and "12:15" not in times and "13:30" not in times and "14:00" in times
    AvailabilityExceptionFactory(
        clinician=clinician, starts_at=datetime(2027, 1, 31, tzinfo=UTC), ends_at=datetime(2027, 2, 3, tzinfo=UTC)
    )
    assert slots(sched, [clinician]) == []


def test_extra_hours_add_slots(sched):
    clinician = monday_clinician(sched)
    AvailabilityExceptionFactory(
        clinician=clinician,
        kind="extra",
        starts_at=datetime(2027, 2, 2, 18, tzinfo=NY),
        ends_at=datetime(2027, 2, 2, 19, tzinfo=NY),
    )
    tuesday = slots(sched, [clinician], date_from=date(2027, 2, 2), date_to=date(2027, 2, 2))
    assert local_times(tuesday) == ["18:00"]


def test_slots_are_rendered_in_the_requested_zone(sched):
    clinician = monday_clinician(sched)
    berlin = ZoneInfo("Europe/Berlin")
    found = slots(sched, [clinician], tz=berlin, date_from=date(2027, 2, 1), date_to=date(2027, 2, 2))
    assert found[0]["starts_at"].utcoffset() == timedelta(hours=1)
    assert found[0]["starts_at"].strftime("%H:%M") == "15:00"  # 09:00 in New York


def test_minimum_notice_and_horizon(sched):
    clinician = monday_clinician(sched)
    sched.session.min_notice_hours = 24
    sched.session.save()
    now = datetime(2027, 1, 31, 14, 30, tzinfo=UTC)  # 24h notice ends Monday 09:30 New York
    assert local_times(slots(sched, [clinician], now=now))[0] == "09:30"
    sched.session.max_advance_days = 7
    sched.session.save()
    assert slots(sched, [clinician], now=datetime(2026, 12, 1, tzinfo=UTC)) == []


def test_in_person_needs_a_free_room(sched):
    clinician = monday_clinician(sched, start_time=time(9), end_time=time(10))
    assert local_times(slots(sched, [clinician], mode="in_person")) == ["09:00"]
    for room, other in ((sched.room, sched.clinician), (sched.room2, sched.clinician2)):
        appointment_book(
            actor=sched.front_desk,
            clinician=other,
            clients=[sched.client if other == sched.clinician else sched.client2],
            appointment_type=sched.session,
            starts_at=datetime(2027, 2, 1, 9, tzinfo=NY),
            mode="in_person",
            room=room,
        )
    assert slots(sched, [clinician], mode="in_person") == []
    assert local_times(slots(sched, [clinician], mode="telehealth")) == ["09:00"]


def test_slot_query_count_does_not_grow_with_range_or_clinicians(sched):
    one = monday_clinician(sched)
    many = [one] + [monday_clinician(sched) for _ in range(4)]
    for hour, clinician in enumerate(many):
        appointment_book(
            actor=sched.front_desk,
            clinician=clinician,
            clients=[sched.client2],
            appointment_type=sched.session,
            starts_at=datetime(2027, 2, 8, 12, tzinfo=NY) + timedelta(weeks=hour),
            mode="in_person",
            room=sched.room,
        )

    def count(clinicians, days, mode="in_person"):
        with CaptureQueriesContext(connection) as ctx:
            slots(sched, clinicians, mode=mode, date_to=MONDAY + timedelta(days=days))
        return len(ctx.captured_queries)

    small = count([one], 0)
    assert small <= 7
    assert count(many, 60) == small
    assert count(many, 60, mode="telehealth") <= small


def test_slots_as_text_are_the_datetimes_isoformat_across_daylight_saving_changes(sched):
    """The API's fast ISO text (as_text) is exactly isoformat() of the datetimes, on the days of both changes and
    in zones whose offsets are not whole hours."""
    clinician = ClinicianFactory(membership__practice=sched.practice, time_zone="America/New_York")
    for weekday in range(7):
        AvailabilityRuleFactory(clinician=clinician, weekday=weekday, start_time=time(0, 0), end_time=time(23, 45))
    for tz in ("America/New_York", "Europe/London", "Asia/Kathmandu", "America/St_Johns", "Australia/Lord_Howe"):
        for first in (date(2027, 3, 12), date(2027, 11, 5)):  # around the US spring-forward and fall-back
            found = {}
            for as_text in (False, True):
                found[as_text] = slots_for(
                    appointment_type=sched.session,
                    clinicians=[clinician],
                    date_from=first,
                    date_to=first + timedelta(days=3),
                    tz=ZoneInfo(tz),
                    mode="telehealth",
                    now=NOW,
                    as_text=as_text,
                )
            expected = [
                {**s, "starts_at": s["starts_at"].isoformat(), "ends_at": s["ends_at"].isoformat()}
                for s in found[False]
            ]
            assert found[True] == expected, tz
            assert len(expected) > 4 * 80
