"""What the cancel pages say before the client confirms is what `appointment_cancel` then does."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from core.errors import Conflict
from scheduling.models import Status
from scheduling.services.appointment_changes import appointment_cancel
from scheduling.services.cancellation_policy import client_cancellation_outlook
from tests.factories.reminders import appointment_row
from tests.pages.conftest import signed_in_client
from tests.pages.portal_helpers import Portal


@pytest.fixture
def portal(db):
    return Portal()


@pytest.mark.parametrize(
    "hours_ahead, cutoff, status, expected",
    [
        (48, 0, "scheduled", Status.CANCELLED),
        (10, 0, "scheduled", Status.LATE_CANCELLED),
        (10, 0, "requested", Status.CANCELLED),  # a request withdrawn is never late
        (10, 12, "scheduled", "refused"),  # past the practice's online cut-off
    ],
)
def test_the_outlook_matches_the_cancellation(portal, hours_ahead, cutoff, status, expected):
    portal.practice.settings = {**portal.practice.settings, "client_cancel_cutoff_hours": cutoff}
    portal.practice.save()
    appointment = appointment_row(
        clinician=portal.clinician,
        clients=[portal.client],
        status=status,
        starts_at=timezone.now() + timedelta(hours=hours_ahead),
    )
    outlook = client_cancellation_outlook(appointment=appointment)
    if expected == "refused":
        assert not outlook.allowed
        with pytest.raises(Conflict):
            appointment_cancel(actor=portal.member, appointment=appointment)
        return
    assert outlook.allowed and outlook.late == (expected == Status.LATE_CANCELLED)
    assert appointment_cancel(actor=portal.member, appointment=appointment).status == expected


def test_the_cancel_page_says_it_will_be_late_before_the_client_confirms(portal):
    appointment = appointment_row(
        clinician=portal.clinician, clients=[portal.client], starts_at=timezone.now() + timedelta(hours=5)
    )
    page = signed_in_client(portal.member).get(f"/portal/sessions/{appointment.pk}/cancel/")
    assert page.status_code == 200
    assert "counts as a <strong>late cancellation</strong>" in page.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Status.SCHEDULED


def test_the_reminder_link_page_changes_nothing_until_the_button_is_pressed(portal):
    from django.test import Client as Browser

    from reminders.links import link_token

    appointment = appointment_row(
        clinician=portal.clinician, clients=[portal.client], starts_at=timezone.now() + timedelta(hours=5)
    )
    token = link_token(appointment=appointment, client_id=portal.client.pk, action="cancel")
    browser = Browser(enforce_csrf_checks=True)
    shown = browser.get("/appointment-link/", {"token": token})
    assert shown.status_code == 200 and "late cancellation" in shown.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Status.SCHEDULED
    assert browser.post("/appointment-link/", {"token": token}).status_code == 403  # no CSRF token: refused
    csrf = browser.cookies["csrftoken"].value
    done = browser.post("/appointment-link/", {"token": token, "csrfmiddlewaretoken": csrf})
    assert done.status_code == 200 and "cancelled late" in done.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Status.LATE_CANCELLED
