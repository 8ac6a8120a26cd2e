"""The client's portal on a phone (390x844, Debian's chromium), axe-core and a keyboard walk on every page:
sign in from an emailed link, my sessions in my zone, cancel within policy, request a session, confirm from a
reminder link page; then the front desk completes a session, the check-in email arrives, the client reports a
strain that was not talked through, and the clinician's session prep shows it beside the note as a
disagreement."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from knox.models import AuthToken
from playwright.sync_api import expect
from rest_framework.test import APIClient

from intake.models import SessionCheckIn
from practice.services.second_factor import token_mark_second_factor
from reminders.links import link_url
from scheduling.models import Appointment, Status
from scheduling.services.appointment_changes import appointment_transition
from tests.factories.notes import signed_note
from tests.factories.reminders import appointment_row
from tests.pages.conftest import PHONE, axe_check
from tests.pages.portal_helpers import Portal, deliver, keyboard_check, link_in, shot, wait_saved


@pytest.fixture
def portal(transactional_db, settings, live_server):
    settings.PUBLIC_BASE_URL = live_server.url
    return Portal()


def _check(page):
    axe_check(page)
    keyboard_check(page)


def _local(instant, zone="Europe/Berlin") -> str:
    local = instant.astimezone(ZoneInfo(zone))
    return f"{local.strftime('%a %-d %b %Y, %H:%M')} {local.tzname()}"


def test_the_client_path_on_a_phone(portal, page_for, live_server):
    now = timezone.now()
    later = appointment_row(clinician=portal.clinician, clients=[portal.client], starts_at=now + timedelta(days=3))
    to_confirm = appointment_row(
        clinician=portal.clinician, clients=[portal.client], starts_at=now + timedelta(days=5, hours=2)
    )
    last_session = appointment_row(
        clinician=portal.clinician, clients=[portal.client], starts_at=now - timedelta(hours=3)
    )
    page = page_for(None, PHONE)

    # 1. Sign in from an emailed one-time link (the keyboard alone: type, Enter).
    page.goto("/portal/sign-in-link/")
    expect(page.get_by_role("heading", name="Email me a sign-in link")).to_be_visible()
    _check(page)
    shot(page, "portal-sign-in-link")
    page.get_by_role("textbox", name="Email").fill("ada@example.test")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("link-sent")).to_be_visible()
    _check(page)
    page.goto(link_in(deliver("portal_sign_in"), live_server.url))
    expect(page.get_by_role("heading", name="Sign in to Riverside Relational Therapy")).to_be_visible()
    _check(page)
    page.get_by_role("button", name="Sign me in").click()

    # 2. My sessions, in my own zone, named.
    expect(page.get_by_role("heading", name="My sessions")).to_be_visible()
    expect(page.get_by_text("Times are in your time zone, Europe/Berlin.")).to_be_visible()
    upcoming = page.locator("section", has=page.get_by_role("heading", name="Upcoming"))
    expect(upcoming.get_by_text(_local(later.starts_at))).to_be_visible()
    expect(upcoming.get_by_text(_local(to_confirm.starts_at))).to_be_visible()
    expect(upcoming.get_by_role("link", name="join the video session").first).to_have_attribute(
        "href", "https://video.example/r1"
    )
    _check(page)
    shot(page, "portal-sessions")

    # 3. Cancel one within policy: the page says first that it will not count as late.
    upcoming.get_by_role("link", name=f"Cancel this session on {later.starts_at.strftime('%-d %B')}").click()
    expect(page.get_by_test_id("cancel-outlook")).to_contain_text("will not count as a late cancellation")
    _check(page)
    shot(page, "portal-cancel")
    page.get_by_role("button", name="Yes, cancel this session").click()
    expect(page.get_by_text("Your session is cancelled.")).to_be_visible()
    later.refresh_from_db()
    assert later.status == Status.CANCELLED and later.cancelled_by_party == "client"

    # 4. Request another from the free times shown.
    page.get_by_role("link", name="Request a session").click()
    expect(
        page.get_by_role("group", name="Free times for Online session, in your time zone (Europe/Berlin)")
    ).to_be_visible()
    _check(page)
    shot(page, "portal-request")
    page.locator('input[name="slot"]').first.check()
    page.get_by_role("button", name="Request this time").click()
    expect(page.get_by_text("Your request is sent.")).to_be_visible()
    requested = Appointment.objects.get(status=Status.REQUESTED)
    requests = page.locator("section", has=page.get_by_role("heading", name="My requests"))
    expect(requests.get_by_text(_local(requested.starts_at))).to_be_visible()
    expect(requests.get_by_text("Requested by client")).to_be_visible()

    # 5. Confirm a session from a reminder's link: a page that says what will happen, then a button.
    page.goto(link_url(appointment=to_confirm, client_id=portal.client.pk, action="confirm"))
    expect(page.get_by_role("heading", name="Confirm your session")).to_be_visible()
    to_confirm.refresh_from_db()
    assert to_confirm.status == Status.SCHEDULED  # opening the link changed nothing
    _check(page)
    shot(page, "portal-reminder-link")
    page.get_by_role("button", name="Confirm my session").click()
    expect(page.get_by_role("heading", name="Your session is confirmed")).to_be_visible()
    _check(page)
    to_confirm.refresh_from_db()
    assert to_confirm.status == Status.CONFIRMED

    # 6. The front desk marks the last session completed: the check-in email arrives.
    appointment_transition(actor=portal.desk, appointment=last_session, to_status="completed")
    checkin = SessionCheckIn.objects.get(appointment=last_session, client=portal.client)
    signed_note(portal.clinician, portal.client, appointment=last_session, session_at=last_session.starts_at)
    email = deliver("session_checkin")
    assert email.to == ["ada@example.test"]
    page.goto("/portal/forms/")
    expect(page.get_by_role("link", name="Answer the check-in")).to_be_visible()
    _check(page)
    shot(page, "portal-forms")

    # 7. The client answers it on the phone, from the email: a strain, not talked through.
    page.goto(link_in(email, live_server.url))
    rid = checkin.response_id
    form = page.locator(f'form[data-response="{rid}"]')
    for qid in ("alliance_heard", "alliance_goals", "alliance_approach", "alliance_overall"):
        with wait_saved(page):
            form.locator(f'input[name="r{rid}-{qid}"][value="7"]').check()
    with wait_saved(page):
        form.locator(f'input[name="r{rid}-felt_strain"][value=\'"a_lot"\']').check()
    with wait_saved(page):
        form.locator(f'input[name="r{rid}-talked_through"][value=\'"not_at_all"\']').check()
    with wait_saved(page):
        page.fill(f"#r{rid}-for_next_time", "You moved on fast when I talked about my father.")
    form.get_by_role("button").click()
    expect(form.locator(".done")).to_be_visible()
    axe_check(page)
    shot(page, "portal-checkin")

    # 8. The clinician's session prep shows it beside the note, named as a disagreement.
    api = APIClient()
    instance, token = AuthToken.objects.create(portal.clinician.membership.user)
    token_mark_second_factor(token=instance, method="totp")  # the practice requires it of its staff
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_X_PRACTICE=portal.practice.slug)
    answer = api.get(f"/api/v1/notes/clients/{portal.client.pk}/session-prep/")
    assert answer.status_code == 200, answer.content
    prep = answer.json()
    latest = prep["latest_checkin"]
    assert [d["code"] for d in latest["disagreements"]] == ["strain_not_in_note"]
    assert latest["client_view"]["felt_strain"] == "a_lot"
    assert latest["client_view"]["talked_through"] == "not_at_all"
    assert latest["note_view"] is not None  # beside the note

    # My forms now lists what I sent; my own answers read-only, no score.
    page.goto("/portal/forms/")
    page.get_by_role("link", name="Session check-in").first.click()
    expect(page.get_by_text("A lot")).to_be_visible()
    expect(page.get_by_text("Not at all")).to_be_visible()
    assert "score" not in page.content().lower()
    _check(page)


def test_my_details_on_a_phone_record_each_consent_change(portal, page_for):
    page = page_for(portal.member, PHONE)
    page.goto("/portal/details/")
    expect(page.get_by_role("heading", name="My details")).to_be_visible()
    _check(page)
    page.get_by_label("Pronouns").fill("she/her")
    page.get_by_label("I agree to appointment messages by text (SMS)").check()
    page.get_by_label("Send me a short check-in after each session").uncheck()
    page.get_by_role("button", name="Save my details").click()
    expect(page.get_by_text("Your details are saved.")).to_be_visible()
    expect(page.get_by_text("Text messages: given, changed")).to_contain_text("by me, in the portal")
    _check(page)
    shot(page, "portal-details")
    portal.client.refresh_from_db()
    assert portal.client.pronouns == "she/her" and portal.client.sms_consent
    assert portal.client.sms_consent_source == "client_portal" and portal.client.sms_consent_at is not None
    assert portal.client.wants_session_checkins is False
