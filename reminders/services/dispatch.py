"""Claiming due rows and enqueuing their send tasks, and the dispatcher kick for messages due now."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from reminders.models import OutboundMessage
from reminders.services.send import SEND_LOCK_SPACE

logger = logging.getLogger(__name__)

St = OutboundMessage.Status


def claim_timeout() -> timedelta:
    # How long a claimed row may wait for its send task to start (in the broker, prefetched by a worker).
    # A send under way holds the row's advisory lock (send.SEND_LOCK_SPACE), which the reclaim respects, and a
    # transient failure dates the claim to its retry: so this can be short, and a killed worker costs seconds.
    return timedelta(seconds=int(getattr(settings, "REMINDERS_CLAIM_TIMEOUT", 30)))


# A claimed row is not reclaimed while a live send holds its advisory lock (it dies with its connection).
NOT_BEING_SENT = RawSQL(
    "NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = %s "
    "AND objid = reminders_outboundmessage.id AND objsubid = 2)",
    [SEND_LOCK_SPACE],
    output_field=BooleanField(),
)


def reminders_dispatch(*, now: datetime | None = None, batch_size: int = 500, enqueue: bool = True) -> list[int]:
    """Claim due rows (and rows claimed too long ago) and enqueue their send tasks after commit.

    Two dispatchers at once each claim different rows: SKIP LOCKED passes over the rows another
    transaction holds, and a row claimed and committed no longer matches the filter.
    """
    now = now or timezone.now()
    stale = now - claim_timeout()
    with transaction.atomic():
        ids = list(
            OutboundMessage.objects.select_for_update(skip_locked=True)
            .alias(not_being_sent=NOT_BEING_SENT)
            .filter(
                Q(status=St.PENDING, due_at__lte=now) | Q(status=St.CLAIMED, claimed_at__lte=stale, not_being_sent=True)
            )
            .order_by("due_at", "id")
            .values_list("id", flat=True)[:batch_size]
        )
        if ids:
            OutboundMessage.objects.filter(pk__in=ids).update(status=St.CLAIMED, claimed_at=now, updated_at=now)
            if enqueue:
                transaction.on_commit(lambda: _enqueue_sends(ids))
    return ids


def _enqueue_sends(ids: Iterable[int]) -> None:
    # reminders.tasks imports these services (the tasks run them): imported here, when a send is queued.
    from reminders.tasks import reminder_send_task

    # One producer for the batch, its messages pipelined to the broker (kombu's publish batch: on Redis, the LPUSHes
    # in pipelines of up to 500): `delay()` took a producer from the pool and a Redis client for every task, about
    # 2 ms of the dispatcher's CPU a row. If the broker fails, the rows not yet published stay claimed and are
    # claimed again after the claim timeout, as before.
    with reminder_send_task.app.producer_or_acquire() as producer, producer.batch(max_size=500):
        for message_id in ids:
            reminder_send_task.apply_async((message_id,), producer=producer)


def _kick_dispatcher() -> None:
    """Immediate messages need not wait for the next beat. A broker outage must not fail the booking:
    the beat dispatcher finds the rows anyway. No connection or publish retries (the transport's
    `max_retries: 0` in settings, `retry=False` here): with the broker down the booking answers at once."""
    from reminders.tasks import reminders_dispatch_task  # as above: reminders.tasks imports these services

    try:
        reminders_dispatch_task.apply_async(retry=False)
    except Exception:  # noqa: BLE001 - after commit, a broker error is only a delay
        logger.warning("reminders: could not enqueue the dispatcher; the next beat will send", exc_info=True)
