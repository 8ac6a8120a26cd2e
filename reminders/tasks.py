"""Celery tasks: thin, ids only, safe to run twice (the services check row state under a lock).

- `reminders_dispatch_task`: beat runs it every 30 s (CELERY_BEAT_SCHEDULE "reminders-dispatch").
  No ETA or countdown tasks carry reminders: a row waits in PostgreSQL until it is due.
- `reminder_send_task`: acks_late because it is idempotent (a redelivered task finds the row
  sent and does nothing); transient errors retry with exponential back-off capped at 5 minutes
  (`send.retry_delay`, the countdown the row's claim is dated to), far below the broker's visibility
  timeout; the number of attempts is capped on the row.
"""

from __future__ import annotations

from celery import shared_task

from reminders.services.dispatch import reminders_dispatch
from reminders.services.send import MAX_ATTEMPTS, reminder_send


@shared_task(acks_late=True, ignore_result=True)
def reminders_dispatch_task() -> int:
    return len(reminders_dispatch())


@shared_task(bind=True, acks_late=True, ignore_result=True, max_retries=MAX_ATTEMPTS - 1)
def reminder_send_task(self, message_id: int) -> str:
    outcome = reminder_send(message_id=message_id)
    if outcome.retry is not None:
        # The row is recorded (attempts, and a claim dated to the retry); the next attempt runs after retry_in.
        raise self.retry(exc=outcome.retry, countdown=outcome.retry_in)
    return outcome.status
