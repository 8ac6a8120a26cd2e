"""The admin's day in a real browser, at laptop and tablet sizes, with axe-core on every page opened: invite a
staff member, who accepts from the emailed link, sets up TOTP from the page's secret and signs in with a code;
the admin's main pages render (screenshots for docs/img/)."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from django.core import mail
from playwright.sync_api import expect

from practice import roles
from practice.models import Membership
from tests.factories.practice import MembershipFactory, PracticeFactory
from tests.pages.conftest import LAPTOP, TABLET, axe_check, screenshot, send_outbox_now

SIZES = [pytest.param(LAPTOP, id="laptop"), pytest.param(TABLET, id="tablet")]
NEW_PASSWORD = "a-long-new-password-42"


@pytest.fixture
def admin(transactional_db):
    practice = PracticeFactory(name="Riverside Relational Therapy", settings={"mfa_required": True})
    return MembershipFactory(practice=practice, roles=[roles.ADMIN], user__full_name="Ada Admin")


@pytest.mark.parametrize("viewport", SIZES)
def test_admin_invites_a_staff_member_who_accepts_enrols_and_signs_in_with_a_code(page_for, admin, viewport):
    page = page_for(admin, viewport)
    page.goto("/")
    expect(page.get_by_role("heading", name="Staff")).to_be_visible()  # the admin's start page
    axe_check(page)
    page.get_by_role("link", name="Invite someone").click()
    expect(page.get_by_role("heading", name="Invitations")).to_be_visible()
    axe_check(page)
    page.get_by_label("Name").fill("Casey Clinician")
    page.get_by_label("Email").fill("casey@example.test")
    page.get_by_label("Clinician").check()
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("Invitation sent to casey@example.test.")).to_be_visible()
    expect(page.get_by_role("cell", name="casey@example.test Casey Clinician")).to_be_visible()
    axe_check(page)

    # The invitee opens the emailed link in a browser of their own.
    send_outbox_now()
    assert len(mail.outbox) == 1
    link = re.search(r"https?://\S+/accept-invitation\?token=\S+", mail.outbox[0].body).group(0)
    path = link[link.index("/accept-invitation") :]
    invitee = page_for(None, viewport)
    invitee.goto(path)
    expect(invitee.get_by_role("heading", name="Accept your invitation")).to_be_visible()
    axe_check(invitee)
    invitee.get_by_label("Password", exact=True).fill("short")
    invitee.get_by_label("Password again").fill("short")
    invitee.get_by_role("button", name="Join the practice").click()
    expect(invitee.locator(".field__errors").first).to_contain_text("too short")  # next to the field
    axe_check(invitee)
    invitee.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    invitee.get_by_label("Password again").fill(NEW_PASSWORD)
    invitee.get_by_role("button", name="Join the practice").click()
    expect(invitee.get_by_text("You have joined Riverside Relational Therapy.")).to_be_visible()

    # Sign in: the practice requires a second factor, so the password alone leads to setting one up.
    invitee.get_by_label("Email").fill("casey@example.test")
    invitee.get_by_label("Password").fill(NEW_PASSWORD)
    invitee.get_by_role("button", name="Sign in").click()
    invitee.get_by_role("button", name="Set up my authenticator app").click()
    secret = invitee.get_by_test_id("totp-secret").inner_text()
    axe_check(invitee)
    totp = pyotp.TOTP(secret)
    invitee.get_by_label("Code from your authenticator app").fill(totp.at(time.time() - 30))
    invitee.get_by_role("button", name="Confirm and continue").click()
    expect(invitee.get_by_text("Your second factor is set up.")).to_be_visible()
    expect(invitee.locator(".whoami__roles")).to_have_text("Clinician")
    invitee.get_by_role("button", name="Sign out", exact=True).click()

    # Next time: password, then a code from the app.
    invitee.get_by_label("Email").fill("casey@example.test")
    invitee.get_by_label("Password").fill(NEW_PASSWORD)
    invitee.get_by_role("button", name="Sign in").click()
    expect(invitee.get_by_role("heading", name="Enter your code")).to_be_visible()
    invitee.get_by_label("Code from your authenticator app").fill(totp.now())
    invitee.get_by_role("button", name="Continue").click()
    expect(invitee.locator(".whoami__person")).to_have_text("Casey Clinician")
    axe_check(invitee)
    member = Membership.objects.get(user__email="casey@example.test", practice=admin.practice)
    assert member.roles == [roles.CLINICIAN]

    # Back with the admin: the new member is on the staff list.
    page.get_by_role("link", name="Staff", exact=True).click()
    expect(page.get_by_role("link", name="Casey Clinician")).to_be_visible()


def test_the_admins_pages_render_accessibly(page_for, admin):
    from scheduling.models import Location

    Location.objects.create(practice=admin.practice, name="Main office", address="12 Harbor St")
    MembershipFactory(practice=admin.practice, roles=[roles.FRONT_DESK], user__full_name="Frank Desk")
    page = page_for(admin, LAPTOP)
    page.goto("/manage/settings/")
    page.get_by_label("Late-cancellation window (hours)").fill("48")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Practice settings saved.")).to_be_visible()
    admin.practice.refresh_from_db()
    assert admin.practice.cancellation_window_hours == 48
    shots = {
        "/manage/staff/": ("Staff", "admin-staff"),
        "/manage/invitations/": ("Invitations", None),
        "/manage/supervision/": ("Supervision", None),
        "/manage/settings/": ("Practice settings", "admin-settings"),
        "/manage/locations/": ("Locations", None),
        "/manage/rooms/": ("Rooms", None),
        "/manage/appointment-types/": ("Appointment types", None),
        "/manage/reminders/": ("Reminder policy", None),
        "/manage/forms/": ("Forms and measures", None),
        "/manage/audit/": ("Audit log", "admin-audit-log"),
    }
    for path, (heading, shot) in shots.items():
        page.goto(path)
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        axe_check(page)
        if shot:
            screenshot(page, shot)
