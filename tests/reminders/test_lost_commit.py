"""The provider accepted a message, then the database went away before `sent` was committed.

The failure is real: the email backend below hands the message over, then has PostgreSQL terminate the
sending connection, so the transaction that records `sent` cannot commit. The send records the hand-off
again on a new connection, so the dispatcher does not reclaim the row and send a second copy.
"""

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.db import connection
from django.utils import timezone

from reminders.models import OutboundMessage
from reminders.services.dispatch import reminders_dispatch
from reminders.services.send import reminder_send
from tests.factories.reminders import OutboundMessageFactory, appointment_row
from tests.pg import admin_connection

pytestmark = pytest.mark.django_db(transaction=True)
St = OutboundMessage.Status


class DatabaseDiesAfterHandOff(LocmemBackend):
    """Delivers (into mail.outbox), then PostgreSQL drops the connection that is sending."""

    reclaim_to = None  # a claim time the "dispatcher" writes once the sending transaction is gone

    def send_messages(self, messages):
        sent = super().send_messages(messages)
        pid = connection.connection.info.backend_pid
        with admin_connection() as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
            for _ in range(100):  # until the server has ended it (and released its row lock)
                if not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                    break
                time.sleep(0.05)
            if DatabaseDiesAfterHandOff.reclaim_to is not None:
                admin.execute(
                    "UPDATE reminders_outboundmessage SET claimed_at = %s WHERE status = 'claimed'",
                    [DatabaseDiesAfterHandOff.reclaim_to],
                )
        return sent


@pytest.fixture
def claimed_row(world, settings):
    settings.EMAIL_BACKEND = f"{__name__}.DatabaseDiesAfterHandOff"
    settings.REMINDERS_RECORD_SENT_WITHIN = 10
    DatabaseDiesAfterHandOff.reclaim_to = None
    appointment = appointment_row(
        clinician=world.p.clinician, clients=[world.p.client_a], starts_at=timezone.now() + timedelta(days=2)
    )
    row = OutboundMessageFactory(appointment=appointment, client=world.p.client_a)
    reminders_dispatch(now=row.due_at, enqueue=False)
    row.refresh_from_db()
    assert row.status == St.CLAIMED
    yield row
    connection.close()


def test_a_hand_off_whose_commit_was_lost_is_recorded_as_sent_once(claimed_row):
    outcome = reminder_send(message_id=claimed_row.pk)
    assert outcome.status == St.SENT
    assert len(mail.outbox) == 1
    claimed_row.refresh_from_db()
    assert (claimed_row.status, claimed_row.attempts, claimed_row.claimed_at) == (St.SENT, 1, None)
    assert claimed_row.provider_message_id == f"<attune-outbox-{claimed_row.pk}@attune.local>"
    # a redelivered task finds it sent and sends nothing
    assert reminder_send(message_id=claimed_row.pk).status == St.SENT
    assert len(mail.outbox) == 1


def test_a_row_the_dispatcher_has_claimed_again_is_left_to_at_least_once(claimed_row):
    new_claim = timezone.now() + timedelta(seconds=1)
    DatabaseDiesAfterHandOff.reclaim_to = new_claim
    assert reminder_send(message_id=claimed_row.pk).status == St.CLAIMED
    claimed_row.refresh_from_db()
    assert claimed_row.status == St.CLAIMED
    assert claimed_row.claimed_at == new_claim  # the other claim is not overwritten
