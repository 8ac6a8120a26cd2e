"""The slot search's integer arithmetic at its edges (scheduling/services/availability.py): a gap exactly the
session plus its buffers is bookable, one minute less is not; a window across a daylight-saving change is
rendered instant by instant."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduling.services.booking import appointment_book
from tests.factories.practice import ClinicianFactory
from tests.factories.scheduling import AvailabilityRuleFactory
from tests.scheduling.test_slots import MONDAY, NY, local_times, monday_clinician, slots


def _book(s, clinician, at):
    appointment_book(
        actor=s.front_desk,
        clinician=clinician,
        clients=[s.client2],
        appointment_type=s.session,
        starts_at=at,
        mode="telehealth",
    )


def test_a_gap_of_exactly_the_session_and_its_buffer_is_a_slot(sched):
    clinician = monday_clinician(sched)  # Monday 09:00-17:00 New York; 50 min + 10 min buffer after
    _book(sched, clinician, datetime(2027, 2, 1, 9, 0, tzinfo=NY))  # takes 09:00-10:00
    _book(sched, clinician, datetime(2027, 2, 1, 11, 0, tzinfo=NY))  # takes 11:00-12:00
    times = local_times(slots(sched, [clinician]))
    assert times[:2] == ["10:00", "12:00"]  # 10:00-10:50 + buffer ends as the 11:00 session starts


def test_a_gap_one_minute_short_is_no_slot(sched):
    clinician = monday_clinician(sched)
    _book(sched, clinician, datetime(2027, 2, 1, 9, 0, tzinfo=NY))
    _book(sched, clinician, datetime(2027, 2, 1, 10, 59, tzinfo=NY))  # takes 10:59-11:59
    times = local_times(slots(sched, [clinician]))
    assert times[0] == "12:00"  # 11:59 is not on the 15-minute grid; 12:00 is the first start after it


def test_a_window_across_a_daylight_saving_change_of_the_rendered_zone(sched):
    # 7 November 2027: New York falls back at 06:00 UTC. A London clinician works 05:00-09:00 (UTC, winter),
    # rendered in New York: the window straddles the change there.
    london = ZoneInfo("Europe/London")
    clinician = ClinicianFactory(membership__practice=sched.practice, time_zone="Europe/London")
    AvailabilityRuleFactory(clinician=clinician, weekday=6, start_time=time(5, 0), end_time=time(9, 0))
    sunday = date(2027, 11, 7)
    found = slots(sched, [clinician], date_from=sunday, date_to=sunday, now=datetime(2027, 10, 1, tzinfo=UTC))
    starts = [s["starts_at"] for s in found if s["starts_at"].astimezone(london).date() == sunday]
    first = datetime(2027, 11, 7, 5, 0, tzinfo=UTC)
    assert [s.astimezone(UTC) for s in starts] == [first + timedelta(minutes=15 * k) for k in range(13)]
    assert [s.isoformat()[11:] for s in starts[3:6]] == ["01:45:00-04:00", "01:00:00-05:00", "01:15:00-05:00"]
    # (as instants: two datetimes of one zone subtract by wall time)
    assert all(s["ends_at"].astimezone(UTC) - s["starts_at"].astimezone(UTC) == timedelta(minutes=50) for s in found)
    assert all(s["starts_at"].tzinfo is NY for s in found)


def test_many_clinicians_come_in_time_then_clinician_order(sched):
    clinicians = [monday_clinician(sched) for _ in range(3)]
    found = slots(sched, list(reversed(clinicians)))
    keys = [(s["starts_at"], s["clinician"]) for s in found]
    assert keys == sorted(keys)
    assert len(found) == 3 * len(slots(sched, clinicians[:1]))
    assert {s["clinician"] for s in found[:3]} == {c.pk for c in clinicians}
    assert MONDAY == found[0]["starts_at"].date()
