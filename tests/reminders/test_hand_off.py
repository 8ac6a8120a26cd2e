"""A send records its hand-off before calling the provider, and holds an advisory lock while it sends (issue 13):
a row a dead worker left mid hand-off is never recorded as unsent, a live send is never reclaimed, and a claim
times out in seconds, not minutes."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from reminders.backends.sms import LocmemSmsBackend
from reminders.models import OutboundMessage
from reminders.services.dispatch import claim_timeout, reminders_dispatch
from reminders.services.send import SEND_LOCK_SPACE, reminder_send
from scheduling.services.appointment_changes import appointment_cancel
from tests.factories.reminders import OutboundMessageFactory, appointment_row
from tests.pg import admin_connection

St = OutboundMessage.Status


def _handed_off_then_crashed(world, starts_at):
    """A row whose provider call was under way when the worker died (the provider may have the message)."""
    client = world.p.client_a
    client.sms_consent, client.sms_consent_at, client.sms_consent_source = True, timezone.now(), "portal"
    client.save()
    appointment = appointment_row(clinician=world.p.clinician, clients=[client], starts_at=starts_at)
    row = OutboundMessageFactory(appointment=appointment, client=client, channel="sms", offset_minutes=5)
    reminders_dispatch(now=row.due_at, enqueue=False)
    LocmemSmsBackend.fail_next.append(SystemExit("worker killed during the provider call"))
    with pytest.raises(SystemExit):
        reminder_send(message_id=row.pk)
    row.refresh_from_db()
    assert row.status == St.CLAIMED and row.handed_off_at is not None
    return appointment, row


@pytest.mark.django_db
def test_a_hand_off_cut_by_a_crash_and_then_too_late_to_resend_is_recorded_handed_off_not_unsent(world):
    appointment, row = _handed_off_then_crashed(world, timezone.now() + timedelta(minutes=5))
    later = appointment.starts_at + timedelta(minutes=1)  # reclaimed after the session began
    reminders_dispatch(now=later, enqueue=False)
    assert reminder_send(message_id=row.pk, now=later).status == St.HANDED_OFF
    row.refresh_from_db()
    assert (row.status, row.skip_reason) == (St.HANDED_OFF, "appointment_started")
    assert LocmemSmsBackend.outbox == []  # not sent again after the start


@pytest.mark.django_db
def test_cancelling_an_appointment_whose_reminder_was_mid_hand_off_records_handed_off_not_cancelled(world):
    appointment, row = _handed_off_then_crashed(world, timezone.now() + timedelta(days=1))
    appointment_cancel(actor=world.p.members["front_desk"], appointment=appointment)
    row.refresh_from_db()
    assert (row.status, row.skip_reason) == (St.HANDED_OFF, "appointment_cancelled")


@pytest.mark.django_db
def test_a_claim_times_out_in_seconds_by_default():
    assert claim_timeout() <= timedelta(seconds=60)


@pytest.mark.django_db(transaction=True)
def test_a_row_being_sent_is_not_reclaimed_however_long_the_send_takes(world):
    appointment = appointment_row(
        clinician=world.p.clinician, clients=[world.p.client_a], starts_at=timezone.now() + timedelta(days=1)
    )
    row = OutboundMessageFactory(appointment=appointment, client=world.p.client_a)
    reminders_dispatch(now=row.due_at, enqueue=False)
    much_later = row.due_at + 10 * claim_timeout()
    with admin_connection() as sender:  # a live send holds the row's advisory lock
        sender.execute("SELECT pg_advisory_lock(%s, %s)", [SEND_LOCK_SPACE, row.pk])
        assert reminders_dispatch(now=much_later, enqueue=False) == []
        pid = sender.info.backend_pid
    # the sender's connection is gone (a killed worker's is too): once its server process has ended, the row
    # is reclaimed
    with admin_connection() as admin:
        for _ in range(100):
            if not admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                break
            time.sleep(0.05)
    assert reminders_dispatch(now=much_later, enqueue=False) == [row.pk]
