"""Claiming due rows and sending them: re-checks at send time, retries, permanent failures, consent, limits."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from reminders.backends.errors import PermanentSendError, TransientSendError
from reminders.backends.sms import LocmemSmsBackend
from reminders.models import OutboundMessage
from reminders.services.dispatch import claim_timeout, reminders_dispatch
from reminders.services.send import MAX_ATTEMPTS, reminder_send
from reminders.tasks import reminder_send_task
from tests.factories.reminders import OutboundMessageFactory, appointment_row

pytestmark = pytest.mark.django_db
St = OutboundMessage.Status


@pytest.fixture
def appointment(world):
    return appointment_row(
        clinician=world.p.clinician, clients=[world.p.client_a], starts_at=timezone.now() + timedelta(days=2)
    )


def _sms_client(client):
    client.sms_consent, client.sms_consent_at, client.sms_consent_source = True, timezone.now(), "portal"
    client.save()
    return client


def test_dispatch_claims_only_due_rows(world, appointment):
    due = OutboundMessageFactory(appointment=appointment, client=world.p.client_a, offset_minutes=2 * 24 * 60 + 5)
    later = OutboundMessageFactory(appointment=appointment, client=world.p.client_a, offset_minutes=60)
    assert reminders_dispatch(enqueue=False) == [due.pk]
    due.refresh_from_db()
    later.refresh_from_db()
    assert (due.status, later.status) == (St.CLAIMED, St.PENDING)
    assert reminders_dispatch(enqueue=False) == []  # a claimed row is not claimed again…


def test_a_row_claimed_too_long_ago_is_claimed_again(world, appointment):
    row = OutboundMessageFactory(appointment=appointment, client=world.p.client_a)
    now = row.due_at + timedelta(minutes=1)
    assert reminders_dispatch(now=now, enqueue=False) == [row.pk]
    assert reminders_dispatch(now=now + claim_timeout() - timedelta(seconds=1), enqueue=False) == []
    assert reminders_dispatch(now=now + claim_timeout(), enqueue=False) == [row.pk]  # …unless its worker died


def test_send_delivers_once_with_the_minimum_content(world, appointment):
    client = world.p.client_a
    client.time_zone = "Europe/Berlin"
    client.save()
    row = OutboundMessageFactory(appointment=appointment, client=client)
    reminders_dispatch(now=row.due_at, enqueue=False)
    assert reminder_send(message_id=row.pk).status == St.SENT
    assert reminder_send(message_id=row.pk).status == St.SENT  # the task delivered twice: still one email
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [client.email]
    local = appointment.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    assert world.p.practice.name in email.subject
    assert local.strftime("%H:%M") in email.body and local.tzname() in email.body
    assert "https://video.example/r1" in email.body
    assert "/appointment-link/?token=" in email.body  # the page, which asks for a button press
    clinician = world.p.clinician
    for leak in (clinician.credentials, clinician.membership.user.full_name, appointment.appointment_type.name):
        assert leak not in email.body and leak not in email.subject
    row.refresh_from_db()
    assert (row.attempts, row.provider_message_id) == (1, f"<attune-outbox-{row.pk}@attune.local>")


def test_send_refuses_a_moved_or_cancelled_appointment(world, appointment):
    moved = OutboundMessageFactory(appointment=appointment, client=world.p.client_a)
    reminders_dispatch(now=moved.due_at, enqueue=False)
    appointment.set_times(appointment.starts_at + timedelta(hours=1))
    appointment.save()  # moved behind the outbox's back: the send-time check still catches it
    assert reminder_send(message_id=moved.pk).status == St.CANCELLED
    moved.refresh_from_db()
    assert moved.skip_reason == "appointment_moved"

    appointment.status = "cancelled"
    appointment.save()
    gone = OutboundMessageFactory(appointment=appointment, client=world.p.client_a, offset_minutes=30)
    reminders_dispatch(now=gone.due_at, enqueue=False)
    assert reminder_send(message_id=gone.pk).status == St.CANCELLED
    assert mail.outbox == []


def test_transient_error_is_retried_then_sent_once(world, appointment):
    client = _sms_client(world.p.client_a)
    row = OutboundMessageFactory(appointment=appointment, client=client, channel="sms")
    reminders_dispatch(now=row.due_at, enqueue=False)
    LocmemSmsBackend.fail_next.extend([TransientSendError("provider timeout"), TransientSendError("503")])
    reminder_send_task.apply(args=[row.pk])  # eager: Celery's autoretry runs the retries in place
    row.refresh_from_db()
    assert (row.status, row.attempts) == (St.SENT, 3)
    assert [m.to for m in LocmemSmsBackend.outbox] == [client.phone]


def test_permanent_error_is_recorded_and_not_retried(world, appointment):
    client = _sms_client(world.p.client_a)
    row = OutboundMessageFactory(appointment=appointment, client=client, channel="sms")
    reminders_dispatch(now=row.due_at, enqueue=False)
    LocmemSmsBackend.fail_next.extend([PermanentSendError("twilio 400 code 21211"), TransientSendError("unused")])
    result = reminder_send_task.apply(args=[row.pk])
    assert result.successful()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (St.FAILED, 1, "twilio 400 code 21211")
    assert len(LocmemSmsBackend.fail_next) == 1 and LocmemSmsBackend.outbox == []  # no second attempt


def test_transient_errors_give_up_at_the_cap(world, appointment):
    client = _sms_client(world.p.client_a)
    row = OutboundMessageFactory(appointment=appointment, client=client, channel="sms")
    reminders_dispatch(now=row.due_at, enqueue=False)
    LocmemSmsBackend.fail_next.extend(TransientSendError("down") for _ in range(MAX_ATTEMPTS + 2))
    reminder_send_task.apply(args=[row.pk])
    row.refresh_from_db()
    assert (row.status, row.attempts) == (St.FAILED, MAX_ATTEMPTS)
    assert row.last_error.startswith(f"gave up after {MAX_ATTEMPTS} attempts")
    assert reminders_dispatch(now=row.due_at + timedelta(days=1), enqueue=False) == []  # not reclaimed either


def test_no_sms_consent_at_send_time_skips_with_reason(world, appointment):
    client = _sms_client(world.p.client_a)
    row = OutboundMessageFactory(appointment=appointment, client=client, channel="sms")
    reminders_dispatch(now=row.due_at, enqueue=False)
    client.sms_consent = False  # withdrawn after the row was written
    client.save()
    assert reminder_send(message_id=row.pk).status == St.SKIPPED
    row.refresh_from_db()
    assert row.skip_reason == "no_sms_consent"
    assert LocmemSmsBackend.outbox == []


def test_sms_rate_limit_per_practice(world, appointment, settings):
    settings.REMINDERS_SMS_RATE_LIMIT = 2
    client = _sms_client(world.p.client_a)
    rows = [
        OutboundMessageFactory(appointment=appointment, client=client, channel="sms", offset_minutes=m)
        for m in (300, 200, 100)
    ]
    reminders_dispatch(now=appointment.starts_at - timedelta(minutes=50), enqueue=False)
    outcomes = [reminder_send(message_id=r.pk) for r in rows]
    assert [o.status for o in outcomes] == [St.SENT, St.SENT, St.CLAIMED]
    assert "SMS limit" in str(outcomes[2].retry)
    assert len(LocmemSmsBackend.outbox) == 2


def test_a_worker_dying_mid_send_leaves_the_row_to_be_reclaimed_and_sent_once(world, appointment):
    client = _sms_client(world.p.client_a)
    row = OutboundMessageFactory(appointment=appointment, client=client, channel="sms")
    now = row.due_at
    reminders_dispatch(now=now, enqueue=False)
    LocmemSmsBackend.fail_next.append(SystemExit("worker killed during the provider call"))
    with pytest.raises(SystemExit):
        reminder_send(message_id=row.pk)
    row.refresh_from_db()
    # The hand-off had begun: it is on the row, committed before the provider call, for the next send to see.
    assert (row.status, row.attempts) == (St.CLAIMED, 1)
    assert row.handed_off_at is not None
    assert reminders_dispatch(now=now + claim_timeout(), enqueue=False) == [row.pk]
    assert reminder_send(message_id=row.pk).status == St.SENT
    assert len(LocmemSmsBackend.outbox) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == (St.SENT, 2)
