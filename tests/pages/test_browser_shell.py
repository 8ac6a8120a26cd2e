"""The shell in a real browser (Debian's chromium through Playwright) at laptop and tablet sizes, with axe-core
on every page opened: sign in, the second factor a practice requires, the error page."""

from __future__ import annotations

import time

import pyotp
import pytest
from playwright.sync_api import expect

from practice import roles
from practice.services.mfa import mfa_confirm, mfa_enrol_begin
from tests.factories.practice import PASSWORD, MembershipFactory, PracticeFactory
from tests.pages.conftest import LAPTOP, TABLET, axe_check, screenshot

SIZES = [pytest.param(LAPTOP, id="laptop"), pytest.param(TABLET, id="tablet")]


@pytest.fixture
def strict_practice(transactional_db):
    return PracticeFactory(name="Riverside Relational Therapy", settings={"mfa_required": True})


def _password_step(page, email):
    page.goto("/sign-in/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    axe_check(page)
    screenshot(page, "sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.parametrize("viewport", SIZES)
def test_sign_in_with_a_code_where_the_practice_requires_one(page_for, strict_practice, viewport):
    member = MembershipFactory(practice=strict_practice, roles=[roles.FRONT_DESK], user__full_name="Dana Desk")
    enrolment = mfa_enrol_begin(user=member.user)
    mfa_confirm(
        user=member.user, code=pyotp.TOTP(enrolment["secret"]).at(time.time() - 30)
    )  # last step: now stays unused
    page = page_for(None, viewport)
    _password_step(page, member.user.email)
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    axe_check(page)
    screenshot(page, "sign-in-code")
    page.get_by_label("Code from your authenticator app").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Invalid code.")).to_be_visible()
    axe_check(page)
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(enrolment["secret"]).now())
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("Riverside Relational Therapy")).to_be_visible()
    expect(page.locator(".whoami__person")).to_have_text("Dana Desk")
    expect(page.locator(".whoami__roles")).to_have_text("Front desk")
    axe_check(page)
    page.goto("/account/security/")
    expect(page.get_by_role("heading", name="Account security")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Sign out", exact=True).click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()


@pytest.mark.parametrize("viewport", SIZES)
def test_a_practice_that_requires_the_second_factor_refuses_a_password_only_sign_in(
    page_for, strict_practice, viewport
):
    member = MembershipFactory(practice=strict_practice, roles=[roles.ADMIN])
    page = page_for(None, viewport)
    _password_step(page, member.user.email)
    expect(page.get_by_role("heading", name="Set up a second factor")).to_be_visible()
    axe_check(page)
    page.goto("/")  # the password alone did not sign in
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    _password_step(page, member.user.email)
    page.get_by_role("button", name="Set up my authenticator app").click()
    secret = page.get_by_test_id("totp-secret").inner_text()
    expect(page.get_by_test_id("recovery-codes").locator("li")).to_have_count(10)
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    axe_check(page)
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_text("Your second factor is set up.")).to_be_visible()
    axe_check(page)


def test_the_not_found_page_in_the_apps_style(page_for, transactional_db):
    member = MembershipFactory(roles=[roles.FRONT_DESK])
    page = page_for(member, LAPTOP)
    response = page.goto("/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    axe_check(page)
