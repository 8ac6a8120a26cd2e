"""Notes still unsigned too long after the session. The periodic task calls `overdue_notes_flag`; the author
hears of each alert once, by email through the reminders outbox."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from notes.models import OverdueNoteAlert, ProgressNote
from practice.models import Practice
from practice.settings_schema import settings_value
from reminders.models import OutboundMessage
from reminders.services.outbox import outbox_staff_message_queue

DEFAULT_OVERDUE_HOURS = 72
NOTE_ALERT = "notes.overduenotealert"  # the outbox subject type of the author's notice (notes/messages.py sends it)


def overdue_hours(practice_settings: dict | None) -> int:
    return settings_value(practice_settings, "note_overdue_hours")


def notify_author_of_overdue_note(*, note_id: int, author_id: int) -> bool:
    """Queue one email to the author on the reminders outbox (kind `note_overdue`, once per alert: a database
    constraint). It says only how many notes wait for their signature, with a link to the app: no client name,
    no note content. The OverdueNoteAlert row, listed at /notes/overdue-alerts/, stays the record. Call it in
    the transaction that records the alert. True if this call queued the email."""
    alert = (
        OverdueNoteAlert.objects.select_related("author__membership__user")
        .filter(note_id=note_id, author_id=author_id)
        .first()
    )
    if alert is None:
        return False
    return outbox_staff_message_queue(
        practice_id=alert.practice_id,
        recipient=alert.author.membership,
        kind=OutboundMessage.Kind.NOTE_OVERDUE,
        subject_type=NOTE_ALERT,
        subject_id=alert.pk,
    )


def overdue_notes_flag(*, now: datetime | None = None) -> int:
    """Record one alert per draft still unsigned `note_overdue_hours` after its session, and queue its author's
    email in the same transaction. Safe to run twice, or twice at once."""
    now = now or timezone.now()
    created = 0
    for practice_id, practice_settings in Practice.objects.values_list("id", "settings"):
        cutoff = now - timedelta(hours=overdue_hours(practice_settings))
        due = ProgressNote.objects.filter(
            practice_id=practice_id,
            status=ProgressNote.Status.DRAFT,
            session_at__lte=cutoff,
            overdue_alert__isnull=True,
        ).values_list("id", "author_id")
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
