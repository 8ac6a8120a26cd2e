"""Periodic work for the schedule. Thin: ids in, services do the work, safe to run twice."""

from celery import shared_task

from scheduling.models import AppointmentSeries
from scheduling.services.series import series_extend


@shared_task(acks_late=True)
def series_extend_task(series_id: int) -> int:
    return series_extend(series_id=series_id)


@shared_task
def series_extend_all_task() -> int:
    """Daily: push every active series' materialised occurrences out to the rolling horizon."""
    ids = list(AppointmentSeries.objects.filter(state=AppointmentSeries.State.ACTIVE).values_list("pk", flat=True))
    for series_id in ids:
        series_extend_task.delay(series_id)
    return len(ids)
