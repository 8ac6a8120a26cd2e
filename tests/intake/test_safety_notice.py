"""Safety: on submitting an answer that raises a safety flag (PHQ-9 item 9 above 0), the client is told their
clinician will be told and where to get help now (the practice's crisis text, or a default naming the local
emergency number and, in the US, 988). Browser-free: the submit APIs and the rendered form page."""

from __future__ import annotations

import pytest

from intake.checkin_settings import crisis_text, default_crisis_text
from intake.invitations import packet_link_path
from intake.services.responses import response_save_draft
from tests.factories.intake import packet_for, phq9_answers

pytestmark = pytest.mark.django_db


def _phq9(world, item9):
    packet = packet_for(world.p.client_a, "phq-9")
    response = packet.responses.get()
    response_save_draft(response=response, answers=phq9_answers([1, 1, 0, 0, 0, 0, 0, 0, item9]), via_link=True)
    return packet, response


def _link_submit(client, packet, response):
    base = packet_link_path(packet).replace("/intake/p/", "/intake/link/")
    return client.post(f"{base}responses/{response.pk}/submit/")


def test_item_9_above_0_returns_the_safety_message_on_submit(world, client):
    packet, response = _phq9(world, item9=1)
    body = _link_submit(client, packet, response).json()
    assert "Your clinician will be told" in body["safety"]["message"]
    assert "911" in body["safety"]["crisis_text"] and "988" in body["safety"]["crisis_text"]
    # no score, band or flag wording goes with it
    assert not {"score", "band", "risk_flags"} & set(body)
    assert "item 9" not in str(body["safety"]).lower()


def test_no_safety_message_without_a_safety_flag(world, client):
    packet, response = _phq9(world, item9=0)
    assert _link_submit(client, packet, response).json()["safety"] is None


def test_the_portal_submit_returns_it_too(world):
    _, response = _phq9(world, item9=2)
    body = world.client_for("client").post(f"/api/v1/intake/responses/{response.pk}/submit/").json()
    assert "988" in body["safety"]["crisis_text"]


def test_the_practice_sets_its_own_crisis_text(world, client):
    own = "Call the Riverside crisis line: 555-0100."
    world.p.practice.settings = {**world.p.practice.settings, "crisis_text": own}
    world.p.practice.save()
    packet, response = _phq9(world, item9=1)
    assert _link_submit(client, packet, response).json()["safety"]["crisis_text"] == own


def test_the_default_names_the_local_emergency_number_and_988_only_in_the_us():
    assert "988" not in default_crisis_text("GB") and "999" in default_crisis_text("GB")
    assert "112" in default_crisis_text("DE")
    assert "local emergency number" in default_crisis_text("ZZ")


def test_the_country_setting_chooses_the_default(world):
    world.p.practice.settings = {**world.p.practice.settings, "country": "au"}
    assert "000" in crisis_text(world.p.practice) and "988" not in crisis_text(world.p.practice)


def test_the_form_page_shows_the_message_for_a_submitted_flagged_answer(world, client):
    packet, response = _phq9(world, item9=1)
    assert "Your clinician will be told" not in client.get(packet_link_path(packet)).content.decode()
    _link_submit(client, packet, response)
    page = client.get(packet_link_path(packet)).content.decode()
    assert f'id="safety-{response.pk}"' in page and 'role="alert"' in page
    assert "Your clinician will be told" in page and "988" in page
