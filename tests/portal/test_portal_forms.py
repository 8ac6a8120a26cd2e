"""My forms: the form page opened from the portal shows the crisis message after a flagged answer; my own
answers read-only with no score; another client's answers are the 404 page."""

from __future__ import annotations

import re

import pytest

from intake.services.responses import response_save_draft, response_submit
from tests.factories.intake import packet_for, phq9_answers  # item 9 above 0 below
from tests.pages.conftest import signed_in_client
from tests.pages.portal_helpers import Portal


@pytest.fixture
def portal(db):
    return Portal()


def test_the_form_page_opened_from_my_forms_shows_the_crisis_message_after_a_flagged_answer(portal):
    packet = packet_for(portal.client, "phq-9", actor=portal.desk)
    browser = signed_in_client(portal.member)
    listing = browser.get("/portal/forms/").content.decode()
    [href] = re.findall(r'href="(/api/v1/intake/p/[^"]+)"', listing)
    response = packet.responses.get()
    response_save_draft(response=response, answers=phq9_answers([1] * 9), via_link=True)
    response_submit(response=response, via_link=True)
    page = browser.get(href).content.decode()
    assert "Your clinician will be told" in page and "988" in page


def test_my_answers_are_read_only_with_no_score_and_audited(portal):
    from practice.models import AuditEvent

    packet = packet_for(portal.client, "phq-9", actor=portal.desk)
    response = packet.responses.get()
    response_save_draft(response=response, answers=phq9_answers([1] * 9), via_link=True)
    response_submit(response=response, via_link=True)
    body = signed_in_client(portal.member).get(f"/portal/forms/answers/{response.pk}/").content.decode()
    assert "Several days" in body and "<input" not in body.split('id="main"')[1].split("</main>")[0]
    for hidden in ("score", "Score", "severity", "Mild", "Moderate"):
        assert hidden not in body
    assert AuditEvent.objects.filter(
        action="read", object_type="intake.response", object_id=str(response.pk), actor=portal.member.user
    ).exists()
