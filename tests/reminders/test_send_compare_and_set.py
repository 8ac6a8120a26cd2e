"""A send holds no row lock (issue 17): it writes its attempt, or its close, only on the row exactly as it read it.
A row another writer changed in between (the outbox sync closing it, the dispatcher reclaiming it) is not sent,
and that writer's change stands; a writer's uncommitted change is waited for, then read."""

import threading
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from reminders import registry
from reminders.models import OutboundMessage
from reminders.services.dispatch import reminders_dispatch
from reminders.services.send import reminder_send
from tests.factories.reminders import OutboundMessageFactory, appointment_row
from tests.pg import admin_connection

St = OutboundMessage.Status


@pytest.fixture
def claimed(world):
    appointment = appointment_row(
        clinician=world.p.clinician, clients=[world.p.client_a], starts_at=timezone.now() + timedelta(days=2)
    )
    row = OutboundMessageFactory(appointment=appointment, client=world.p.client_a)
    assert reminders_dispatch(now=row.due_at, enqueue=False) == [row.pk]
    return row


def _check_after(monkeypatch, kind: str, change) -> None:
    """The kind's check, run after `change` (another writer, between the send's read and its attempt)."""
    handler = registry.handler_for(kind)
    assert handler is not None

    def check(message, now):
        change(message)
        return handler.check(message, now)

    monkeypatch.setitem(registry._handlers, kind, replace(handler, check=check))


@pytest.mark.django_db
def test_a_row_the_outbox_sync_closed_after_the_send_read_it_is_not_sent(claimed, monkeypatch):
    def cancelled(message):
        OutboundMessage.objects.filter(pk=message.pk).update(
            status=St.CANCELLED, skip_reason="appointment_cancelled", claimed_at=None
        )

    _check_after(monkeypatch, claimed.kind, cancelled)
    assert reminder_send(message_id=claimed.pk, now=claimed.due_at).status == St.CANCELLED
    assert mail.outbox == []
    claimed.refresh_from_db()
    assert (claimed.status, claimed.skip_reason, claimed.attempts, claimed.handed_off_at) == (
        St.CANCELLED,
        "appointment_cancelled",
        0,
        None,
    )


@pytest.mark.django_db
def test_a_row_reclaimed_after_the_send_read_it_is_left_to_the_new_claim(claimed, monkeypatch):
    reclaimed_at = claimed.due_at + timedelta(minutes=5)

    def reclaimed(message):
        OutboundMessage.objects.filter(pk=message.pk).update(claimed_at=reclaimed_at)

    _check_after(monkeypatch, claimed.kind, reclaimed)
    assert reminder_send(message_id=claimed.pk, now=claimed.due_at).status == St.CLAIMED
    assert mail.outbox == []
    claimed.refresh_from_db()
    assert (claimed.claimed_at, claimed.attempts, claimed.handed_off_at) == (reclaimed_at, 0, None)


@pytest.mark.django_db(transaction=True)
def test_a_send_waits_for_a_writers_uncommitted_close_and_then_sends_nothing(claimed):
    statuses = []
    with admin_connection() as sync:  # the outbox sync of a cancellation, in its own transaction, not yet committed
        sync.execute("BEGIN")
        sync.execute(
            "UPDATE reminders_outboundmessage SET status = 'cancelled', claimed_at = NULL WHERE id = %s", [claimed.pk]
        )

        def send():
            try:
                statuses.append(reminder_send(message_id=claimed.pk, now=claimed.due_at).status)
            finally:
                connection.close()

        sender = threading.Thread(target=send)
        sender.start()
        time.sleep(0.5)
        assert sender.is_alive()  # waiting on the row in its compare-and-set
        sync.execute("COMMIT")
        sender.join(timeout=30)
    assert statuses == [St.CANCELLED]
    assert mail.outbox == []
    claimed.refresh_from_db()
    assert (claimed.status, claimed.attempts, claimed.handed_off_at) == (St.CANCELLED, 0, None)
