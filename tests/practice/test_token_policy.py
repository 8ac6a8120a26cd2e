"""A practice's own token rules: absolute lifetime and inactivity timeout."""

import time
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient


def _client_with_token(member):
    instance, token = AuthToken.objects.create(member.user, timedelta(hours=1))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}", HTTP_X_PRACTICE=member.practice.slug)
    return instance, api


def test_a_token_older_than_the_practice_allows_is_refused_and_revoked(world):
    world.p.practice.settings = {"mfa_required": False, "token_max_hours": 8}
    world.p.practice.save()
    member = world.p.members["front_desk"]
    instance, api = _client_with_token(member)
    assert api.get("/api/v1/clients/").status_code == 200
    AuthToken.objects.filter(pk=instance.pk).update(created=timezone.now() - timedelta(hours=9))
    assert api.get("/api/v1/clients/").status_code == 401
    assert not AuthToken.objects.filter(pk=instance.pk).exists()


def test_inactivity_beyond_the_practice_timeout_logs_out(world):
    world.p.practice.settings = {"mfa_required": False, "token_idle_minutes": 15}
    world.p.practice.save()
    member = world.p.members["front_desk"]
    instance, api = _client_with_token(member)
    assert api.get("/api/v1/clients/").status_code == 200
    key = f"token-last-use:{instance.pk}:{world.p.practice.pk}"
    cache.set(key, time.time() - 16 * 60, 3600)  # last used 16 minutes ago
    assert api.get("/api/v1/clients/").status_code == 401
    assert not AuthToken.objects.filter(pk=instance.pk).exists()


def test_activity_within_the_practice_timeout_keeps_the_log_in(world):
    world.p.practice.settings = {"mfa_required": False, "token_idle_minutes": 15}
    world.p.practice.save()
    instance, api = _client_with_token(world.p.members["front_desk"])
    api.get("/api/v1/clients/")
    cache.set(f"token-last-use:{instance.pk}:{world.p.practice.pk}", time.time() - 14 * 60, 3600)
    assert api.get("/api/v1/clients/").status_code == 200
