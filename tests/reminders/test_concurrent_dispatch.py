"""Two dispatchers (two beats, or a beat and a manual run) over the same due rows send each row once."""

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from reminders.models import OutboundMessage
from reminders.services.dispatch import reminders_dispatch
from reminders.services.send import reminder_send
from tests.factories.reminders import appointment_row

pytestmark = pytest.mark.django_db(transaction=True)
St = OutboundMessage.Status
N = 1000


def test_two_dispatchers_over_1000_due_rows_send_each_exactly_once(world):
    appointment = appointment_row(
        clinician=world.p.clinician, clients=[world.p.client_a], starts_at=timezone.now() + timedelta(days=30)
    )
    OutboundMessage.objects.bulk_create(
        OutboundMessage(
            practice=world.p.practice,
            appointment=appointment,
            client=world.p.client_a,
            kind="reminder",
            channel="email",
            offset_minutes=i + 1,
            scheduled_for=appointment.starts_at,
            due_at=appointment.starts_at - timedelta(days=20, minutes=i),
        )
        for i in range(N)
    )
    now = appointment.starts_at - timedelta(days=1)
    claimed: dict[str, list[int]] = {"a": [], "b": []}
    outcomes: dict[str, list[str]] = {"a": [], "b": []}
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def dispatcher(name: str) -> None:
        try:
            start.wait()
            while True:
                ids = reminders_dispatch(now=now, batch_size=50, enqueue=False)
                if not ids:
                    break
                claimed[name] += ids
                outcomes[name] += [reminder_send(message_id=i).status for i in ids]
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher, args=(n,)) for n in claimed]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors
    assert not set(claimed["a"]) & set(claimed["b"]), "a row was claimed by both dispatchers"
    assert claimed["a"] and claimed["b"], "both dispatchers took part"
    assert len(claimed["a"]) + len(claimed["b"]) == N
    assert len(mail.outbox) == N
    # Every send task delivered a second time (broker redelivery): still nothing new goes out.
    assert {reminder_send(message_id=i).status for i in claimed["a"] + claimed["b"]} == {St.SENT}
    assert len(mail.outbox) == N
    message_ids = Counter(m.extra_headers["Message-ID"] for m in mail.outbox)
    assert max(message_ids.values()) == 1, "a row was sent twice"
    assert OutboundMessage.objects.filter(status=St.SENT).count() == N


def test_the_same_send_task_run_concurrently_sends_once(world):
    appointment = appointment_row(
        clinician=world.p.clinician, clients=[world.p.client_a], starts_at=timezone.now() + timedelta(days=2)
    )
    row = OutboundMessage.objects.create(
        practice=world.p.practice,
        appointment=appointment,
        client=world.p.client_a,
        kind="reminder",
        channel="email",
        offset_minutes=60,
        scheduled_for=appointment.starts_at,
        due_at=appointment.starts_at - timedelta(hours=1),
    )
    reminders_dispatch(now=row.due_at, enqueue=False)
    start = threading.Barrier(4)
    results: list[str] = []

    def send() -> None:
        try:
            start.wait()
            results.append(reminder_send(message_id=row.pk).status)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [St.SENT] * 4
    assert len(mail.outbox) == 1
