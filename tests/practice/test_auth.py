import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core import mail, signing
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from practice import roles
from practice.models import Invitation, Membership
from practice.services.members import INVITATION_SALT, invitation_token
from tests.factories.practice import PASSWORD, MembershipFactory, UserFactory
from tests.reminders.outbox import outbox_deliver

LOGIN = "/api/v1/auth/login/"


def _login(email, password, ip="10.0.0.1"):
    return APIClient(REMOTE_ADDR=ip).post(LOGIN, {"email": email, "password": password}, format="json")


@pytest.fixture
def member(db):
    return MembershipFactory(roles=[roles.FRONT_DESK])


def test_login_returns_a_token_that_authenticates(member):
    response = _login(member.user.email, PASSWORD)
    assert response.status_code == 200
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    me = api.get("/api/v1/auth/me/")
    assert me.status_code == 200
    assert me.json()["memberships"][0]["roles"] == ["front_desk"]


def test_login_email_is_case_insensitive(member):
    assert _login(member.user.email.upper(), PASSWORD).status_code == 200


def test_unknown_email_and_wrong_password_get_the_same_answer(member):
    wrong_password = _login(member.user.email, "not-the-password")
    unknown_email = _login("nobody@example.test", "not-the-password")
    assert wrong_password.status_code == unknown_email.status_code == 400
    assert wrong_password.json() == unknown_email.json()


def test_repeated_failures_lock_out_that_email_from_that_address(member, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(member.user.email, "wrong-guess", ip="203.0.113.9").status_code == 400
    assert _login(member.user.email, "wrong-guess", ip="203.0.113.9").status_code == 429
    locked = _login(member.user.email, PASSWORD, ip="203.0.113.9")
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "locked_out"


def test_an_attacker_cannot_lock_the_victim_out_from_the_victims_address(member, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 3):
        _login(member.user.email, "wrong-guess", ip="203.0.113.9")
    assert _login(member.user.email, PASSWORD, ip="198.51.100.7").status_code == 200


def test_lockout_cools_off(member, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(member.user.email, "wrong-guess", ip="203.0.113.9")
    assert _login(member.user.email, PASSWORD, ip="203.0.113.9").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1))
    assert _login(member.user.email, PASSWORD, ip="203.0.113.9").status_code == 200


def _authed(token: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def test_expired_token_is_refused(member):
    instance, token = AuthToken.objects.create(member.user, timedelta(hours=1))
    AuthToken.objects.filter(pk=instance.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    assert _authed(token).get("/api/v1/auth/me/").status_code == 401


def test_tokens_are_stored_hashed(member):
    instance, token = AuthToken.objects.create(member.user, timedelta(hours=1))
    stored = AuthToken.objects.get(pk=instance.pk)
    assert token not in (stored.digest, stored.token_key)
    assert len(stored.token_key) < len(token)


def test_logout_revokes_only_that_token(member):
    _, first = AuthToken.objects.create(member.user, timedelta(hours=1))
    _, second = AuthToken.objects.create(member.user, timedelta(hours=1))
    assert _authed(first).post("/api/v1/auth/logout/").status_code == 204
    assert _authed(first).get("/api/v1/auth/me/").status_code == 401
    assert _authed(second).get("/api/v1/auth/me/").status_code == 200


def test_logout_everywhere_revokes_every_token(member):
    _, first = AuthToken.objects.create(member.user, timedelta(hours=1))
    _, second = AuthToken.objects.create(member.user, timedelta(hours=1))
    assert _authed(first).post("/api/v1/auth/logoutall/").status_code == 204
    assert _authed(second).get("/api/v1/auth/me/").status_code == 401


def test_password_reset_does_not_reveal_whether_an_account_exists(member):
    api = APIClient()
    known = api.post("/api/v1/auth/password-reset/", {"email": member.user.email}, format="json")
    unknown = api.post("/api/v1/auth/password-reset/", {"email": "nobody@example.test"}, format="json")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert mail.outbox == []  # nothing is sent inside the request: the worker sends it from the outbox
    assert outbox_deliver() == ["sent"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [member.user.email]


def _reset_link_parts(body: str) -> tuple[str, str]:
    link = next(line for line in body.splitlines() if "reset-password?" in line)
    query = dict(part.split("=", 1) for part in link.split("?", 1)[1].split("&"))
    return query["uid"], query["token"]


def test_password_reset_sets_the_password_once_and_revokes_tokens(member):
    _, old_token = AuthToken.objects.create(member.user, timedelta(hours=1))
    api = APIClient()
    api.post("/api/v1/auth/password-reset/", {"email": member.user.email}, format="json")
    outbox_deliver()
    uid, token = _reset_link_parts(mail.outbox[0].body)
    new_password = "a-brand-new-Passphrase"
    confirm = api.post(
        "/api/v1/auth/password-reset/confirm/",
        {"uid": uid, "token": token, "new_password": new_password},
        format="json",
    )
    assert confirm.status_code == 200
    assert _login(member.user.email, new_password).status_code == 200
    assert _authed(old_token).get("/api/v1/auth/me/").status_code == 401
    again = api.post(
        "/api/v1/auth/password-reset/confirm/",
        {"uid": uid, "token": token, "new_password": "yet-another-Passphrase"},
        format="json",
    )
    assert again.status_code == 400
    assert "token" in again.json()["error"]["fields"]


def test_password_reset_applies_the_password_validators(member):
    api = APIClient()
    api.post("/api/v1/auth/password-reset/", {"email": member.user.email}, format="json")
    outbox_deliver()
    uid, token = _reset_link_parts(mail.outbox[0].body)
    weak = api.post(
        "/api/v1/auth/password-reset/confirm/", {"uid": uid, "token": token, "new_password": "12345678"}, format="json"
    )
    assert weak.status_code == 400
    assert "new_password" in weak.json()["error"]["fields"]


def _admin_api(world):
    return world.client_for("admin")


def test_invitation_email_link_creates_a_staff_member(world):
    response = _admin_api(world).post(
        "/api/v1/invitations/", {"email": "New.Person@example.test", "roles": ["clinician"]}, format="json"
    )
    assert response.status_code == 201
    assert mail.outbox == []
    assert outbox_deliver() == ["sent"]
    assert mail.outbox[-1].to == ["new.person@example.test"]
    # The emailed token (signed at send time; a token made now may differ in its timestamp) opens this invitation.
    token = re.search(r"token=(\S+)", mail.outbox[-1].body).group(1)
    payload = signing.loads(token, salt=INVITATION_SALT)
    assert payload == {"i": str(Invitation.objects.get(pk=response.json()["id"]).pk)}
    accept = APIClient().post(
        "/api/v1/auth/invitations/accept/",
        {"token": token, "password": "a-good-Passphrase", "full_name": "New Person"},
        format="json",
    )
    assert accept.status_code == 201
    membership = Membership.objects.get(user__email="new.person@example.test", practice=world.p.practice)
    assert membership.roles == ["clinician"]
    assert membership.clinician.practice == world.p.practice
    reused = APIClient().post(
        "/api/v1/auth/invitations/accept/", {"token": token, "password": "a-good-Passphrase"}, format="json"
    )
    assert reused.status_code == 400


def test_expired_invitation_is_refused(world, settings):
    invitation = Invitation.objects.create(practice=world.p.practice, email="late@example.test", roles=["front_desk"])
    token = invitation_token(invitation)
    settings.INVITATION_MAX_AGE = -1
    response = APIClient().post(
        "/api/v1/auth/invitations/accept/", {"token": token, "password": "a-good-Passphrase"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "token_expired"


def test_member_of_two_practices_must_name_one(world):
    user = world.p.members["front_desk"].user
    MembershipFactory(user=user, practice=world.q.practice, roles=[roles.FRONT_DESK])
    _, token = AuthToken.objects.create(user)
    api = _authed(token)
    missing = api.get("/api/v1/clients/")
    assert missing.status_code == 400
    assert "X-Practice" in missing.json()["error"]["fields"]
    in_q = api.get("/api/v1/clients/", HTTP_X_PRACTICE="q")
    assert {c["id"] for c in in_q.json()["results"]} == {world.q.client_a.pk, world.q.client_b.pk}


def test_naming_a_practice_you_do_not_belong_to_is_refused(world):
    _, token = AuthToken.objects.create(world.p.members["front_desk"].user)
    response = _authed(token).get("/api/v1/clients/", HTTP_X_PRACTICE="q")
    assert response.status_code == 403


def test_inactive_user_cannot_log_in(db):
    user = UserFactory(is_active=False)
    assert _login(user.email, PASSWORD).status_code == 400


def test_deactivating_a_member_revokes_their_tokens_at_once(world):
    member = world.p.members["front_desk"]
    _, token = AuthToken.objects.create(member.user, timedelta(hours=1))
    assert _authed(token).get("/api/v1/auth/me/").status_code == 200
    response = world.client_for("admin").patch(
        f"/api/v1/staff/{member.pk}/", {"roles": ["front_desk"], "is_active": False}, format="json"
    )
    assert response.status_code == 200
    assert _authed(token).get("/api/v1/auth/me/").status_code == 401


def test_an_admin_can_reactivate_a_deactivated_member(world):
    member = world.p.members["front_desk"]
    admin = world.client_for("admin")
    admin.patch(f"/api/v1/staff/{member.pk}/", {"roles": ["front_desk"], "is_active": False}, format="json")
    assert world.client_for("clinician").get(f"/api/v1/staff/{member.pk}/").status_code == 404
    again = admin.patch(f"/api/v1/staff/{member.pk}/", {"roles": ["front_desk"], "is_active": True}, format="json")
    assert again.status_code == 200 and again.json()["is_active"] is True
