"""What one send costs in statements, pinned: the advisory lock and the row with its subject (the handlers'
`related`) in one round trip, the attempt as one compare-and-set UPDATE (no transaction, no row lock), and a
`sent` with no on_sent hook one UPDATE that releases the lock in its round trip."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from reminders.models import OutboundMessage
from reminders.services.dispatch import reminders_dispatch
from reminders.services.send import reminder_send
from tests.factories.intake import packet_for
from tests.factories.reminders import OutboundMessageFactory, appointment_row

pytestmark = pytest.mark.django_db
St = OutboundMessage.Status


def test_an_appointment_reminder_is_sent_in_three_statements(world, django_assert_num_queries):
    appointment = appointment_row(
        clinician=world.p.clinician, clients=[world.p.client_a], starts_at=timezone.now() + timedelta(days=2)
    )
    row = OutboundMessageFactory(appointment=appointment, client=world.p.client_a)
    reminders_dispatch(now=row.due_at, enqueue=False)
    # the advisory lock, then the row with its client and appointment (practice, room, location); the attempt on
    # the row as read; the outcome, then the advisory unlock
    with django_assert_num_queries(3):
        assert reminder_send(message_id=row.pk, now=row.due_at).status == St.SENT
    assert len(mail.outbox) == 1


def test_an_intake_invitation_is_sent_with_its_packet_stamped_in_the_same_transaction(world, django_assert_num_queries):
    packet = packet_for(world.p.client_a, "phq-9", send_invitation=True)
    [row_id] = reminders_dispatch(enqueue=False)
    # the lock and the row, the packet read by the check, the attempt; the outcome and the packet's
    # invitation_sent_at (on_sent) inside one transaction (savepoint and release here); the advisory unlock
    with django_assert_num_queries(8):
        assert reminder_send(message_id=row_id).status == St.SENT
    packet.refresh_from_db()
    assert packet.invitation_sent_at is not None
