"""The clients' and the waitlist's pages do what they say (Django test client, real database): a consent given
on the page is stamped by the service with when and by whom; the waitlist shows the entries a cancelled time
suits and offering it books that client at that time and takes them off the list, in one transaction."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.utils import timezone

from practice import roles
from practice.models import AuditEvent, Client
from scheduling.models import Appointment, AppointmentClient, Status, WaitlistEntry
from tests.factories.practice import ClientFactory, ClinicianFactory, MembershipFactory, PracticeFactory
from tests.factories.scheduling import AppointmentTypeFactory, working_every_day
from tests.pages.conftest import signed_in_client

TZ = "America/New_York"


@pytest.fixture
def desk(db):
    practice = PracticeFactory(time_zone=TZ)
    member = MembershipFactory(practice=practice, roles=[roles.FRONT_DESK], user__email="desk@example.test")
    return {"practice": practice, "member": member, "browser": signed_in_client(member)}


def test_a_client_created_on_the_page_has_the_sms_consent_stamped(desk):
    response = desk["browser"].post(
        "/clients/new/",
        {
            "first_name": "Ana",
            "last_name": "Quill",
            "pronouns": "she/her",
            "email": "ana@example.test",
            "phone": "+14155550199",
            "preferred_channel": "sms",
            "country": "US",
            "time_zone": "America/Chicago",
            "language": "en",
            "sms_consent": "on",
        },
    )
    client = Client.objects.get(practice=desk["practice"], last_name="Quill")
    assert response.status_code == 302 and response["Location"] == f"/clients/{client.pk}/"
    assert client.sms_consent and client.sms_consent_at is not None
    assert client.sms_consent_source == "staff:desk@example.test"
    assert not client.email_consent and client.email_consent_at is None
    page = desk["browser"].get(f"/clients/{client.pk}/").content.decode()
    assert "staff:desk@example.test" in page and "she/her" in page
    # Both reads are audited by their selectors: the record (client_read) and the list's page (client_list_read).
    desk["browser"].get("/clients/")
    events = AuditEvent.objects.filter(actor=desk["member"].user, object_type="practice.client")
    assert events.filter(action=AuditEvent.Action.READ, object_id=str(client.pk)).count() == 1
    assert str(client.pk) in str(
        events.exclude(action=AuditEvent.Action.READ)
        .exclude(action__in=[AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE])
        .get()
        .detail
    )


def test_an_invalid_client_is_told_by_field(desk):
    response = desk["browser"].post("/clients/new/", {"first_name": "Ana", "time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="id_last_name_errors"' in body and 'id="id_time_zone_errors"' in body
    assert not Client.objects.filter(practice=desk["practice"]).exists()


def test_the_waitlist_shows_who_a_cancelled_time_suits_and_offering_it_books_them(desk):
    practice = desk["practice"]
    clinician = ClinicianFactory(membership__practice=practice, time_zone=TZ)
    working_every_day(clinician, start=time(8, 0), end=time(18, 0))
    kind = AppointmentTypeFactory(practice=practice, duration_minutes=50)
    day = (timezone.now().astimezone(ZoneInfo(TZ)) + timedelta(days=10)).date()
    starts = datetime.combine(day, time(10), tzinfo=ZoneInfo(TZ))
    ends = starts + timedelta(minutes=50)
    opening = Appointment.objects.create(
        practice=practice,
        clinician=clinician,
        appointment_type=kind,
        mode="telehealth",
        video_link="https://video.example.org/x",
        starts_at=starts,
        ends_at=ends,
        occupied=DateTimeTZRange(starts, ends),
        status=Status.CANCELLED,
    )
    gone = ClientFactory(practice=practice)
    AppointmentClient.objects.create(
        practice=practice, appointment=opening, client=gone, span=DateTimeTZRange(starts, ends)
    )
    suits = ClientFactory(practice=practice, first_name="Rosa", last_name="Suitable", time_zone=TZ)
    other_day = ClientFactory(practice=practice, first_name="Otto", last_name="Otherday", time_zone=TZ)
    WaitlistEntry.objects.create(
        practice=practice, client=other_day, appointment_type=kind, preferred_weekdays=[(day.weekday() + 1) % 7]
    )
    entry = WaitlistEntry.objects.create(
        practice=practice, client=suits, appointment_type=kind, earliest_time=time(9), latest_time=time(12)
    )
    page = desk["browser"].get("/waitlist/").content.decode()
    matches = page[: page.index("Everyone waiting")]
    assert "Offer this time to Rosa Suitable" in matches and "Otherday" not in matches
    assert "Otto Otherday" in page[page.index("Everyone waiting") :]

    response = desk["browser"].post(f"/waitlist/{entry.pk}/offer/", {"opening": opening.pk})
    booked = Appointment.objects.exclude(pk=opening.pk).get(practice=practice)
    assert response.status_code == 302 and response["Location"] == f"/appointments/{booked.pk}/"
    assert list(booked.clients.all()) == [suits]
    assert (booked.starts_at, booked.clinician, booked.mode) == (starts, clinician, "telehealth")
    entry.refresh_from_db()
    assert entry.fulfilled_at is not None
    # Offered once: the entry is off the list, a second offer finds nothing to offer.
    assert desk["browser"].post(f"/waitlist/{entry.pk}/offer/", {"opening": opening.pk}).status_code == 404
