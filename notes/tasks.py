"""Periodic work of the notes app. Thin: the service decides, and is safe to run twice."""

from celery import shared_task

from notes import services


@shared_task(acks_late=True)
def overdue_notes_flag_task() -> int:
    return services.overdue_notes_flag()
