"""Sending one claimed row, once: re-check the row as claimed, deliver, record the outcome."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connection, transaction
from django.db.models.query import get_related_populators
from django.utils import timezone
from psycopg import sql

from core import rows
from core.prepared import Prepared
from reminders import registry
from reminders.backends.email import send_email
from reminders.backends.errors import PermanentSendError, TransientSendError
from reminders.backends.ratelimit import sms_budget_take
from reminders.backends.sms import SmsMessage, get_sms_backend
from reminders.models import Channel, OutboundMessage

logger = logging.getLogger(__name__)

Kind = OutboundMessage.Kind
St = OutboundMessage.Status
MAX_ATTEMPTS = 6  # the cap on transient retries, counted on the row (survives worker restarts)
SEND_LOCK_SPACE = 7301  # first key of the send's advisory lock (pg_advisory_lock(int, int)); the row id is the second


@dataclass(frozen=True)
class SendOutcome:
    status: str
    retry: TransientSendError | None = None
    retry_in: float | None = None  # seconds until the task's next attempt


def reminder_send(*, message_id: int, now: datetime | None = None) -> SendOutcome:
    """Deliver one claimed row, once. Safe to run any number of times for the same id, at once or in turn.

    Three steps, so that a hand-off leaves a trace that survives a killed worker:
    1. re-check the row, and ask the kind's handler (reminders/registry.py) whether its subject still wants the
       message and the recipient can get it (for an appointment message: the appointment and consent); record
       the attempt and the moment of the hand-off (`handed_off_at`), committed, on the row as it was read;
    2. hand the message to the provider;
    3. record the outcome on the row that still carries this hand-off.
    Two sends of one row never overlap: each holds a PostgreSQL advisory lock on the row's id for the whole
    send, and a lock dies with its connection, so a SIGKILLed worker's rows are free at once. A row the
    dispatcher reclaims after such a crash still shows the hand-off: it is sent again if the appointment still
    wants it (at-least-once, same Message-ID), and otherwise recorded `handed_off`, never as unsent.

    No transaction and no row lock: the other writers of a claimed row (the dispatcher's reclaim, the outbox
    sync closing the rows of a changed appointment, a previous sender's outcome) each change its status, its
    claim or its hand-off, so step 1 writes as one `UPDATE … WHERE` the row is still exactly as it was read (a
    compare-and-set, which waits for a writer's uncommitted change and re-reads it), and sends nothing if not.
    Three statements in all (the advisory lock with the read, the attempt, the outcome with the unlock), where
    a transaction around a `SELECT … FOR UPDATE` took seven round trips for the same guarantees.

    If the provider accepts the message and the outcome then cannot be committed (the database went away),
    the hand-off is recorded again as soon as the database answers (`_record_handed_off`)."""
    with _send_lock(message_id) as lock:
        message = lock.row
        if message is None or message.status != St.CLAIMED:
            return SendOutcome(status=message.status if message else "missing")
        claim = message.claimed_at
        prepared = _prepare(message, now or timezone.now())
        if prepared is None:  # closed without sending (cancelled, skipped), or changed since it was read
            return SendOutcome(status=message.status)
        retry = _hand_off(message, prepared)
        try:
            _record_outcome(message, prepared, lock)
        except (OperationalError, InterfaceError):
            if message.status != St.SENT:
                raise  # the provider took nothing: the row stays claimed with its hand-off, and is reclaimed
            recorded = _record_handed_off(
                message_id=message.pk,
                claimed_at=claim,
                sent_at=message.sent_at,
                provider_message_id=message.provider_message_id,
            )
            return SendOutcome(status=St.SENT if recorded else St.CLAIMED)
    return SendOutcome(status=message.status, retry=retry, retry_in=prepared.retry_in)


class _RowQuery:
    """The row by id with what the handlers' checks read (their `related`, `select_related`), compiled once per
    process: Django compiles a queryset's SQL on every evaluation, and for this join of eight tables (some 100
    columns) that cost 1 to 4 ms of CPU a send, more than its round trip. PostgreSQL plans it once per
    connection too (`core.prepared`): planning the join took about 2 ms a send, executing it 0.3. The row
    becomes instances through Django's own machinery, as iterating the queryset does (the columns' converters,
    looked up once here: the lookup asked every one of the ~100 columns on each send; the related populators);
    the compiler is kept for that only, and needs no query."""

    def __init__(self, related: tuple[str, ...]) -> None:
        query = OutboundMessage.objects.select_related(*related).filter(pk=0).query
        self.compiler = query.get_compiler(DEFAULT_DB_ALIAS)
        statement, params = self.compiler.as_sql()
        assert list(params) == [0], "the row's id is the query's one parameter"
        self.prepared = Prepared("attune_send_row", statement)
        info = self.compiler.klass_info
        assert info is not None
        self.own = slice(info["select_fields"][0], info["select_fields"][-1] + 1)
        self.attnames = [column.target.attname for column, _sql, _alias in self.compiler.select[self.own]]
        self.populators = get_related_populators(info, self.compiler.select, DEFAULT_DB_ALIAS)
        columns = [column for column, _sql, _alias in self.compiler.select[: self.compiler.col_count]]
        assert not self.compiler.has_composite_fields(columns), "results_iter's tuple step is not done here"
        self.converters = self.compiler.get_converters(columns)

    def instance(self, values: tuple[Any, ...]) -> OutboundMessage:
        [row] = self.compiler.apply_converters([values], self.converters) if self.converters else [values]
        message = OutboundMessage.from_db(DEFAULT_DB_ALIAS, self.attnames, row[self.own])
        for populator in self.populators:
            populator.populate(row, message)
        return message


@cache
def _row_query(related: tuple[str, ...]) -> _RowQuery:
    return _RowQuery(related)


class _SendLock:
    """The session advisory lock on the row's id (key space SEND_LOCK_SPACE), held by a live sender only, and
    the row read once it is held."""

    def __init__(self, message_id: int) -> None:
        self.message_id = message_id
        self.row: OutboundMessage | None = None
        self.held_on: object = None  # the connection that holds it
        self.released = False

    def acquire_and_read(self) -> None:
        query = _row_query(tuple(registry.claim_related()))
        with connection.cursor() as cursor:
            self.held_on = connection.connection
            # One round trip, two statements: the lock (waiting for a send of this row under way), then the row,
            # read with a snapshot taken once the lock is held.
            cursor.execute(
                f"SELECT pg_advisory_lock(%s, %s); {query.prepared.execute_sql(cursor)}",
                [SEND_LOCK_SPACE, self.message_id, self.message_id],
            )
            cursor.nextset()
            found = cursor.fetchone()
        self.row = query.instance(found) if found is not None else None

    def release_with(self, statement: Prepared, params: list[Any]) -> None:
        """Record the `sent` outcome (`statement`, one UPDATE) and release the lock in the same round trip. The
        statement's row lock outlives the advisory lock until its commit, a moment later: a sender that takes
        the advisory lock in between waits on the row in its compare-and-set and finds the outcome.

        Its commit is asynchronous (`SET LOCAL synchronous_commit = off`, this statement's transaction only):
        it returns without waiting for the WAL flush, one fsync less a send (2 to 3 ms on the 2-core machine's
        disk, more than the rest of the send's database work). The attempt before the provider call stays a
        durable commit: that is the record that a hand-off may have happened. The outcome is durable once the
        WAL is flushed, by the next durable commit (the next send's attempt) or the WAL writer within three
        `wal_writer_delay` (600 ms); if PostgreSQL itself crashes before that, the row is what a killed worker
        leaves, `claimed` with its hand-off, and is sent again or recorded `handed_off`, never as unsent
        (docs/reliability.md, at-least-once). Inside a caller's transaction it is that transaction's, durable."""
        asynchronous = "" if connection.in_atomic_block else "SET LOCAL synchronous_commit = off; "
        with connection.cursor() as cursor:
            cursor.execute(
                f"{asynchronous}{statement.execute_sql(cursor)}; SELECT pg_advisory_unlock(%s, %s)",
                [*params, SEND_LOCK_SPACE, self.message_id],
            )
        self.released = True

    def release(self) -> None:
        if self.released or self.held_on is None or connection.connection is not self.held_on:
            return  # released with the outcome, never taken, or its connection died and the lock with it
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [SEND_LOCK_SPACE, self.message_id])
        except (OperationalError, InterfaceError):
            pass


@contextmanager
def _send_lock(message_id: int) -> Iterator[_SendLock]:
    lock = _SendLock(message_id)
    try:
        lock.acquire_and_read()
        yield lock
    finally:
        lock.release()


@dataclass
class _Prepared:
    handed_off_at: datetime
    handler: registry.Handler
    checked: registry.Check
    retry_in: float | None = None


def _prepare(message: OutboundMessage, now: datetime) -> _Prepared | None:
    """Re-check; close the row (None) or record the attempt and the hand-off (committed), each on the row as it
    was read: None too, with the row's status now, if it has changed since (its writer's outcome stands).
    A kind no app registered a handler for is closed as stale (`no_handler`): nobody can say what it is."""
    handler = registry.handler_for(message.kind)
    checked = handler.check(message, now) if handler else registry.Check(stale=registry.NO_HANDLER)
    stale, problem = checked.stale, checked.problem
    as_read = [St.CLAIMED.value, message.claimed_at, message.handed_off_at, message.attempts]
    if stale or problem or handler is None:
        # A hand-off whose outcome a crash left unrecorded may have reached the client: say so, never "not sent".
        unknown = message.handed_off_at is not None
        message.status = St.HANDED_OFF if unknown else St.CANCELLED if stale else St.SKIPPED
        message.skip_reason = stale or problem
        message.claimed_at = None
        closed = {"status": message.status.value, "skip_reason": message.skip_reason, "claimed_at": None}
        if not _update(message.pk, closed, where=_AS_READ, values=as_read):
            message.status = _status_now(message.pk)
        return None
    message.attempts += 1
    message.handed_off_at = timezone.now()
    attempt = {"attempts": message.attempts, "handed_off_at": message.handed_off_at}
    if not _update(message.pk, attempt, where=_AS_READ, values=as_read):
        message.status = _status_now(message.pk)
        return None
    return _Prepared(handed_off_at=message.handed_off_at, handler=handler, checked=checked)


# What a claimed row's every other writer changes (the outbox sync, the dispatcher's reclaim, a previous send's
# outcome): a write conditioned on these as read is a compare-and-set.
_AS_READ = ("status", "claimed_at", "handed_off_at", "attempts")


@cache
def _update_sql(fields: tuple[str, ...], where: tuple[str, ...]) -> Prepared:
    """`UPDATE` of one row by id setting `fields` and `updated_at`, only where the `where` columns are as given
    (`IS NOT DISTINCT FROM`: a NULL as read matches only NULL), composed once per process from the model's
    names (Django builds and compiles an UPDATE on every call, about 0.4 ms of CPU, more than its round trip)
    and planned once per connection. Parameters: the fields' values, `updated_at`, the id, then the `where`
    values."""

    def column(name: str) -> sql.Identifier:
        return rows.column(OutboundMessage, name)

    statement = sql.SQL("UPDATE {table} SET {values} WHERE {id} = %s AND {conditions}").format(
        table=rows.table(OutboundMessage),
        values=sql.SQL(", ").join(sql.SQL("{} = %s").format(column(f)) for f in (*fields, "updated_at")),
        id=column("id"),
        conditions=sql.SQL(" AND ").join(sql.SQL("{} IS NOT DISTINCT FROM %s").format(column(f)) for f in where),
    )
    return Prepared("attune_send_update", statement.as_string(None))


def _update_params(message_id: int, changes: dict[str, Any], values: list[Any]) -> list[Any]:
    return [*changes.values(), timezone.now(), message_id, *values]


def _update(message_id: int, changes: dict[str, Any], *, where: tuple[str, ...], values: list[Any]) -> int:
    """Run `_update_sql`; the number of rows it changed (0: the row is no longer as given)."""
    with connection.cursor() as cursor:
        statement = _update_sql(tuple(changes), where).execute_sql(cursor)
        cursor.execute(statement, _update_params(message_id, changes, values))
        return cursor.rowcount


def _status_now(message_id: int) -> str:
    """The status of a row another writer changed after this send read it (or "missing", deleted)."""
    return OutboundMessage.objects.filter(pk=message_id).values_list("status", flat=True).first() or "missing"


def _hand_off(message: OutboundMessage, prepared: _Prepared) -> TransientSendError | None:
    """Deliver, and set the row's outcome in memory (recorded by the caller). A transient error to retry."""
    retry = None
    try:
        message.provider_message_id = _deliver(message, prepared)
    except PermanentSendError as exc:
        message.status = St.FAILED
        message.last_error = str(exc)[:300]
        message.claimed_at = message.handed_off_at = None
    except TransientSendError as exc:
        message.last_error = str(exc)[:300]
        message.handed_off_at = None  # refused: nothing was handed off
        if message.attempts >= MAX_ATTEMPTS:
            message.status = St.FAILED
            message.last_error = f"gave up after {message.attempts} attempts: {exc}"[:300]
            message.claimed_at = None
        else:
            # The task retries after `retry_in`; the claim is dated to then, so the dispatcher reclaims the
            # row only if that retry has not happened a claim timeout later (its worker died).
            prepared.retry_in = retry_delay(message.attempts)
            message.status = St.CLAIMED
            message.claimed_at = timezone.now() + timedelta(seconds=prepared.retry_in)
            retry = exc
    else:
        message.status = St.SENT
        message.sent_at = timezone.now()
        message.claimed_at = None
        message.last_error = ""
    return retry


def _record_outcome(message: OutboundMessage, prepared: _Prepared, lock: _SendLock) -> None:
    """Record the outcome on the row that still carries this hand-off. The appointment may have changed during
    the provider call (the outbox sync then marked the row `handed_off`, or `cancelled`): a message the
    provider took is `sent` all the same; one it refused becomes `cancelled` if the appointment no longer
    wants it, and is otherwise recorded as the outcome says.

    A `sent` with no `on_sent` hook (every appointment message) is one UPDATE, atomic by itself: no
    transaction around it, so no BEGIN and COMMIT round trips, and it releases the send lock in its round trip."""
    handler = prepared.handler
    fields = ("status", "claimed_at", "handed_off_at", "sent_at", "last_error", "provider_message_id")
    if message.status == St.SENT and handler.on_sent is None:
        sent = {**{f: getattr(message, f) for f in fields}, "status": St.SENT.value}
        params = _update_params(message.pk, sent, [prepared.handed_off_at])
        lock.release_with(_update_sql(tuple(sent), ("handed_off_at",)), params)
        return
    outcome = {**{f: getattr(message, f) for f in fields}, "updated_at": timezone.now()}
    row = OutboundMessage.objects.filter(pk=message.pk, handed_off_at=prepared.handed_off_at)
    with transaction.atomic():
        if message.status == St.SENT:
            if row.update(**outcome) and handler.on_sent is not None:
                handler.on_sent(message)
            return
        if not row.filter(status=St.CLAIMED).update(**outcome):
            row.filter(status=St.HANDED_OFF).update(
                status=St.CANCELLED, handed_off_at=None, last_error=message.last_error, updated_at=timezone.now()
            )


def retry_delay(attempts: int) -> float:
    """Exponential back-off from 2 s with full jitter, capped at 5 minutes (the task's countdown)."""
    return float(get_exponential_backoff_interval(factor=2, retries=attempts - 1, maximum=300, full_jitter=True))


def _on_sent(message: OutboundMessage) -> None:
    """The handler's hook once the row is recorded `sent`, in the same transaction (an intake invitation dates
    its packet's `invitation_sent_at`)."""
    handler = registry.handler_for(message.kind)
    if handler is not None and handler.on_sent is not None:
        handler.on_sent(message)


def _record_handed_off(*, message_id: int, claimed_at, sent_at, provider_message_id: str) -> bool:
    """The provider accepted the message but `sent` was lost with the transaction. Record it on a new
    connection, retrying with back-off for `REMINDERS_RECORD_SENT_WITHIN` seconds (less than the task's
    soft time limit). Only while the row is still in the claim this send held: once the dispatcher has
    reclaimed it, another send may be under way and at-least-once applies (docs/reliability.md)."""
    deadline = time.monotonic() + settings.REMINDERS_RECORD_SENT_WITHIN
    delay = 0.5
    while True:
        connection.close()  # the broken one; the next query opens a new connection
        try:
            with transaction.atomic():
                recorded = OutboundMessage.objects.filter(
                    pk=message_id, status=St.CLAIMED, claimed_at=claimed_at
                ).update(
                    status=St.SENT,
                    sent_at=sent_at,
                    claimed_at=None,
                    last_error="",
                    provider_message_id=provider_message_id,
                    updated_at=timezone.now(),
                )
                if recorded:
                    _on_sent(OutboundMessage.objects.get(pk=message_id))
            logger.warning("reminders: message %s recorded as sent after its first commit was lost", message_id)
            return bool(recorded)
        except (OperationalError, InterfaceError):
            if time.monotonic() + delay > deadline:
                logger.error(
                    "reminders: message %s was handed to the provider but could not be recorded as sent; "
                    "it will be sent again after the claim timeout",
                    message_id,
                )
                return False
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def _deliver(message: OutboundMessage, prepared: _Prepared) -> str:
    content = prepared.handler.render(message, prepared.checked)
    if message.channel == Channel.SMS:
        sms_budget_take(practice_id=message.practice_id)
        return get_sms_backend().send(SmsMessage(to=prepared.checked.to, body=content.sms))
    return send_email(
        to=prepared.checked.to, subject=content.subject, body=content.body, message_key=f"attune-outbox-{message.pk}"
    )
