"""Notes still unsigned too long after the session. The periodic task calls `overdue_notes_flag`."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from notes.models import OverdueNoteAlert, ProgressNote
from practice.models import Practice

DEFAULT_OVERDUE_HOURS = 72


def overdue_hours(practice_settings: dict | None) -> int:
    value = (practice_settings or {}).get("note_overdue_hours")
    if isinstance(value, int) and value > 0:
        return value
    return int(getattr(settings, "NOTES_OVERDUE_HOURS", DEFAULT_OVERDUE_HOURS))


def notify_author_of_overdue_note(*, note_id: int, author_id: int) -> None:
    """Hook for the reminders outbox (not built yet): until then the OverdueNoteAlert row, which the author
    lists at /notes/overdue-alerts/, is the notification."""


def overdue_notes_flag(*, now: datetime | None = None) -> int:
    """Record one alert per draft still unsigned `note_overdue_hours` after its session. Safe to run twice."""
    now = now or timezone.now()
    created = 0
    for practice_id, practice_settings in Practice.objects.values_list("id", "settings"):
        cutoff = now - timedelta(hours=overdue_hours(practice_settings))
        due = (ProgressNote.objects.filter(practice_id=practice_id, status=ProgressNote.Status.DRAFT,
                                           session_at__lte=cutoff, overdue_alert__isnull=True)
               .values_list("id", "author_id"))
        due = list(due)
        with transaction.atomic():
            # The unique note column makes a concurrent second run insert nothing.
            OverdueNoteAlert.objects.bulk_create(
                [OverdueNoteAlert(practice_id=practice_id, note_id=n, author_id=a) for n, a in due],
                ignore_conflicts=True,
            )
        for note_id, author_id in due:
            notify_author_of_overdue_note(note_id=note_id, author_id=author_id)
        created += len(due)
    return created
