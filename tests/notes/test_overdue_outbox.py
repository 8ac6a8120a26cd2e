"""Overdue-note alerts reach the author once, by email through the reminders outbox, with no clinical content."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notes import services
from notes.models import OverdueNoteAlert
from reminders.models import OutboundMessage
from reminders.selectors import outbound_message_list
from tests.factories.notes import RELATIONAL, draft_note
from tests.reminders.outbox import outbox_deliver

pytestmark = pytest.mark.django_db
Kind = OutboundMessage.Kind


def _old_draft(world, hours=80):
    return draft_note(world.p.clinician, world.p.client_a, session_at=timezone.now() - timedelta(hours=hours))


def test_each_alert_emails_its_author_once_with_a_count_and_a_link_only(world):
    first, second = _old_draft(world, 80), _old_draft(world, 90)
    assert services.overdue_notes_flag() == 2
    assert services.overdue_notes_flag() == 0  # run again: no new alert, no new email
    alerts = OverdueNoteAlert.objects.order_by("pk")
    rows = OutboundMessage.objects.filter(kind=Kind.NOTE_OVERDUE).order_by("subject_id")
    member = world.p.clinician.membership
    assert sorted((r.recipient_id, r.client_id, r.subject_type, r.subject_id) for r in rows) == sorted(
        (member.pk, None, "notes.overduenotealert", str(a.pk)) for a in alerts
    )
    services.notify_author_of_overdue_note(note_id=first.pk, author_id=world.p.clinician.pk)  # the hook again
    assert rows.count() == 2

    assert outbox_deliver() == ["sent", "sent"]
    assert outbox_deliver() == []
    assert len(mail.outbox) == 2
    client = world.p.client_a
    for email in mail.outbox:
        assert email.to == [member.user.email]
        text = email.subject + "\n" + email.body
        assert "2 progress notes are waiting for your signature" in text and "http" in text
        for leaked in (
            client.first_name,
            client.last_name,
            client.email,
            *RELATIONAL.values(),
            f"{second.session_at:%Y-%m-%d}",
        ):
            assert leaked not in text, leaked
    # The front desk's delivery list is about client messages only.
    assert not outbound_message_list(actor=world.p.members["front_desk"]).filter(kind=Kind.NOTE_OVERDUE).exists()


def test_a_note_signed_before_the_email_goes_cancels_it(world):
    note = _old_draft(world)
    services.overdue_notes_flag()
    services.progress_note_sign(actor=world.p.clinician.membership, note=note)
    assert outbox_deliver() == ["cancelled"]
    # Signing acknowledges the alert; either way the email is not sent.
    assert OutboundMessage.objects.get(kind=Kind.NOTE_OVERDUE).skip_reason in ("alert_acknowledged", "note_signed")
    assert mail.outbox == []
