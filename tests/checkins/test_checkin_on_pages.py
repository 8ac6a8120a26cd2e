"""The therapist's pages say the client's check-in in words, with the client's own words for next time: never the
stored codes (`a_little`, `not_at_all`)."""

from __future__ import annotations

import pytest

from intake.models import SessionCheckIn
from tests.checkins.helpers import answer, complete, session
from tests.factories.notes import signed_note
from tests.pages.conftest import signed_in_client

pytestmark = pytest.mark.django_db


def _answered(world, **answers):
    appointment = session(world)
    complete(world, appointment)
    checkin = answer(SessionCheckIn.objects.get(appointment=appointment), **answers)
    signed_note(world.p.clinician, world.p.client_a, appointment=appointment, session_at=appointment.starts_at)
    return checkin


def test_session_prep_shows_the_answers_in_words_and_the_clients_words_for_next_time(world):
    _answered(world, felt_strain="a_little", talked_through="not_at_all", for_next_time="Slower, please.\nThank you.")
    page = signed_in_client(world.p.members["clinician"]).get(f"/clinical/clients/{world.p.client_a.pk}/prep/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "felt a strain: <strong>a little</strong>; talked through: <strong>not at all</strong>" in html
    assert "For next time, in the client's words:" in html and "Slower, please.<br>Thank you." in html
    assert "a_little" not in html and "not_at_all" not in html


def test_the_timeline_says_the_answers_in_words(world):
    _answered(world, felt_strain="no")
    page = signed_in_client(world.p.members["clinician"]).get(f"/clinical/clients/{world.p.client_a.pk}/timeline/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "the client felt a strain: no, talked through: not asked." in html
