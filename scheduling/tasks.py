"""Periodic work for the schedule. Thin: ids in, services do the work, safe to run twice."""

import logging

from celery import shared_task

from scheduling.models import AppointmentSeries, SeriesSkippedOccurrence
from scheduling.services.idempotency import idempotency_records_expire
from scheduling.services.series import series_extend

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def series_extend_task(series_id: int) -> dict[str, int]:
    """`{"booked": n, "skipped": m}` for this series (skipped ones are recorded, and logged).

    A series that can no longer be booked (clinician, type or room inactive) does not raise: the service
    records its occurrences as skipped. Anything else that goes wrong is logged with the series id and
    raised, so this task fails alone (its transaction rolled back, the next beat tries again); the other
    series have their own tasks.
    """
    try:
        return series_extend(series_id=series_id)
    except Exception:
        logger.exception("series %s: the rolling extension failed; other series are not affected", series_id)
        raise


@shared_task
def series_extend_all_task() -> dict[str, int]:
    """Every 6 hours: push every active series' materialised occurrences out to the rolling horizon.

    One task per series does the work (each its own transaction, failing alone), so this one cannot know
    what those will skip; it answers how many series it queued and how many skipped occurrences are
    open across practices so far, nobody having booked or dismissed them.
    """
    ids = list(AppointmentSeries.objects.filter(state=AppointmentSeries.State.ACTIVE).values_list("pk", flat=True))
    for series_id in ids:
        series_extend_task.delay(series_id)
    open_skipped = SeriesSkippedOccurrence.objects.filter(resolved_at__isnull=True).count()
    return {"series": len(ids), "open_skipped": open_skipped}


@shared_task
def idempotency_records_expire_task() -> int:
    """Hourly: forget the replies kept for `Idempotency-Key` retries once older than IDEMPOTENCY_KEY_TTL_HOURS."""
    return idempotency_records_expire()
