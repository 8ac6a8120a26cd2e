"""Deliver the outbox in a test, as the beat dispatcher and the send task would (no broker involved)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from reminders.services.dispatch import reminders_dispatch
from reminders.services.send import reminder_send


def outbox_deliver(*, now: datetime | None = None) -> list[str]:
    """Claim every due row and send each one; the outcome status per row, in claim order."""
    now = now or timezone.now()
    return [reminder_send(message_id=i, now=now).status for i in reminders_dispatch(now=now, enqueue=False)]
