"""Multi-factor log-in: TOTP with single-use recovery codes, required by a practice setting."""

import pyotp
import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from practice import roles
from practice.models import MfaDevice, Practice
from tests.factories.practice import PASSWORD, MembershipFactory, PracticeFactory

LOGIN = "/api/v1/auth/login/"
VERIFY = "/api/v1/auth/mfa/verify/"
ENROL = "/api/v1/auth/mfa/enrol/"


def _login(user):
    return APIClient().post(LOGIN, {"email": user.email, "password": PASSWORD}, format="json")


def _code(secret, offset_steps=0):
    totp = pyotp.TOTP(secret)
    import time

    return totp.at(time.time() + offset_steps * totp.interval)


@pytest.fixture
def staff(db):
    practice = PracticeFactory(settings={"mfa_required": True})
    return MembershipFactory(practice=practice, roles=[roles.CLINICIAN]).user


def _enrol_through_login(user) -> dict:
    first = _login(user).json()
    enrolment = APIClient().post(ENROL, {"challenge": first["challenge"]}, format="json")
    assert enrolment.status_code == 201
    return {"challenge": first["challenge"], **enrolment.json()}


def test_new_practices_require_mfa_by_default(db):
    assert Practice.objects.create(name="New", slug="new-practice").settings["mfa_required"] is True


def test_staff_of_an_mfa_practice_gets_a_challenge_not_a_token(staff):
    response = _login(staff)
    assert response.status_code == 200
    body = response.json()
    assert body["mfa_required"] is True and body["mfa_enrolled"] is False
    assert "token" not in body
    assert not AuthToken.objects.filter(user=staff).exists()


def test_a_wrong_or_missing_second_factor_never_gives_a_token(staff):
    enrolled = _enrol_through_login(staff)
    api = APIClient()
    assert api.post(VERIFY, {"challenge": enrolled["challenge"]}, format="json").status_code == 400
    assert api.post(VERIFY, {"challenge": enrolled["challenge"], "code": "000000"}, format="json").status_code == 400
    assert (
        api.post(VERIFY, {"challenge": "forged", "code": _code(enrolled["secret"])}, format="json").status_code == 400
    )
    assert not AuthToken.objects.filter(user=staff).exists()


def test_enrol_at_login_then_verify_with_totp_gives_a_token_and_confirms_the_device(staff):
    enrolled = _enrol_through_login(staff)
    assert enrolled["otpauth_uri"].startswith("otpauth://totp/")
    assert len(enrolled["recovery_codes"]) == 10
    response = APIClient().post(
        VERIFY, {"challenge": enrolled["challenge"], "code": _code(enrolled["secret"])}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["token"]
    assert MfaDevice.objects.get(user=staff).confirmed_at is not None
    # Enrolled now: the next log-in says so, and enrolment cannot be restarted without disabling first.
    again = _login(staff).json()
    assert again["mfa_enrolled"] is True
    assert APIClient().post(ENROL, {"challenge": again["challenge"]}, format="json").status_code == 409


def test_a_totp_code_cannot_be_replayed(staff):
    enrolled = _enrol_through_login(staff)
    code = _code(enrolled["secret"])
    first = APIClient().post(VERIFY, {"challenge": enrolled["challenge"], "code": code}, format="json")
    assert first.status_code == 200
    challenge = _login(staff).json()["challenge"]
    assert APIClient().post(VERIFY, {"challenge": challenge, "code": code}, format="json").status_code == 400


def test_a_recovery_code_works_once(staff):
    enrolled = _enrol_through_login(staff)
    APIClient().post(VERIFY, {"challenge": enrolled["challenge"], "code": _code(enrolled["secret"])}, format="json")
    recovery = enrolled["recovery_codes"][0]
    challenge = _login(staff).json()["challenge"]
    first = APIClient().post(VERIFY, {"challenge": challenge, "recovery_code": recovery.upper()}, format="json")
    assert first.status_code == 200 and first.json()["token"]
    second = APIClient().post(VERIFY, {"challenge": challenge, "recovery_code": recovery}, format="json")
    assert second.status_code == 400
    assert second.json()["error"]["code"] == "mfa_code_invalid"


def test_recovery_codes_do_not_complete_an_unconfirmed_enrolment(staff):
    enrolled = _enrol_through_login(staff)
    response = APIClient().post(
        VERIFY, {"challenge": enrolled["challenge"], "recovery_code": enrolled["recovery_codes"][0]}, format="json"
    )
    assert response.status_code == 400


def test_a_practice_that_turns_mfa_off_gets_tokens_from_the_password(db):
    practice = PracticeFactory(settings={"mfa_required": False})
    user = MembershipFactory(practice=practice, roles=[roles.FRONT_DESK]).user
    assert _login(user).json()["token"]


def test_a_client_portal_login_is_not_asked_for_a_second_factor(db):
    practice = PracticeFactory(settings={"mfa_required": True})
    user = MembershipFactory(practice=practice, roles=[roles.CLIENT]).user
    assert _login(user).json()["token"]


def test_a_password_change_voids_an_outstanding_challenge(staff):
    enrolled = _enrol_through_login(staff)
    staff.set_password("a-different-Passw0rd!")
    staff.save()
    response = APIClient().post(
        VERIFY, {"challenge": enrolled["challenge"], "code": _code(enrolled["secret"])}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "challenge_invalid"


def _logged_in_with_mfa(user):
    enrolled = _enrol_through_login(user)
    token = (
        APIClient()
        .post(VERIFY, {"challenge": enrolled["challenge"], "code": _code(enrolled["secret"])}, format="json")
        .json()["token"]
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api, enrolled


def test_a_logged_in_user_enrols_and_confirms_with_a_code(db):
    practice = PracticeFactory(settings={"mfa_required": False})
    user = MembershipFactory(practice=practice, roles=[roles.ADMIN]).user
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {_login(user).json()['token']}")
    enrolled = api.post(ENROL, {}, format="json").json()
    assert api.get("/api/v1/auth/mfa/").json() == {"enrolled": False, "required": False, "recovery_codes_left": 0}
    assert api.post("/api/v1/auth/mfa/confirm/", {"code": "000000"}, format="json").status_code == 400
    confirmed = api.post("/api/v1/auth/mfa/confirm/", {"code": _code(enrolled["secret"])}, format="json")
    assert confirmed.json() == {"enrolled": True, "required": False, "recovery_codes_left": 10}
    # Enrolled voluntarily: the password alone no longer gives a token.
    assert "token" not in _login(user).json()


def test_disable_needs_a_code_then_login_asks_to_enrol_again(staff):
    api, enrolled = _logged_in_with_mfa(staff)
    assert api.post("/api/v1/auth/mfa/disable/", {"code": "000000"}, format="json").status_code == 400
    assert (
        api.post(
            "/api/v1/auth/mfa/disable/", {"recovery_code": enrolled["recovery_codes"][1]}, format="json"
        ).status_code
        == 204
    )
    assert not MfaDevice.objects.filter(user=staff).exists()
    assert _login(staff).json()["mfa_enrolled"] is False


def test_an_admin_resets_a_staff_members_factor_and_their_tokens(staff):
    membership = staff.memberships.get()
    _logged_in_with_mfa(staff)
    admin = MembershipFactory(practice=membership.practice, roles=[roles.ADMIN]).user
    api, _ = _logged_in_with_mfa(admin)  # the practice requires the second factor of its admin too
    assert api.post(f"/api/v1/staff/{membership.pk}/mfa-reset/").status_code == 204
    assert not MfaDevice.objects.filter(user=staff).exists()
    assert not AuthToken.objects.filter(user=staff).exists()


def test_wrong_codes_lock_the_second_factor_for_a_while(staff, settings):
    from practice.services.mfa import MFA_MAX_FAILURES

    enrolled = _enrol_through_login(staff)
    api = APIClient()
    for _ in range(MFA_MAX_FAILURES):
        wrong = api.post(VERIFY, {"challenge": enrolled["challenge"], "code": "000000"}, format="json")
        assert wrong.status_code == 400
    locked = api.post(VERIFY, {"challenge": enrolled["challenge"], "code": _code(enrolled["secret"])}, format="json")
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "mfa_throttled"
    assert locked["Retry-After"] == str(locked.json()["error"]["retry_after_seconds"])
    assert not AuthToken.objects.filter(user=staff).exists()
