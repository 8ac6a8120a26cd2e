"""Browser sessions: the API never accepts one; the admin site (operators) asks for a second factor and
ends a session after its absolute lifetime."""

import time

import pyotp
import pytest
from django.core.management import CommandError, call_command
from django.test import Client as BrowserClient

from backend.api.sessions import LOGIN_AT
from practice.models import MfaDevice, User
from practice.services.mfa import mfa_confirm, mfa_enrol_begin

PASSWORD = "operator-pass-123"


@pytest.fixture
def operator(db):
    return User.objects.create_user(email="ops@attune.test", password=PASSWORD, is_staff=True)


def _enrol(user) -> dict:
    return mfa_enrol_begin(user=user)


def _admin_login(browser, email, otp_code=""):
    return browser.post("/admin/login/?next=/admin/", {"username": email, "password": PASSWORD, "otp_code": otp_code})


def test_a_session_log_in_gives_no_access_to_the_api(world):
    """A staff member whose practice requires a second factor cannot reach the API through a session."""
    browser = BrowserClient()
    browser.force_login(world.p.members["front_desk"].user)
    response = browser.get("/api/v1/clients/", HTTP_X_PRACTICE=world.p.practice.slug)
    assert response.status_code == 401
    assert browser.get("/api-auth/login/").status_code == 404  # DRF's password-only log-in page is gone


def test_admin_log_in_needs_the_second_factor(operator):
    enrolment = _enrol(operator)
    browser = BrowserClient()
    response = _admin_login(browser, operator.email)
    assert response.status_code == 200
    assert "Enter the code from your authenticator app." in response.content.decode()
    response = _admin_login(browser, operator.email, "000000")
    assert response.status_code == 200
    assert "_auth_user_id" not in browser.session
    response = _admin_login(browser, operator.email, pyotp.TOTP(enrolment["secret"]).now())
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert browser.get("/admin/").status_code == 200
    assert MfaDevice.objects.get(user=operator).confirmed_at is not None  # the first code confirms the device


def test_admin_log_in_takes_a_recovery_code_once(operator):
    enrolment = _enrol(operator)
    mfa_confirm(user=operator, code=pyotp.TOTP(enrolment["secret"]).now())
    code = enrolment["recovery_codes"][0]
    assert _admin_login(BrowserClient(), operator.email, code).status_code == 302
    assert _admin_login(BrowserClient(), operator.email, code).status_code == 200  # spent


def test_an_operator_without_a_second_factor_is_refused(operator, settings):
    response = _admin_login(BrowserClient(), operator.email)
    assert response.status_code == 200
    assert "no second factor" in response.content.decode()
    settings.ADMIN_MFA_REQUIRED = False
    assert _admin_login(BrowserClient(), operator.email).status_code == 302


def test_a_session_ends_at_its_absolute_lifetime_however_active(operator, settings):
    settings.SESSION_MAX_AGE_HOURS = 8
    browser = BrowserClient()
    browser.force_login(operator)
    assert browser.get("/admin/").status_code == 200
    session = browser.session
    session[LOGIN_AT] = time.time() - 7.9 * 3600
    session.save()
    assert browser.get("/admin/").status_code == 200
    session = browser.session
    session[LOGIN_AT] = time.time() - 8.1 * 3600
    session.save()
    response = browser.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert "_auth_user_id" not in browser.session


def test_the_enrol_command_prints_a_secret_that_logs_in(operator, capsys):
    call_command("mfa_enrol_operator", operator.email)
    out = capsys.readouterr().out
    secret = out.split("secret=")[1].split("&")[0]
    assert _admin_login(BrowserClient(), operator.email, pyotp.TOTP(secret).now()).status_code == 302
    with pytest.raises(CommandError, match="already has a confirmed second factor"):
        call_command("mfa_enrol_operator", operator.email)
    call_command("mfa_enrol_operator", operator.email, "--replace")
    assert MfaDevice.objects.get(user=operator).confirmed_at is None


def test_the_enrol_command_refuses_a_practice_member(world):
    with pytest.raises(CommandError, match="No active operator"):
        call_command("mfa_enrol_operator", world.p.members["admin"].user.email)
    assert not MfaDevice.objects.filter(user=world.p.members["admin"].user).exists()
