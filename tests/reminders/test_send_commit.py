"""Which of a send's commits wait for the disk (docs/reliability.md): the attempt, the record that a hand-off may
have happened, is durable; the `sent` outcome commits asynchronously, for its own statement only, so nothing
else on the worker's connection (the next task's writes) loses durability, and inside a caller's transaction
the send changes nothing of that transaction's."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reminders.models import OutboundMessage
from reminders.services.dispatch import reminders_dispatch
from reminders.services.send import reminder_send
from tests.factories.reminders import OutboundMessageFactory, appointment_row

St = OutboundMessage.Status


def _claimed(world) -> OutboundMessage:
    appointment = appointment_row(
        clinician=world.p.clinician, clients=[world.p.client_a], starts_at=timezone.now() + timedelta(days=2)
    )
    row = OutboundMessageFactory(appointment=appointment, client=world.p.client_a)
    assert reminders_dispatch(now=row.due_at, enqueue=False) == [row.pk]
    return row


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_the_attempt_is_durable_and_only_the_sent_outcome_commits_asynchronously(world):
    row = _claimed(world)
    with CaptureQueriesContext(connection) as queries:
        assert reminder_send(message_id=row.pk, now=row.due_at).status == St.SENT
    statements = [q["sql"] for q in queries.captured_queries]
    asynchronous = [s for s in statements if "synchronous_commit" in s]
    assert len(statements) == 3 and len(asynchronous) == 1
    [outcome] = asynchronous
    assert outcome.startswith("SET LOCAL synchronous_commit = off;") and "'sent'" in outcome
    read, attempt, _ = statements
    assert read.startswith("SELECT pg_advisory_lock(")
    # the hand-off's record (attempts = 1, the prepared UPDATE's first parameter) waits for the disk
    assert attempt.startswith("EXECUTE attune_send_update_") and "(1, " in attempt
    assert _synchronous_commit() == "on"  # the next statement on this connection is durable again
    row.refresh_from_db()
    assert row.status == St.SENT and row.sent_at is not None


@pytest.mark.django_db
def test_inside_a_callers_transaction_the_send_leaves_its_commit_alone(world):
    row = _claimed(world)
    with CaptureQueriesContext(connection) as queries:
        assert reminder_send(message_id=row.pk, now=row.due_at).status == St.SENT
    assert not [q for q in queries.captured_queries if "synchronous_commit" in q["sql"]]
    assert _synchronous_commit() == "on"
