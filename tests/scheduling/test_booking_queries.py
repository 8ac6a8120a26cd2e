"""A booking's statements, pinned: through the API with a token, and through the booking page.

`transaction=True`: no test transaction around the request, so the booking runs as in production, in a
transaction of its own (BEGIN ... COMMIT, counted: Django logs them) rather than in a savepoint of the test's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from practice.models import AuditEvent
from reminders.models import OutboundMessage
from reminders.services.policy import reminder_policy_for
from scheduling.models import Appointment, AppointmentChange
from tests.pages.conftest import signed_in_client
from tests.scheduling.conftest import build_sched

# A Monday four to five weeks ahead, 15:00 UTC (inside the test clinician's working hours in New York all year).
_AHEAD = date.today() + timedelta(weeks=4)
START = datetime.combine(_AHEAD + timedelta(days=-_AHEAD.weekday() % 7), time(15, 0), tzinfo=UTC)

API_BOOKING = 12
# the token (knox's per-request clean-up of expired tokens is gone: a beat task does it); the membership and
# practice; the clinician with membership, user, practice, reminder policy and the type (in scope: EXISTS on
# appointment_type_list); the clients; BEGIN;
# working hours and time off (one UNION ALL); the appointment; its client rows; the history row; the outbox
# rows; the audit event; COMMIT.


def _api(s):
    api = APIClient()
    token = AuthToken.objects.create(s.front_desk.user)[1]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_X_PRACTICE=s.practice.slug)
    return api


def _body(s, starts_at, **extra):
    return {
        "clinician": s.clinician.pk,
        "clients": [s.client.pk],
        "appointment_type": s.session.pk,
        "starts_at": starts_at.isoformat(),
        "mode": "telehealth",
        **extra,
    }


@pytest.mark.django_db(transaction=True)
def test_an_api_booking_is_a_pinned_number_of_statements_with_its_outbox_history_and_audit(
    django_assert_num_queries,
):
    s = build_sched()
    reminder_policy_for(practice=s.practice)
    api = _api(s)
    assert api.post("/api/v1/appointments/", _body(s, START - timedelta(days=1)), format="json").status_code == 201
    with django_assert_num_queries(API_BOOKING):
        reply = api.post("/api/v1/appointments/", _body(s, START), format="json")
    assert reply.status_code == 201, reply.json()
    appointment = Appointment.objects.get(pk=reply.json()["id"])
    # nothing was given up for the count: the history row, the outbox rows and the audit event are there
    assert AppointmentChange.objects.filter(appointment=appointment, kind="booked").count() == 1
    assert OutboundMessage.objects.filter(appointment_id=appointment.pk, kind="confirmation").count() == 1
    assert OutboundMessage.objects.filter(appointment_id=appointment.pk, kind="reminder").exists()
    assert AuditEvent.objects.filter(
        object_type="scheduling.appointment", object_id=str(appointment.pk), action="create"
    ).exists()


@pytest.mark.django_db(transaction=True)
def test_a_booking_with_no_reminder_policy_yet_creates_it_and_writes_its_outbox_rows():
    s = build_sched()
    reply = _api(s).post("/api/v1/appointments/", _body(s, START), format="json")
    assert reply.status_code == 201, reply.json()
    assert OutboundMessage.objects.filter(appointment_id=reply.json()["id"], kind="confirmation").count() == 1
    assert s.practice.reminder_policy.send_confirmation


@pytest.mark.django_db(transaction=True)
def test_the_booking_reply_built_from_objects_in_hand_is_the_appointment_as_read_back():
    """In person, in a room, a couple: the location and both clients in the reply, as a later read shows them."""
    from tests.factories.practice import ClientFactory

    s = build_sched()
    partner = ClientFactory(practice=s.practice)
    api = _api(s)
    body = _body(s, START, clients=[partner.pk, s.client.pk], mode="in_person", room=s.room.pk)
    booked = api.post("/api/v1/appointments/", body, format="json")
    assert booked.status_code == 201, booked.json()
    read = api.get(f"/api/v1/appointments/{booked.json()['id']}/")
    assert booked.json() == read.json()
    assert booked.json()["location"] == s.room.location.name
    assert [c["id"] for c in booked.json()["clients"]] == sorted([partner.pk, s.client.pk])


@pytest.mark.django_db(transaction=True)
def test_a_taken_time_without_a_savepoint_still_names_when_it_is_taken_and_writes_nothing():
    from tests.factories.practice import ClientFactory

    s = build_sched()
    api = _api(s)
    assert api.post("/api/v1/appointments/", _body(s, START), format="json").status_code == 201
    other = ClientFactory(practice=s.practice)
    refused = api.post(
        "/api/v1/appointments/", _body(s, START + timedelta(minutes=30), clients=[other.pk]), format="json"
    )
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "clinician_taken"
    # the clinician's time the first booking holds: its 50 minutes and the type's 10-minute buffer after
    assert (error["taken_from"], error["taken_until"]) == (START.isoformat(), (START + timedelta(hours=1)).isoformat())
    assert Appointment.objects.filter(clinician=s.clinician).count() == 1
    assert AppointmentChange.objects.count() == 1
    assert not OutboundMessage.objects.filter(client=other).exists()


PAGE_BOOKING = 6 + 11
# the page shell's 6 (session, user, memberships and practices; the session's save, flash message included:
# BEGIN, UPDATE, COMMIT); the form's client, clinician (with membership, user, practice and reminder policy) and
# type; BEGIN; working hours and time off (one query); the appointment; its client rows; the history row; the
# outbox rows; the audit event; COMMIT.


@pytest.mark.django_db(transaction=True)
def test_a_page_booking_is_a_pinned_number_of_statements(django_assert_num_queries):
    s = build_sched()
    reminder_policy_for(practice=s.practice)
    page = signed_in_client(s.front_desk)
    local = START.astimezone(ZoneInfo(s.practice.time_zone))
    form = {
        "client": s.client.pk,
        "clinician": s.clinician.pk,
        "appointment_type": s.session.pk,
        "day": local.date().isoformat(),
        "start_time": local.strftime("%H:%M"),
        "mode": "telehealth",
        "video_link": "",
        "tz": s.practice.time_zone,
    }
    page.post("/book/", {**form, "day": (local - timedelta(days=1)).date().isoformat()})
    with django_assert_num_queries(PAGE_BOOKING):
        answer = page.post("/book/", form)
    assert answer.status_code == 302, answer.content[:500]
    assert Appointment.objects.filter(clinician=s.clinician, starts_at=START).count() == 1


@pytest.mark.django_db
def test_the_one_query_availability_check_reads_rules_extra_hours_and_time_off_alike(django_assert_num_queries):
    """Working hours and exceptions come back through one UNION ALL: each row must land on its own side."""
    from scheduling.models import AvailabilityException
    from scheduling.services.availability import clinician_is_available
    from tests.factories.practice import ClinicianFactory
    from tests.factories.scheduling import AvailabilityExceptionFactory, AvailabilityRuleFactory

    clinician = ClinicianFactory(time_zone="UTC")
    monday = datetime(2027, 2, 1, 10, 0, tzinfo=UTC)
    hour = timedelta(hours=1)

    def available(starts_at):
        with django_assert_num_queries(1):
            return clinician_is_available(clinician=clinician, starts_at=starts_at, ends_at=starts_at + hour)

    assert not available(monday)  # no hours at all
    AvailabilityRuleFactory(clinician=clinician, weekday=0, start_time=time(9), end_time=time(17))
    AvailabilityRuleFactory(  # Tuesdays, but only until a past date
        clinician=clinician, weekday=1, start_time=time(9), end_time=time(17), effective_until=date(2021, 1, 1)
    )
    assert available(monday)
    assert not available(monday + timedelta(days=1))
    assert not available(monday.replace(hour=16, minute=30))  # runs past the end of the day's hours
    AvailabilityExceptionFactory(
        clinician=clinician,
        kind=AvailabilityException.Kind.EXTRA,
        starts_at=monday.replace(hour=17),
        ends_at=monday.replace(hour=19),
    )
    assert available(monday.replace(hour=16, minute=30))  # the extra hours continue the day
    AvailabilityExceptionFactory(
        clinician=clinician, kind=AvailabilityException.Kind.BLOCKED, starts_at=monday, ends_at=monday + hour / 2
    )
    assert not available(monday)
    assert available(monday + hour)


@pytest.mark.django_db(transaction=True)
def test_a_type_read_with_the_clinician_still_answers_out_of_scope_like_unknown_naming_its_field():
    """The type rides on the clinician's query; any type that query does not vouch for is refused as before."""
    from tests.factories.practice import PracticeFactory
    from tests.factories.scheduling import AppointmentTypeFactory

    s = build_sched()
    api = _api(s)
    elsewhere = AppointmentTypeFactory(practice=PracticeFactory())
    missing = {"appointment_type": [f'Invalid pk "{elsewhere.pk}" - object does not exist.']}

    def refusal(**extra):
        reply = api.post("/api/v1/appointments/", _body(s, START, **extra), format="json")
        assert reply.status_code == 400, reply.json()
        return reply.json()["error"]["fields"]

    assert refusal(appointment_type=elsewhere.pk) == missing
    assert refusal(appointment_type=elsewhere.pk + 10_000) == {
        "appointment_type": [f'Invalid pk "{elsewhere.pk + 10_000}" - object does not exist.']
    }
    assert set(refusal(appointment_type="abc")) == {"appointment_type"}
    assert set(refusal(appointment_type=True)) == {"appointment_type"}
    # the clinician not found: the type, a good one, is not reported; both bad: both named
    assert set(refusal(clinician=10**9)) == {"clinician"}
    assert set(refusal(clinician=10**9, appointment_type=elsewhere.pk)) == {"clinician", "appointment_type"}
    assert not Appointment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_couple_is_booked_in_the_same_statements_as_one_client_and_a_bad_client_id_is_refused_by_name(
    django_assert_num_queries,
):
    """The clients' ids are read in one query however many there are; a bad one still answers DRF's message."""
    from tests.factories.practice import ClientFactory, PracticeFactory

    s = build_sched()
    reminder_policy_for(practice=s.practice)
    partner = ClientFactory(practice=s.practice)
    api = _api(s)
    assert api.post("/api/v1/appointments/", _body(s, START - timedelta(days=1)), format="json").status_code == 201
    with django_assert_num_queries(API_BOOKING):
        reply = api.post("/api/v1/appointments/", _body(s, START, clients=[partner.pk, s.client.pk]), format="json")
    assert reply.status_code == 201, reply.json()
    assert [c["id"] for c in reply.json()["clients"]] == sorted([partner.pk, s.client.pk])
    stranger = ClientFactory(practice=PracticeFactory())
    refused = api.post(
        "/api/v1/appointments/", _body(s, START + timedelta(days=1), clients=[s.client.pk, stranger.pk]), format="json"
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {"clients": [f'Invalid pk "{stranger.pk}" - object does not exist.']}
    twice = api.post(
        "/api/v1/appointments/", _body(s, START + timedelta(days=1), clients=[s.client.pk, s.client.pk]), format="json"
    )
    assert twice.status_code == 400 and set(twice.json()["error"]["fields"]) == {"clients"}
