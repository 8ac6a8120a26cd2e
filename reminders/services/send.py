"""Sending one claimed row, once: re-check under the row lock, deliver, record the outcome."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone

from practice.models import Client
from reminders import subjects
from reminders.backends.email import send_email
from reminders.backends.errors import PermanentSendError, TransientSendError
from reminders.backends.ratelimit import sms_budget_take
from reminders.backends.sms import SmsMessage, get_sms_backend
from reminders.content import render
from reminders.models import Channel, OutboundMessage
from reminders.services.consent import consent_problem

logger = logging.getLogger(__name__)

Kind = OutboundMessage.Kind
St = OutboundMessage.Status
MAX_ATTEMPTS = 6  # the cap on transient retries, counted on the row (survives worker restarts)


@dataclass(frozen=True)
class SendOutcome:
    status: str
    retry: TransientSendError | None = None


def _stale_reason(message: OutboundMessage, appointment, now: datetime) -> str:
    """Why the appointment no longer wants this message ("" if it still does)."""
    from scheduling.models import Status

    if message.appointment_id is None:
        return "" if message.subject_type else "appointment_deleted"
    if appointment is None:
        return "appointment_deleted"
    if message.kind == Kind.CANCELLED:
        return "" if appointment.status in (Status.CANCELLED, Status.LATE_CANCELLED) else "appointment_not_cancelled"
    if appointment.status not in (Status.SCHEDULED, Status.CONFIRMED):
        return f"appointment_{appointment.status}"
    if appointment.starts_at != message.scheduled_for:
        return "appointment_moved"
    if appointment.starts_at <= now:
        return "appointment_started"
    return ""


def reminder_send(*, message_id: int, now: datetime | None = None) -> SendOutcome:
    """Deliver one claimed row, once. Safe to run any number of times for the same id.

    If the provider accepts the message and the transaction that records `sent` then cannot commit (the
    database went away in between), the hand-off is recorded again as soon as the database answers
    (`_record_handed_off`), so a database restart does not turn into a second copy."""
    retry: TransientSendError | None = None
    message = claim = None
    try:
        with transaction.atomic():
            message = OutboundMessage.objects.select_for_update().filter(pk=message_id).first()
            if message is None or message.status != St.CLAIMED:
                return SendOutcome(status=message.status if message else "missing")
            claim = message.claimed_at
            retry = _send_locked(message, now or timezone.now())
    except (OperationalError, InterfaceError):
        if message is None or message.status != St.SENT:  # set in memory once the provider has accepted it
            raise  # nothing left the system: the row stays claimed and is sent after the claim timeout
        recorded = _record_handed_off(
            message_id=message.pk,
            claimed_at=claim,
            sent_at=message.sent_at,
            provider_message_id=message.provider_message_id,
        )
        return SendOutcome(status=St.SENT if recorded else St.CLAIMED)
    return SendOutcome(status=message.status, retry=retry)


def _send_locked(message: OutboundMessage, now: datetime) -> TransientSendError | None:
    """Under the row lock: re-check, deliver, and set the row's outcome (saved). A transient error to retry."""
    from scheduling.models import Appointment

    appointment = client = checked = None
    if message.kind in subjects.SUBJECT_KINDS:
        checked = subjects.check(message, now)
        stale, problem = checked.stale, checked.problem
    else:
        appointment = (
            Appointment.objects.select_related("practice", "room__location").filter(pk=message.appointment_id).first()
            if message.appointment_id
            else None
        )
        client = Client.objects.get(pk=message.client_id)
        stale = _stale_reason(message, appointment, now)
        problem = "" if stale else consent_problem(client, message.channel)
    if stale or problem:
        message.status = St.CANCELLED if stale else St.SKIPPED
        message.skip_reason = stale or problem
        message.claimed_at = None
        message.save(update_fields=["status", "skip_reason", "claimed_at", "updated_at"])
        return None
    retry = None
    message.attempts += 1
    try:
        if checked is not None:
            message.provider_message_id = _deliver_subject(message, checked)
        else:
            message.provider_message_id = _deliver(message, appointment, client)
    except PermanentSendError as exc:
        message.status = St.FAILED
        message.last_error = str(exc)[:300]
        message.claimed_at = None
    except TransientSendError as exc:
        message.last_error = str(exc)[:300]
        if message.attempts >= MAX_ATTEMPTS:
            message.status = St.FAILED
            message.last_error = f"gave up after {message.attempts} attempts: {exc}"[:300]
            message.claimed_at = None
        else:
            message.claimed_at = timezone.now()  # the reclaim timeout counts from this attempt
            retry = exc
    else:
        message.status = St.SENT
        message.sent_at = timezone.now()
        message.claimed_at = None
        message.last_error = ""
        _mark_invitation_sent(message)
    message.save()
    return retry


def _mark_invitation_sent(message: OutboundMessage) -> None:
    if message.kind in subjects.INVITATION_KINDS:
        from intake.models import Packet

        Packet.objects.filter(pk=message.subject_id, invitation_sent_at__isnull=True).update(
            invitation_sent_at=message.sent_at
        )


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
                    attempts=F("attempts") + 1,
                    updated_at=timezone.now(),
                )
                if recorded:
                    _mark_invitation_sent(OutboundMessage.objects.get(pk=message_id))
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


def _deliver(message: OutboundMessage, appointment, client: Client) -> str:
    content = render(message, appointment, client)
    if message.channel == Channel.SMS:
        sms_budget_take(practice_id=message.practice_id)
        return get_sms_backend().send(SmsMessage(to=client.phone, body=content.sms))
    return send_email(
        to=client.email, subject=content.subject, body=content.body, message_key=f"attune-outbox-{message.pk}"
    )


def _deliver_subject(message: OutboundMessage, checked: subjects.Check) -> str:
    content = subjects.render(message, checked)
    return send_email(
        to=checked.to, subject=content.subject, body=content.body, message_key=f"attune-outbox-{message.pk}"
    )
