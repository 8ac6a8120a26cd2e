"""End to end on the real Redis broker with a real Celery worker (celery.contrib.testing)."""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import connections
from django.utils import timezone

from backend.celery import app
from reminders.models import OutboundMessage
from reminders.services.dispatch import reminders_dispatch
from scheduling.services.appointment_changes import appointment_cancel, appointment_reschedule
from scheduling.services.booking import appointment_book
from tests.factories.reminders import ReminderPolicyFactory
from tests.factories.scheduling import AppointmentTypeFactory

pytestmark = pytest.mark.django_db(transaction=True)
St = OutboundMessage.Status


@pytest.fixture
def worker(settings):
    assert app.conf.broker_url.startswith("redis://"), "the end-to-end test runs on the real Redis broker"
    # Worker threads close their connections after each task, so the test database can be dropped.
    saved = connections.settings["default"]["CONN_MAX_AGE"]
    connections.settings["default"]["CONN_MAX_AGE"] = 0
    app.control.purge()
    try:
        with start_worker(
            app, perform_ping_check=False, pool="solo", concurrency=1, loglevel="WARNING", shutdown_timeout=30
        ):
            yield app
    finally:
        connections.settings["default"]["CONN_MAX_AGE"] = saved


def _wait_for(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def _settled(ids):
    return lambda: not OutboundMessage.objects.filter(pk__in=ids, status=St.CLAIMED).exists()


def _book(world, starts_at):
    p = world.p
    return appointment_book(
        actor=p.members["front_desk"],
        clinician=p.clinician,
        clients=[p.client_a],
        appointment_type=AppointmentTypeFactory(practice=p.practice),
        starts_at=starts_at,
        mode="telehealth",
        video_link="https://video.example/e2e",
        outside_availability=True,
    )


def test_book_dispatch_reschedule_cancel_through_a_real_worker(world, worker):
    ReminderPolicyFactory(
        practice=world.p.practice,
        send_confirmation=False,
        send_change_notices=False,
        steps=[{"offset_minutes": 24 * 60, "channel": "email"}],
    )
    fd = world.p.members["front_desk"]
    starts = timezone.now().replace(microsecond=0) + timedelta(days=3)
    first = _book(world, starts)

    # Before the offset: nothing is due.
    assert reminders_dispatch(now=starts - timedelta(hours=25)) == []
    # Past the offset: the row is claimed, the worker sends it, exactly one email.
    ids = reminders_dispatch(now=starts - timedelta(hours=23))
    assert len(ids) == 1
    assert _wait_for(_settled(ids))
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [world.p.client_a.email]
    assert OutboundMessage.objects.get(pk=ids[0]).status == St.SENT
    # A second dispatch (a second beat, a redelivered task) finds nothing to send.
    assert reminders_dispatch(now=starts - timedelta(hours=22)) == []

    # Reschedule a second appointment: its old reminder is cancelled, a new one is due at the new time.
    second_start = starts + timedelta(days=7)
    second = _book(world, second_start)
    moved_to = second_start + timedelta(days=1)
    appointment_reschedule(actor=fd, appointment=second, starts_at=moved_to, outside_availability=True)
    rows = {m.scheduled_for: m for m in OutboundMessage.objects.filter(appointment=second)}
    assert rows[second_start].status == St.CANCELLED
    assert rows[moved_to].status == St.PENDING
    assert rows[moved_to].due_at == moved_to - timedelta(hours=24)
    assert reminders_dispatch(now=second_start - timedelta(hours=23)) == []  # the old due time sends nothing
    ids = reminders_dispatch(now=moved_to - timedelta(hours=23))
    assert ids == [rows[moved_to].pk]
    assert _wait_for(_settled(ids))
    assert len(mail.outbox) == 2

    # Cancel a third before its offset: nothing is ever sent for it.
    third_start = starts + timedelta(days=14)
    third = _book(world, third_start)
    appointment_cancel(actor=fd, appointment=third)
    assert reminders_dispatch(now=third_start - timedelta(hours=1)) == []
    assert {m.status for m in OutboundMessage.objects.filter(appointment=third)} == {St.CANCELLED}
    assert len(mail.outbox) == 2
    assert first.pk != third.pk


def test_cancel_after_claim_is_caught_by_the_worker(world, worker):
    """The race the outbox must win: dispatched, then cancelled before the worker runs."""
    ReminderPolicyFactory(practice=world.p.practice, send_confirmation=False, send_change_notices=False)
    starts = timezone.now() + timedelta(days=2)
    appointment = _book(world, starts)
    ids = reminders_dispatch(now=starts - timedelta(hours=23), enqueue=False)
    appointment_cancel(actor=world.p.members["front_desk"], appointment=appointment)
    from reminders.tasks import reminder_send_task

    reminder_send_task.delay(ids[0])
    assert _wait_for(lambda: OutboundMessage.objects.get(pk=ids[0]).status != St.CLAIMED)
    assert OutboundMessage.objects.get(pk=ids[0]).status == St.CANCELLED
    assert mail.outbox == []
