"""Issue 17, "the way in": an authenticated request costs the token and the membership, nothing more; expired
tokens are refused by the authentication itself and deleted by a periodic task (backend/api/authentication.py,
practice/tasks.py)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from backend.api.views import resolve_membership
from practice import roles
from practice.models import TokenSecondFactor
from practice.services.second_factor import token_mark_second_factor
from practice.tasks import auth_tokens_expire_task
from tests.factories.practice import MembershipFactory, PracticeFactory


def _api(token: str, practice=None) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}", **({"HTTP_X_PRACTICE": practice.slug} if practice else {}))
    return api


@pytest.fixture
def member(db):
    return MembershipFactory(roles=[roles.FRONT_DESK])


def _expire(instance) -> None:
    AuthToken.objects.filter(pk=instance.pk).update(expiry=timezone.now() - timedelta(seconds=1))


def test_a_practice_request_costs_the_token_and_the_membership(member, django_assert_num_queries):
    _, token = AuthToken.objects.create(member.user)
    for _ in range(5):  # more tokens of the user: knox read them all on every request
        AuthToken.objects.create(member.user)
    api = _api(token, member.practice)
    api.get("/api/v1/practice/")  # the first use may renew the expiry (at most once per MIN_REFRESH_INTERVAL)
    with django_assert_num_queries(2):  # the token (with its user and second-factor mark), the membership
        assert api.get("/api/v1/practice/").status_code == 200


def test_the_second_factor_comes_with_the_token_query(db, django_assert_num_queries):
    practice = PracticeFactory(settings={"mfa_required": True})
    member = MembershipFactory(practice=practice, roles=[roles.FRONT_DESK])
    verified, verified_token = AuthToken.objects.create(member.user)
    token_mark_second_factor(token=verified, method="totp")
    _, plain_token = AuthToken.objects.create(member.user)
    _api(verified_token, practice).get("/api/v1/practice/")
    with django_assert_num_queries(2):
        assert _api(verified_token, practice).get("/api/v1/practice/").status_code == 200
    refused = _api(plain_token, practice).get("/api/v1/practice/")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "mfa_required"
    TokenSecondFactor.objects.filter(token_id=verified.pk).delete()  # the mark is read on every request
    assert _api(verified_token, practice).get("/api/v1/practice/").json()["error"]["code"] == "mfa_required"


def test_an_expired_token_is_refused_without_any_clean_up_of_the_others(member):
    expired, expired_token = AuthToken.objects.create(member.user)
    other_expired, _ = AuthToken.objects.create(member.user)
    live, live_token = AuthToken.objects.create(member.user)
    _expire(expired)
    _expire(other_expired)
    assert _api(expired_token, member.practice).get("/api/v1/practice/").status_code == 401
    assert _api(expired_token).get("/api/v1/auth/me/").status_code == 401
    assert _api(live_token, member.practice).get("/api/v1/practice/").status_code == 200
    # the request deleted the token it refused; the other expired one waits for the periodic task
    assert set(AuthToken.objects.values_list("pk", flat=True)) == {other_expired.pk, live.pk}


def test_a_token_that_expires_between_two_requests_is_refused_on_the_second(member):
    instance, token = AuthToken.objects.create(member.user)
    api = _api(token, member.practice)
    assert api.get("/api/v1/practice/").status_code == 200
    _expire(instance)
    assert api.get("/api/v1/practice/").status_code == 401


def test_the_expiry_task_deletes_expired_tokens_and_keeps_live_ones(db):
    one, two = MembershipFactory(), MembershipFactory()
    expired_one, _ = AuthToken.objects.create(one.user)
    expired_two, _ = AuthToken.objects.create(two.user)
    token_mark_second_factor(token=expired_two, method="totp")
    live, live_token = AuthToken.objects.create(one.user)
    endless, _ = AuthToken.objects.create(two.user, expiry=None)
    _expire(expired_one)
    _expire(expired_two)

    assert auth_tokens_expire_task() == 2

    assert set(AuthToken.objects.values_list("pk", flat=True)) == {live.pk, endless.pk}
    assert not TokenSecondFactor.objects.filter(token_id=expired_two.pk).exists()
    assert _api(live_token, one.practice).get("/api/v1/practice/").status_code == 200
    assert auth_tokens_expire_task() == 0


def test_the_expiry_task_runs_on_the_beat():
    entries = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == auth_tokens_expire_task.name]
    assert len(entries) == 1
    assert entries[0]["schedule"] <= 3600


def test_the_membership_carries_the_authenticated_user_without_reading_it_again(member, django_assert_num_queries):
    _, token = AuthToken.objects.create(member.user)
    request = APIView().initialize_request(
        APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {token}", HTTP_X_PRACTICE=member.practice.slug)
    )
    with django_assert_num_queries(2):  # the token (with its user), the membership (with its practice)
        membership = resolve_membership(request)
        assert membership == member
        assert membership.user is request.user  # the authentication's row, not a lazy load of its own
        assert membership.practice.slug == member.practice.slug


def test_the_api_answers_json_only_never_the_browsable_api(member):
    _, token = AuthToken.objects.create(member.user)
    api = _api(token, member.practice)
    assert api.get("/api/v1/practice/", HTTP_ACCEPT="text/html,*/*;q=0.8")["Content-Type"] == "application/json"
    refused = api.get("/api/v1/practice/", HTTP_ACCEPT="text/html")
    assert refused.status_code == 406
    assert refused["Content-Type"] == "application/json"
    assert api.get("/api/v1/practice/?format=api").status_code == 404
