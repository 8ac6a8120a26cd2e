"""The overdue-note notice through the outbox (registered in NotesConfig.ready(); reminders/registry.py): one
sentence to the author, how many notes wait for their signature, and a link to the app. Never a client's name
or a note's content. Rendered at send time from templates/notes/email/.
"""

from __future__ import annotations

from datetime import datetime

from notes.models import OverdueNoteAlert, ProgressNote
from reminders import registry
from reminders.models import OutboundMessage
from reminders.subjects import app_url, staff_problem
from reminders.templating import render_line, render_text


def note_overdue_check(message: OutboundMessage, now: datetime) -> registry.Check:
    alert = OverdueNoteAlert.objects.select_related("note").filter(pk=message.subject_id).first()
    if alert is None:
        return registry.Check(stale="alert_deleted")
    if alert.acknowledged_at is not None:
        return registry.Check(stale="alert_acknowledged")
    if alert.note.status != ProgressNote.Status.DRAFT:
        return registry.Check(stale="note_signed")
    member = message.recipient  # loaded with the claimed row (related), with its user
    problem = staff_problem(member)
    return registry.Check(problem=problem, subject=alert, to=member.user.email if member and not problem else "")


def note_overdue_render(message: OutboundMessage, checked: registry.Check) -> registry.Rendered:
    alert = checked.subject
    assert isinstance(alert, OverdueNoteAlert)
    count = OverdueNoteAlert.objects.filter(
        author_id=alert.author_id, acknowledged_at__isnull=True, note__status=ProgressNote.Status.DRAFT
    ).count()
    context = {"count": max(count, 1), "app_url": app_url()}
    return registry.Rendered(
        subject=render_line("notes/email/note_overdue_subject.txt", context),
        body=render_text("notes/email/note_overdue.txt", context),
    )


def register() -> None:
    handler = registry.Handler(note_overdue_check, note_overdue_render, related=("recipient__user",))
    registry.register([OutboundMessage.Kind.NOTE_OVERDUE], handler)
