"""API tokens' housekeeping: the clean-up knox would otherwise run on every request."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def auth_tokens_expire(*, now: datetime | None = None) -> int:
    """Delete every API token whose expiry has passed (with its second-factor mark); answers how many.

    An expired token is already refused by authentication (backend/api/authentication.py checks the expiry of
    the token presented): this only keeps the table from growing with dead log-ins."""
    from knox.models import AuthToken

    deleted = AuthToken.objects.filter(expiry__lt=now or timezone.now()).delete()[1]
    return deleted.get(AuthToken._meta.label, 0)
