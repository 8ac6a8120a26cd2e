"""The lifetime of the replies kept for `Idempotency-Key` retries (the key itself is taken and replayed by the
booking views' wrapper, scheduling/idempotency.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from scheduling.models import IdempotencyRecord


def idempotency_records_expire(*, now: datetime | None = None) -> int:
    """Delete records older than IDEMPOTENCY_KEY_TTL_HOURS; answers how many."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
