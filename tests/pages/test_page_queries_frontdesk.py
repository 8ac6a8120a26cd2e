"""The front desk's pages in a pinned number of queries that does not grow with what they list: the calendar
with 3 sessions and with 30 (3 clinicians, a week), the lists with 3 and with 30 rows.

Each count is beyond the shell's (SHELL_QUERIES, tests/pages/test_page_queries.py) and named per page below.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from practice import roles
from practice.models import CareTeamMember
from scheduling.models import Appointment, AppointmentClient, Status, WaitlistEntry
from tests.factories.intake import packet_for
from tests.factories.practice import ClientFactory, ClinicianFactory, MembershipFactory, PracticeFactory
from tests.factories.scheduling import AppointmentTypeFactory, LocationFactory, RoomFactory, working_every_day
from tests.pages.conftest import signed_in_client
from tests.pages.test_page_queries import SHELL_QUERIES

TZ = "America/New_York"


@pytest.fixture
def office(db):
    practice = PracticeFactory(time_zone=TZ)
    desk = MembershipFactory(practice=practice, roles=[roles.FRONT_DESK])
    clinicians = [ClinicianFactory(membership__practice=practice, time_zone=TZ) for _ in range(3)]
    for c in clinicians:
        working_every_day(c, start=time(8, 0), end=time(18, 0))
    kind = AppointmentTypeFactory(practice=practice, name="Individual session", duration_minutes=50)
    room = RoomFactory(location=LocationFactory(practice=practice), name="Room 1")
    RoomFactory(location=room.location, name="Room 2")
    monday = (timezone.now().astimezone(ZoneInfo(TZ)) + timedelta(days=14)).date()
    monday -= timedelta(days=monday.weekday())
    return {
        "practice": practice,
        "desk": desk,
        "clinicians": clinicians,
        "type": kind,
        "room": room,
        "monday": monday,
        "made": 0,
    }


def _sessions(office, n: int) -> list[Appointment]:
    """n more sessions in the week of office["monday"]: each clinician's days filled from 08:00, hourly,
    every other one in person in a room; every fifth one cancelled, the third among them (a waitlist opening)."""
    made = []
    for i in range(office["made"], office["made"] + n):
        clinician = office["clinicians"][i % 3]
        slot = i // 3
        day, hour = office["monday"] + timedelta(days=slot // 9 % 5), 8 + slot % 9
        starts = datetime.combine(day, time(hour), tzinfo=ZoneInfo(TZ))
        ends = starts + timedelta(minutes=50)
        in_person = i % 2 == 0 and i % 3 == 0
        cancelled = i % 5 == 2
        appointment = Appointment.objects.create(
            practice=office["practice"],
            clinician=clinician,
            appointment_type=office["type"],
            mode="in_person" if in_person else "telehealth",
            room=office["room"] if in_person else None,
            starts_at=starts,
            ends_at=ends,
            occupied=DateTimeTZRange(starts, ends),
            status=Status.CANCELLED if cancelled else Status.SCHEDULED,
        )
        client = ClientFactory(practice=office["practice"])
        AppointmentClient.objects.create(
            practice=office["practice"],
            appointment=appointment,
            client=client,
            span=DateTimeTZRange(starts, ends),
        )
        CareTeamMember.objects.create(practice=office["practice"], client=client, clinician=clinician)
        WaitlistEntry.objects.create(practice=office["practice"], client=client, appointment_type=office["type"])
        made.append(appointment)
    office["made"] += n
    return made


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx) - SHELL_QUERIES


def _pages(office, first: Appointment, client_pk: int) -> dict[str, str]:
    day = office["monday"].isoformat()
    return {
        "calendar-day": f"/calendar/?view=day&date={day}",
        "calendar-day-free": f"/calendar/?view=day&date={day}&free_for={office['type'].pk}",
        "calendar-week": f"/calendar/?view=week&date={day}",
        "calendar-week-rooms": f"/calendar/?view=week&by=room&date={day}",
        "book": f"/book/?client={client_pk}",
        "book-search": "/book/?client_q=zz",
        "slots": f"/slots/?appointment_type={office['type'].pk}&mode=telehealth&date_from={day}&date_to={day}",
        "series": "/series/new/",
        "appointment": f"/appointments/{first.pk}/",
        "clients": "/clients/",
        "clients-search": "/clients/?q=a",
        "client": f"/clients/{client_pk}/",
        "client-edit": f"/clients/{client_pk}/edit/",
        "client-new": "/clients/new/",
        "waitlist": "/waitlist/",
    }


# Queries beyond the shell's, per page.
PINNED = {
    "calendar-day": 7,  # the filter form's selects, the columns' clinicians, the sessions with clients (prefetch)
    "calendar-day-free": 13,  # + slots_for: rules, exceptions and bookings of the shown clinicians (one)
    "calendar-week": 6,
    "calendar-week-rooms": 6,
    "book": 4,  # the form's clinicians, types, rooms; the chosen client
    "book-search": 4,
    "slots": 6,  # the form's selects + slots_for (rules, exceptions and bookings in one)
    "series": 3,
    "appointment": 6,  # the appointment with its clients, history, reminders, the forms' selects
    "clients": 3,  # count + one page + its audit event (client_list_read)
    "clients-search": 3,
    "client": 6,  # the read audited (client_read), care team, packets with their form count, the two forms' choices
    "client-edit": 1,
    "client-new": 0,
    "waitlist": 4,  # openings, their matches (one query for all), everyone waiting, the form's choices
}


def test_front_desk_pages_cost_the_same_with_3_sessions_and_with_30(office):
    first = _sessions(office, 3)[0]
    chosen = first.clients.get()
    packet_for(chosen, "phq-9")
    browser = signed_in_client(office["desk"])
    pages = _pages(office, first, chosen.pk)
    small = {name: _queries(browser, url) for name, url in pages.items()}
    _sessions(office, 27)
    for _ in range(3):
        packet_for(chosen, "phq-9")
    CareTeamMember.objects.create(practice=office["practice"], client=chosen, clinician=office["clinicians"][1])
    assert Appointment.objects.filter(practice=office["practice"]).count() == 30
    large = {name: _queries(browser, url) for name, url in pages.items()}
    assert large == small, {n: (small[n], large[n]) for n in pages if small[n] != large[n]}
    assert small == PINNED
