"""Sending one claimed row, once: re-check under the row lock, deliver, record the outcome."""

from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

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
    1. under the row lock: re-check the row, and ask the kind's handler (reminders/registry.py) whether its
       subject still wants the message and the recipient can get it (for an appointment message: the
       appointment and consent); record the attempt and the moment of the hand-off (`handed_off_at`), and commit;
    2. hand the message to the provider, holding no row lock (a cancellation may come in between);
    3. record the outcome on the row that still carries this hand-off.
    Two sends of one row never overlap: each holds a PostgreSQL advisory lock on the row's id for the whole
    send, and a lock dies with its connection, so a SIGKILLed worker's rows are free at once. A row the
    dispatcher reclaims after such a crash still shows the hand-off: it is sent again if the appointment still
    wants it (at-least-once, same Message-ID), and otherwise recorded `handed_off`, never as unsent.

    If the provider accepts the message and the outcome then cannot be committed (the database went away),
    the hand-off is recorded again as soon as the database answers (`_record_handed_off`)."""
    with _send_lock(message_id):
        with transaction.atomic():
            # One query: the row, locked (only the row: of=self), with what the handlers' checks read.
            rows = OutboundMessage.objects.select_for_update(of=("self",)).select_related(*registry.claim_related())
            message = rows.filter(pk=message_id).first()
            if message is None or message.status != St.CLAIMED:
                return SendOutcome(status=message.status if message else "missing")
            claim = message.claimed_at
            prepared = _prepare_locked(message, now or timezone.now())
        if prepared is None:  # closed without sending (cancelled, skipped)
            return SendOutcome(status=message.status)
        retry = _hand_off(message, prepared)
        try:
            _record_outcome(message, prepared.handed_off_at, prepared.handler)
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


@contextmanager
def _send_lock(message_id: int):
    """A session advisory lock on the row's id (key space SEND_LOCK_SPACE): held by a live sender only."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [SEND_LOCK_SPACE, message_id])
    held_on = connection.connection
    try:
        yield
    finally:
        if connection.connection is held_on:  # else that connection died, and its lock with it
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [SEND_LOCK_SPACE, message_id])
            except (OperationalError, InterfaceError):
                pass


@dataclass
class _Prepared:
    handed_off_at: datetime
    handler: registry.Handler
    checked: registry.Check
    retry_in: float | None = None


def _prepare_locked(message: OutboundMessage, now: datetime) -> _Prepared | None:
    """Under the row lock: re-check; close the row (None) or record the attempt and the hand-off (saved).
    A kind no app registered a handler for is closed as stale (`no_handler`): nobody can say what it is."""
    handler = registry.handler_for(message.kind)
    checked = handler.check(message, now) if handler else registry.Check(stale=registry.NO_HANDLER)
    stale, problem = checked.stale, checked.problem
    if stale or problem or handler is None:
        # A hand-off whose outcome a crash left unrecorded may have reached the client: say so, never "not sent".
        unknown = message.handed_off_at is not None
        message.status = St.HANDED_OFF if unknown else St.CANCELLED if stale else St.SKIPPED
        message.skip_reason = stale or problem
        message.claimed_at = None
        message.save(update_fields=["status", "skip_reason", "claimed_at", "updated_at"])
        return None
    message.attempts += 1
    message.handed_off_at = timezone.now()
    message.save(update_fields=["attempts", "handed_off_at", "updated_at"])
    return _Prepared(handed_off_at=message.handed_off_at, handler=handler, checked=checked)


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


def _record_outcome(message: OutboundMessage, handed_off_at: datetime, handler: registry.Handler) -> None:
    """Record the outcome on the row that still carries this hand-off. The appointment may have changed during
    the provider call (the outbox sync then marked the row `handed_off`, or `cancelled`): a message the
    provider took is `sent` all the same; one it refused becomes `cancelled` if the appointment no longer
    wants it, and is otherwise recorded as the outcome says.

    A `sent` with no `on_sent` hook (every appointment message) is one UPDATE, atomic by itself: no
    transaction around it, so no BEGIN and COMMIT round trips."""
    fields = ("status", "claimed_at", "handed_off_at", "sent_at", "last_error", "provider_message_id")
    outcome = {**{f: getattr(message, f) for f in fields}, "updated_at": timezone.now()}
    row = OutboundMessage.objects.filter(pk=message.pk, handed_off_at=handed_off_at)
    if message.status == St.SENT and handler.on_sent is None:
        row.update(**outcome)
        return
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
