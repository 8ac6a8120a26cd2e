"""The base every practice-scoped API view builds on.

It resolves *which membership* the caller acts through before any permission runs:
the practice comes from the `X-Practice` header (the practice's slug) and may be left
out by a user who belongs to exactly one practice.
"""

from datetime import timedelta

from rest_framework import exceptions

from practice.models import Membership
from practice.services.second_factor import request_second_factor_require
from practice.settings_schema import practice_setting


def resolve_membership(request) -> Membership | None:
    """The membership the request acts through; then the practice's second-factor rule for it (403
    `mfa_required` when the practice requires one of its staff and this log-in gave none)."""
    membership = _membership_named(request)
    if membership is not None:
        request_second_factor_require(request, membership)
    return membership


def _membership_named(request) -> Membership | None:
    user = request.user
    if not user or not user.is_authenticated:
        return None
    # The user is the request's own (the row the filter names), so it is not joined and read again; and there is
    # at most one membership per (user, practice), so no ORDER BY is needed to pick it. Both matter on every
    # request: the join and the ordering were about 40% of this lookup's CPU (docs/performance.md, the way in).
    memberships = Membership.objects.select_related("practice")
    slug = request.headers.get("X-Practice", "").strip()
    if slug:
        found = list(memberships.filter(user=user, is_active=True, practice__slug=slug)[:1])
        if not found:
            # Same answer whether the practice exists or not: no enumeration of tenants.
            raise exceptions.PermissionDenied("You are not a member of that practice.")
    else:
        found = list(memberships.filter(user=user, is_active=True)[:2])
        if not found:
            raise exceptions.PermissionDenied("You are not a member of any practice.")
        if len(found) > 1:
            raise exceptions.ValidationError(
                {"X-Practice": ["You belong to several practices: name one in this header."]}
            )
    membership = found[0]
    membership.user = user  # the same row, already read by the authentication: no lazy load of it later
    return membership


def enforce_practice_token_policy(request, membership: Membership) -> None:
    """A practice may log its staff out sooner than the global token rules do.

    `Practice.settings["token_max_hours"]`: absolute lifetime of a token, from log-in.
    `Practice.settings["token_idle_minutes"]`: inactivity timeout inside this practice. The last use
    is kept in the shared cache for twice the global idle TTL; a missing entry can only mean a
    gap longer than that, which knox's own expiry has already ended.
    """
    from django.conf import settings
    from django.core.cache import cache
    from django.utils import timezone
    from knox.models import AuthToken

    token = request.auth
    if not isinstance(token, AuthToken):
        return
    now = timezone.now()
    max_hours = practice_setting(membership.practice, "token_max_hours")
    if max_hours and token.created < now - timedelta(hours=float(max_hours)):
        token.delete()
        raise exceptions.AuthenticationFailed("This log-in has reached the practice's maximum length. Log in again.")
    idle_minutes = practice_setting(membership.practice, "token_idle_minutes")
    if idle_minutes:
        key = f"token-last-use:{token.pk}:{membership.practice_id}"
        last_use = cache.get(key)
        if last_use is not None and now.timestamp() - last_use > float(idle_minutes) * 60:
            token.delete()
            cache.delete(key)
            raise exceptions.AuthenticationFailed("Logged out after inactivity. Log in again.")
        ttl = int(settings.REST_KNOX["TOKEN_TTL"].total_seconds()) * 2
        cache.set(key, now.timestamp(), ttl)


class PracticeScopedMixin:
    """Sets `request.membership` after authentication and before permissions and throttles."""

    def initial(self, request, *args, **kwargs):
        self.perform_authentication(request)
        request.membership = resolve_membership(request)
        if request.membership is not None:
            enforce_practice_token_policy(request, request.membership)
        super().initial(request, *args, **kwargs)
