"""The shell: sign-in with the API's decision, the second factor, sessions, the role gate, error pages."""

from __future__ import annotations

import time

import pyotp
import pytest
from django.test import Client
from knox.models import AuthToken

from backend.api.sessions import LOGIN_AT
from backend.web.access import LAST_SEEN_KEY, MFA_KEY
from backend.web.models import SignedInSession
from practice import roles
from practice.models import MfaDevice
from practice.services.mfa import mfa_confirm, mfa_enrol_begin
from tests.factories.practice import PASSWORD, MembershipFactory, PracticeFactory
from tests.pages.conftest import signed_in_client


def _sign_in(client, email, password=PASSWORD, next_url=""):
    return client.post("/sign-in/" + (f"?next={next_url}" if next_url else ""), {"email": email, "password": password})


@pytest.fixture
def desk(db):
    return MembershipFactory(roles=[roles.FRONT_DESK])


@pytest.fixture
def strict_desk(db):
    """A front-desk member of a practice that requires the second factor."""
    return MembershipFactory(roles=[roles.FRONT_DESK], practice=PracticeFactory(settings={"mfa_required": True}))


# --- signing in --------------------------------------------------------------------------------------------


def test_password_sign_in_where_no_second_factor_is_required(desk):
    client = Client()
    response = _sign_in(client, desk.user.email.upper())  # the API's case-insensitive email
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(desk.user.pk)
    assert MFA_KEY not in client.session  # a password alone: no second factor given
    assert SignedInSession.objects.filter(user=desk.user, session_key=client.session.session_key).exists()
    assert client.get("/account/security/").status_code == 200


def test_wrong_password_and_unknown_email_answer_alike(desk):
    wrong = _sign_in(Client(), desk.user.email, "not-the-password")
    unknown = _sign_in(Client(), "nobody@example.test")
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "Unable to log in with the email and password given." in response.content.decode()
    assert "_auth_user_id" not in Client().session


def test_sign_in_goes_back_to_a_safe_next_only(desk):
    assert _sign_in(Client(), desk.user.email, next_url="/account/security/")["Location"] == "/account/security/"
    assert _sign_in(Client(), desk.user.email, next_url="https://evil.example/")["Location"] == "/"


def test_repeated_failures_lock_out_with_the_apps_429_page(desk, settings):
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    for _ in range(3):
        _sign_in(client, desk.user.email, "wrong-password")
    response = _sign_in(client, desk.user.email)  # even the right password, while locked out
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert "Too many failed log-in attempts" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    # the API shares the lock (one axes record per email and address) and keeps its JSON body
    api = Client().post("/api/v1/auth/login/", {"email": desk.user.email, "password": PASSWORD}, "application/json")
    assert api.status_code == 429 and api.json()["error"]["code"] == "locked_out"


def test_sign_in_posts_share_the_apis_rate_limit(desk, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon_auth": "3/min"}}
    client = Client()
    for _ in range(2):
        assert _sign_in(client, desk.user.email, "wrong-password").status_code == 200
    api = Client().post("/api/v1/auth/login/", {"email": "x@example.test", "password": "y"}, "application/json")
    assert api.status_code == 400  # the third request of this address, through the API
    response = _sign_in(client, desk.user.email)
    assert response.status_code == 429 and "Too many attempts" in response.content.decode()


# --- the second factor -------------------------------------------------------------------------------------


def test_a_practice_that_requires_the_second_factor_refuses_a_password_only_sign_in(strict_desk):
    client = Client()
    response = _sign_in(client, strict_desk.user.email)
    assert response["Location"] == "/sign-in/set-up-second-factor/"
    assert "_auth_user_id" not in client.session
    assert client.get("/account/security/").status_code == 302  # not signed in


def test_enrol_from_the_sign_in_then_the_api_asks_for_the_same_factor(strict_desk):
    client = Client()
    _sign_in(client, strict_desk.user.email)
    page = client.post("/sign-in/set-up-second-factor/", {"action": "start"})
    html = page.content.decode()
    assert page.status_code == 200 and 'src="data:image/svg+xml' in html and 'alt="QR code' in html
    device = MfaDevice.objects.get(user=strict_desk.user)
    assert device.confirmed_at is None and device.recovery_codes.count() == 10
    secret = html.split('data-testid="totp-secret">')[1].split("<")[0]
    wrong = client.post("/sign-in/set-up-second-factor/", {"action": "confirm", "code": "000000"})
    assert (
        "The code is not valid." in wrong.content.decode() and "data:image/svg+xml" in wrong.content.decode()
    )  # QR again
    response = client.post("/sign-in/set-up-second-factor/", {"action": "confirm", "code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(strict_desk.user.pk) and client.session[MFA_KEY] == "totp"
    device.refresh_from_db()
    assert device.confirmed_at is not None
    api = Client().post(
        "/api/v1/auth/login/", {"email": strict_desk.user.email, "password": PASSWORD}, "application/json"
    )
    assert api.json()["mfa_enrolled"] is True  # one second factor for the browser and the API


def test_an_enrolled_person_signs_in_with_a_code_or_a_recovery_code_once(strict_desk):
    enrolment = mfa_enrol_begin(user=strict_desk.user)
    mfa_confirm(user=strict_desk.user, code=pyotp.TOTP(enrolment["secret"]).now())
    client = Client()
    assert _sign_in(client, strict_desk.user.email)["Location"] == "/sign-in/code/"
    wrong = client.post("/sign-in/code/", {"code": "123456"})
    assert wrong.status_code == 200 and "Invalid code." in wrong.content.decode()
    empty = client.post("/sign-in/code/", {})
    assert "Enter the code from your authenticator app, or a recovery code." in empty.content.decode()
    recovery = enrolment["recovery_codes"][0]
    assert client.post("/sign-in/code/", {"recovery_code": recovery}).status_code == 302
    again = Client()
    _sign_in(again, strict_desk.user.email)
    assert "Invalid code." in again.post("/sign-in/code/", {"recovery_code": recovery}).content.decode()


def test_the_code_step_needs_the_password_step_first(strict_desk):
    response = Client().post("/sign-in/code/", {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == "/sign-in/"


# --- sessions ----------------------------------------------------------------------------------------------


def test_a_session_without_the_second_factor_is_ended_once_the_practice_requires_it(desk):
    client = signed_in_client(desk, second_factor=False)
    assert client.get("/account/security/").status_code == 200
    desk.practice.settings = {"mfa_required": True}
    desk.practice.save()
    response = client.get("/account/security/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "setting, key, ago",
    [("session_idle_minutes", LAST_SEEN_KEY, 11 * 60), ("session_max_hours", LOGIN_AT, 3 * 3600)],
)
def test_the_practices_idle_and_absolute_limits_end_a_session(desk, setting, key, ago):
    desk.practice.settings = {"mfa_required": False, setting: 10 if setting == "session_idle_minutes" else 2}
    desk.practice.save()
    client = signed_in_client(desk)
    assert client.get("/account/security/").status_code == 200  # inside the limit
    session = client.session
    session[key] = time.time() - ago
    session.save()
    response = client.get("/account/security/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/?next=/")
    assert "_auth_user_id" not in client.session


def test_the_practices_limits_hold_on_the_account_page_too(desk):
    desk.practice.settings = {"mfa_required": False, "session_idle_minutes": 10}
    desk.practice.save()
    client = signed_in_client(desk)
    session = client.session
    session[LAST_SEEN_KEY] = time.time() - 11 * 60
    session.save()
    response = client.post("/sign-out/everywhere/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/?next=")
    assert "_auth_user_id" not in client.session


def test_turning_the_second_factor_off_needs_a_code(desk):
    enrolment = mfa_enrol_begin(user=desk.user)
    mfa_confirm(user=desk.user, code=pyotp.TOTP(enrolment["secret"]).now())
    client = signed_in_client(desk)
    page = client.get("/account/security/").content.decode()
    assert "Recovery codes left: 10." in page
    wrong = client.post("/account/security/", {"action": "disable", "code": "000000"})
    assert "Invalid code." in wrong.content.decode() and MfaDevice.objects.filter(user=desk.user).exists()
    assert client.post("/account/security/", {"action": "erase-everything"}).status_code == 400
    client.post("/account/security/", {"action": "disable", "recovery_code": enrolment["recovery_codes"][1]})
    assert not MfaDevice.objects.filter(user=desk.user).exists()


def test_a_bad_host_gets_the_apps_400_page(desk):
    response = Client(raise_request_exception=False).get("/sign-in/", HTTP_HOST="evil.example")
    assert response.status_code == 400 and "The request could not be read" in response.content.decode()


def test_sign_out_everywhere_ends_every_session_and_every_api_token(desk):
    first, second = Client(), Client()
    _sign_in(first, desk.user.email)
    _sign_in(second, desk.user.email)
    AuthToken.objects.create(desk.user)
    assert second.get("/account/security/").status_code == 200
    response = first.post("/sign-out/everywhere/")
    assert response.status_code == 302
    assert second.get("/account/security/").status_code == 302  # the other browser is signed out too
    assert not AuthToken.objects.filter(user=desk.user).exists()
    assert not SignedInSession.objects.filter(user=desk.user).exists()


def test_the_apis_log_out_everywhere_ends_the_browser_sessions_too(desk):
    browser = Client()
    _sign_in(browser, desk.user.email)
    _, token = AuthToken.objects.create(desk.user)
    api = Client().post("/api/v1/auth/logoutall/", HTTP_AUTHORIZATION=f"Token {token}")
    assert api.status_code == 204
    assert browser.get("/account/security/").status_code == 302


def test_sign_out_ends_only_this_session(desk):
    first, second = Client(), Client()
    _sign_in(first, desk.user.email)
    _sign_in(second, desk.user.email)
    first.post("/sign-out/")
    assert first.get("/account/security/").status_code == 302
    assert second.get("/account/security/").status_code == 200


def test_forms_need_their_csrf_token(desk):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/sign-in/", {"email": desk.user.email, "password": PASSWORD})
    assert response.status_code == 403 and "This form has expired" in response.content.decode()
    page = client.get("/sign-in/")
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert (
        client.post("/sign-in/", {"email": desk.user.email, "password": PASSWORD, "csrfmiddlewaretoken": token})[
            "Location"
        ]
        == "/"
    )


def test_session_and_csrf_cookies_are_http_only(desk):
    client = Client()
    client.get("/sign-in/")
    _sign_in(client, desk.user.email)
    assert client.cookies["sessionid"]["httponly"]
    assert client.cookies["csrftoken"]["httponly"]


# --- practices, the gate ------------------------------------------------------------------------------------


def test_a_member_of_two_practices_chooses_and_switches(desk):
    other = MembershipFactory(user=desk.user, roles=[roles.ADMIN])
    client = Client()
    _sign_in(client, desk.user.email)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/practice/choose/")
    assert other.practice.name in client.get("/practice/choose/").content.decode()
    client.post("/practice/switch/", {"practice": other.practice_id})
    home = client.get("/", follow=True).content.decode()  # the admin's start page
    assert other.practice.name in home and "Administrator" in home
    assert "Switch practice" in home and desk.practice.name in home  # the switcher offers the other one
    stranger = PracticeFactory()
    assert client.post("/practice/switch/", {"practice": stranger.pk}).status_code == 403


@pytest.mark.urls("tests.pages.urls_gate")
def test_a_role_outside_the_page_gets_403_on_a_list_and_404_on_an_object(desk):
    admin = MembershipFactory(practice=desk.practice, roles=[roles.ADMIN])
    assert signed_in_client(admin).get("/test-gate/list/").status_code == 200
    assert signed_in_client(admin).get("/test-gate/object/1/").status_code == 200
    client = signed_in_client(desk)
    forbidden = client.get("/test-gate/list/")
    missing = client.get("/test-gate/object/1/")
    assert forbidden.status_code == 403 and "Not allowed" in forbidden.content.decode()
    assert missing.status_code == 404 and "Page not found" in missing.content.decode()


def test_a_member_of_no_practice_gets_403(db):
    from tests.factories.practice import UserFactory

    client = Client()
    client.force_login(UserFactory())
    response = client.get("/")
    assert response.status_code == 403 and "You are not a member of any practice." in response.content.decode()


def test_navigation_is_the_union_of_the_roles_entries(desk):
    from backend.web import nav

    nav.nav_register(nav.NavEntry("Desk only", "web:choose-practice", roles={roles.FRONT_DESK}, order=50))
    try:
        both = MembershipFactory(practice=desk.practice, roles=[roles.ADMIN, roles.FRONT_DESK])
        admin = MembershipFactory(practice=desk.practice, roles=[roles.ADMIN])
        assert "Desk only" in signed_in_client(both).get("/account/security/").content.decode()
        assert "Desk only" not in signed_in_client(admin).get("/account/security/").content.decode()
    finally:
        nav._ENTRIES.pop("web:choose-practice")


# --- error pages -------------------------------------------------------------------------------------------


@pytest.mark.urls("tests.pages.urls_gate")
@pytest.mark.parametrize("debug", [False, True])
def test_error_pages_never_show_a_traceback_or_the_url_list(desk, settings, debug):
    settings.DEBUG = debug
    client = signed_in_client(desk)
    client.raise_request_exception = False
    missing = client.get("/no-such-page/")
    assert missing.status_code == 404 and "Page not found" in missing.content.decode()
    assert "URLconf" not in missing.content.decode() and "test-gate" not in missing.content.decode()
    broken = client.get("/test-gate/broken/")
    assert broken.status_code == 500 and "Something went wrong" in broken.content.decode()
    assert "secret traceback detail" not in broken.content.decode() and "Traceback" not in broken.content.decode()
    gone = client.get("/test-gate/database/")
    assert gone.status_code == 503 and gone["Retry-After"] and "cannot reach its database" in gone.content.decode()
    api = client.get("/api/v1/no-such-endpoint/")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"


def test_pages_carry_a_strict_csp_and_signed_in_pages_are_not_cached(desk):
    anonymous = Client().get("/sign-in/")
    assert "script-src 'self'" in anonymous["Content-Security-Policy"]
    assert "unsafe-inline" not in anonymous["Content-Security-Policy"]
    signed = signed_in_client(desk).get("/account/security/")
    assert signed["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" not in Client().get("/api/v1/auth/me/")
