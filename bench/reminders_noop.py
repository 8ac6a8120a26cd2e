"""A no-op Celery task, the baseline for bench/reminders_bench.py (loaded with `celery worker -I`)."""

from celery import shared_task


@shared_task(ignore_result=True, acks_late=True)
def reminders_bench_noop(message_id: int) -> int:
    return message_id
