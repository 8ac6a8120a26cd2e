"""A progress note is signed only for a session that took place, and a signed note's appointment can be neither
cancelled nor moved, by anyone (issue 15)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import Conflict
from notes import services
from notes.models import ProgressNote
from reminders.links import link_token
from scheduling.models import Appointment, AppointmentClient
from scheduling.services.appointment_changes import appointment_cancel, appointment_reschedule
from tests.factories.notes import appointment_for, draft_note

pytestmark = pytest.mark.django_db


def _appointment(world, *, starts_in: timedelta, status: str):
    appointment = appointment_for(world.p.clinician, world.p.client_a, starts_at=timezone.now() + starts_in)
    Appointment.objects.filter(pk=appointment.pk).update(status=status)
    appointment.refresh_from_db()
    return appointment


def _sign(world, appointment):
    note = draft_note(world.p.clinician, world.p.client_a, appointment=appointment)
    return world.client_for("clinician").post(f"/api/v1/progress-notes/{note.pk}/sign/", format="json"), note


@pytest.mark.parametrize(
    ("starts_in", "status"),
    [
        (timedelta(days=7), "scheduled"),  # next week's session
        (timedelta(days=7), "confirmed"),
        (timedelta(minutes=-60), "cancelled"),  # its time has passed, but it never took place
        (timedelta(minutes=-60), "no_show"),
        (timedelta(minutes=-60), "requested"),
    ],
)
def test_a_note_for_a_session_that_has_not_taken_place_cannot_be_signed(world, starts_in, status):
    response, note = _sign(world, _appointment(world, starts_in=starts_in, status=status))
    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "session_not_held"
    assert response.json()["error"]["appointment_status"] == status
    note.refresh_from_db()
    assert note.status == ProgressNote.Status.DRAFT  # the draft stays; it is signed after the session


@pytest.mark.parametrize(
    ("starts_in", "status"),
    [
        (timedelta(minutes=-10), "scheduled"),  # started
        (timedelta(minutes=-10), "confirmed"),
        (timedelta(minutes=5), "checked_in"),  # the client is here, a little early
        (timedelta(hours=-3), "completed"),
    ],
)
def test_a_note_for_a_session_that_took_place_is_signed(world, starts_in, status):
    response, _ = _sign(world, _appointment(world, starts_in=starts_in, status=status))
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "awaiting_cosign"  # this author's supervision requires co-signing


def test_a_contact_note_stands_alone(world):
    note = draft_note(world.p.clinician, world.p.client_a)  # no appointment: a phone call, say
    assert services.progress_note_sign(actor=world.p.clinician.membership, note=note).is_locked


def _signed_on(world, appointment):
    response, note = _sign(world, appointment)
    assert response.status_code == 200
    return note


def test_the_front_desk_cannot_cancel_a_started_session_whose_note_is_signed(world):
    appointment = _appointment(world, starts_in=timedelta(minutes=-10), status="scheduled")
    _signed_on(world, appointment)
    response = world.client_for("front_desk").post(f"/api/v1/appointments/{appointment.pk}/cancel/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "note_signed"
    appointment.refresh_from_db()
    assert appointment.status == "scheduled"


def test_nobody_cancels_or_moves_an_appointment_whose_note_was_signed_ahead_of_it(world):
    """A note signed for a future session before this rule existed: the record holds it, so the appointment
    stays put whoever asks: the client in the portal or by a signed link, the front desk, the system."""
    appointment = _appointment(world, starts_in=timedelta(minutes=-10), status="scheduled")
    _signed_on(world, appointment)
    appointment.set_times(timezone.now() + timedelta(days=7))  # as the record of an older release may hold it
    appointment.save()
    AppointmentClient.objects.filter(appointment=appointment).update(span=(appointment.starts_at, appointment.ends_at))

    portal = world.client_for("client").post(f"/api/v1/appointments/{appointment.pk}/cancel/", {}, format="json")
    assert (portal.status_code, portal.json()["error"]["code"]) == (409, "note_signed")
    token = link_token(appointment=appointment, client_id=world.p.client_a.pk, action="cancel")
    link = world.client_for(None).post("/api/v1/reminders/links/", {"token": token}, format="json")
    assert (link.status_code, link.json()["error"]["code"]) == (409, "note_signed")
    for actor in (world.p.members["front_desk"], None):
        with pytest.raises(Conflict) as refused:
            appointment_cancel(actor=actor, appointment=appointment)
        assert refused.value.code == "note_signed"
    with pytest.raises(Conflict) as refused:
        appointment_reschedule(
            actor=world.p.members["front_desk"], appointment=appointment, starts_at=appointment.starts_at + timedelta(1)
        )
    assert refused.value.code == "note_signed"
    appointment.refresh_from_db()
    assert (appointment.status, appointment.starts_at > timezone.now()) == ("scheduled", True)
