"""The reminders outbox: writing rows, claiming them, sending them. Rules in docs/reliability.md.

1. `reminders_sync_for_appointment` runs inside the scheduling service's transaction: the rows
   appear, move or disappear together with the appointment change, or not at all.
2. `reminders_dispatch` (beat, every ~30 s) claims due rows with SELECT … FOR UPDATE SKIP LOCKED
   and enqueues one send task per row after commit. Rows claimed longer than the claim timeout
   (a worker killed mid-task) are claimed again.
3. `reminder_send` locks the row, re-checks the appointment (still active, same start) and the
   client's consent, hands the message to the provider and records the outcome, all under the
   row lock, so two deliveries of the same task send once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from backend.api.exceptions import Conflict, DomainError, InvalidTransition, NotAllowed
from practice import roles
from practice.audit import audit_record
from practice.models import AuditEvent, Client, CommunicationChannel, Membership, Practice
from reminders import subjects
from reminders.backends.email import send_email
from reminders.backends.errors import PermanentSendError, TransientSendError
from reminders.backends.ratelimit import sms_budget_take
from reminders.backends.sms import SmsMessage, get_sms_backend
from reminders.content import render
from reminders.links import link_read
from reminders.models import DEFAULT_STEPS, Channel, OutboundMessage, ReminderPolicy

logger = logging.getLogger(__name__)

Kind = OutboundMessage.Kind
St = OutboundMessage.Status
LIVE = (St.PENDING, St.CLAIMED)
MAX_ATTEMPTS = 6  # the cap on transient retries, counted on the row (survives worker restarts)


def claim_timeout() -> timedelta:
    # Longer than a send task may run (CELERY_TASK_TIME_LIMIT) plus the longest retry back-off,
    # so a row is reclaimed only when no task can still be working on it.
    return timedelta(seconds=int(getattr(settings, "REMINDERS_CLAIM_TIMEOUT", 600)))


# --- policy -------------------------------------------------------------------------------------------


def reminder_policy_for(*, practice: Practice | int) -> ReminderPolicy:
    practice_id = practice if isinstance(practice, int) else practice.pk
    policy, _ = ReminderPolicy.objects.get_or_create(practice_id=practice_id, defaults={"steps": DEFAULT_STEPS})
    return policy


def _validate_steps(steps: object) -> list[dict]:
    if not isinstance(steps, list) or len(steps) > 10:
        raise DomainError("Reminder steps must be a list of at most 10.", fields={"steps": ["Invalid list."]})
    clean, seen = [], set()
    for i, step in enumerate(steps):
        try:
            offset = int(step["offset_minutes"])
            channel = str(step["channel"])
        except (KeyError, TypeError, ValueError):
            raise DomainError(
                "Each step needs offset_minutes and channel.",
                fields={"steps": [f"Step {i}: offset_minutes (integer) and channel."]},
            ) from None
        if not 5 <= offset <= 30 * 24 * 60:
            raise DomainError("Offset out of range.", fields={"steps": [f"Step {i}: 5 minutes to 30 days."]})
        if channel not in Channel.values:
            raise DomainError("Unknown channel.", fields={"steps": [f"Step {i}: one of {', '.join(Channel.values)}."]})
        if (offset, channel) in seen:
            raise DomainError("Duplicate step.", fields={"steps": [f"Step {i} repeats an earlier one."]})
        seen.add((offset, channel))
        clean.append({"offset_minutes": offset, "channel": channel})
    return sorted(clean, key=lambda s: -s["offset_minutes"])


@transaction.atomic
def reminder_policy_update(
    *,
    actor: Membership,
    steps: list | None = None,
    send_confirmation: bool | None = None,
    send_change_notices: bool | None = None,
) -> ReminderPolicy:
    """Admin only. Applies to appointments synced from now on (pending rows are not rewritten)."""
    if not actor.has_role(roles.ADMIN):
        raise NotAllowed("Only an administrator may change the reminder policy.")
    policy = reminder_policy_for(practice=actor.practice)
    if steps is not None:
        policy.steps = _validate_steps(steps)
    if send_confirmation is not None:
        policy.send_confirmation = send_confirmation
    if send_change_notices is not None:
        policy.send_change_notices = send_change_notices
    policy.save()
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=policy, detail={"steps": len(policy.steps)})
    return policy


# --- consent ------------------------------------------------------------------------------------------


def consent_problem(client: Client, channel: str) -> str:
    """Why this client may not get a message on this channel ("" when they may)."""
    if not client.is_active:
        return "client_inactive"
    if client.preferred_channel == CommunicationChannel.NONE:
        return "client_opted_out"
    if channel == Channel.SMS:
        if not client.sms_consent:
            return "no_sms_consent"
        if not client.phone:
            return "no_phone_number"
    elif channel == Channel.EMAIL:
        if not client.email_consent:
            return "no_email_consent"
        if not client.email:
            return "no_email_address"
    return ""


def _notice_channel(client: Client) -> str:
    """One-off notices go on the client's preferred channel, else on any channel they consented to."""
    preferred = client.preferred_channel if client.preferred_channel in Channel.values else Channel.EMAIL
    for channel in (preferred, *[c for c in Channel.values if c != preferred]):
        if not consent_problem(client, channel):
            return channel
    return preferred


# --- the outbox hook (called by scheduling services, inside their transaction) -------------------------


def _row(
    appointment, client: Client, *, kind: str, channel: str, due_at: datetime, offset: int = 0, now: datetime
) -> OutboundMessage:
    problem = consent_problem(client, channel)
    return OutboundMessage(
        practice_id=appointment.practice_id,
        appointment_id=appointment.pk,
        client=client,
        kind=kind,
        channel=channel,
        offset_minutes=offset,
        scheduled_for=appointment.starts_at,
        due_at=due_at,
        status=St.SKIPPED if problem else St.PENDING,
        skip_reason=problem,
        created_at=now,
    )


def reminders_sync_for_appointment(*, appointment, reason: str) -> None:
    """Make the appointment's outbox rows match the appointment, in the caller's transaction.

    `reason` is the scheduling event ("booked", "rescheduled", "details_changed", "room_changed", a new
    status, "deleted"). Reminders due for a start time the appointment no longer has are cancelled;
    reminders for the current start are created unless their due time has already passed; a confirmation
    follows a booking, a notice follows a reschedule, a change of place the client is told of
    ("details_changed": mode, location or video link) or a cancellation (when the client had been told of
    the appointment at all). The uniqueness constraints make running this twice harmless.
    """
    from scheduling.models import Status

    now = timezone.now()
    policy = reminder_policy_for(practice=appointment.practice_id)
    live = OutboundMessage.objects.filter(appointment_id=appointment.pk, status__in=LIVE)
    clients = list(Client.objects.filter(appointment_participations__appointment_id=appointment.pk))
    rows: list[OutboundMessage] = []

    if reason == "deleted" or appointment.status not in (Status.SCHEDULED, Status.CONFIRMED):
        # A cancellation notice only for a client who was told of the appointment (a message sent, or a
        # confirmation on its way): cancelling a series' far occurrences does not flood the client.
        told = (
            OutboundMessage.objects.filter(appointment_id=appointment.pk)
            .filter(
                Q(status=St.SENT, kind__in=(Kind.CONFIRMATION, Kind.REMINDER, Kind.RESCHEDULED, Kind.DETAILS_CHANGED))
                | Q(status__in=LIVE, kind=Kind.CONFIRMATION)
            )
            .exists()
        )
        live.update(status=St.CANCELLED, skip_reason=f"appointment_{reason}"[:60], claimed_at=None, updated_at=now)
        if (
            appointment.status in (Status.CANCELLED, Status.LATE_CANCELLED)
            and reason != "deleted"
            and policy.send_change_notices
            and told
        ):
            rows = [
                _row(appointment, c, kind=Kind.CANCELLED, channel=_notice_channel(c), due_at=now, now=now)
                for c in clients
            ]
    else:
        live.exclude(scheduled_for=appointment.starts_at).update(
            status=St.CANCELLED, skip_reason="appointment_moved", claimed_at=None, updated_at=now
        )
        if reason == "rescheduled" and policy.send_change_notices:
            rows += [
                _row(appointment, c, kind=Kind.RESCHEDULED, channel=_notice_channel(c), due_at=now, now=now)
                for c in clients
            ]
        if reason == "details_changed" and policy.send_change_notices:
            waiting = _clients_with_a_waiting_notice(appointment)
            rows += [
                _row(appointment, c, kind=Kind.DETAILS_CHANGED, channel=_notice_channel(c), due_at=now, now=now)
                for c in clients
                if c.pk not in waiting
            ]
        if reason in ("booked", Status.SCHEDULED) and policy.send_confirmation and not _series_confirmed(appointment):
            rows += [
                _row(appointment, c, kind=Kind.CONFIRMATION, channel=_notice_channel(c), due_at=now, now=now)
                for c in clients
            ]
        for step in policy.steps:
            due = appointment.starts_at - timedelta(minutes=int(step["offset_minutes"]))
            if due <= now:
                continue  # booked inside this offset: the confirmation already told them
            rows += [
                _row(
                    appointment,
                    c,
                    kind=Kind.REMINDER,
                    channel=step["channel"],
                    due_at=due,
                    offset=int(step["offset_minutes"]),
                    now=now,
                )
                for c in clients
            ]
    if rows:
        OutboundMessage.objects.bulk_create(rows, ignore_conflicts=True)  # the constraint drops duplicates
        if any(r.status == St.PENDING and r.due_at <= now for r in rows):
            transaction.on_commit(_kick_dispatcher)


def _clients_with_a_waiting_notice(appointment) -> set[int]:
    """Clients who still have a notice about this appointment waiting to be sent (a confirmation, a
    reschedule or a change-of-place notice): rendered at send time, it will tell the new place, so no
    second notice is queued. The rows are locked so that a dispatcher passes over them (SKIP LOCKED) until
    the change commits; a row already claimed may be sending the old place, and does not count."""
    return set(
        OutboundMessage.objects.select_for_update()
        .filter(
            appointment_id=appointment.pk,
            scheduled_for=appointment.starts_at,
            status=St.PENDING,
            kind__in=(Kind.CONFIRMATION, Kind.RESCHEDULED, Kind.DETAILS_CHANGED),
        )
        .values_list("client_id", flat=True)
    )


def _series_confirmed(appointment) -> bool:
    """A series is confirmed once (its first occurrence), not once per weekly occurrence."""
    return (
        bool(appointment.series_id)
        and OutboundMessage.objects.filter(
            appointment__series_id=appointment.series_id, kind=Kind.CONFIRMATION
        ).exists()
    )


def _kick_dispatcher() -> None:
    """Immediate messages need not wait for the next beat. A broker outage must not fail the booking:
    the beat dispatcher finds the rows anyway. No connection or publish retries (the transport's
    `max_retries: 0` in settings, `retry=False` here): with the broker down the booking answers at once."""
    from reminders.tasks import reminders_dispatch_task

    try:
        reminders_dispatch_task.apply_async(retry=False)
    except Exception:  # noqa: BLE001 - after commit, a broker error is only a delay
        logger.warning("reminders: could not enqueue the dispatcher; the next beat will send", exc_info=True)


# --- other messages: intake, clinician notices (called inside the caller's transaction) ----------------


def _subject_row_insert(row: OutboundMessage) -> bool:
    """Insert once: the subject constraints turn a second insert (a second run, a concurrent one) into nothing.
    True if this call wrote the row."""
    lookup = {"kind": row.kind, "subject_type": row.subject_type, "subject_id": row.subject_id}
    lookup.update({"client_id": row.client_id} if row.client_id else {"recipient_id": row.recipient_id})
    if OutboundMessage.objects.filter(**lookup).exists():
        return False
    OutboundMessage.objects.bulk_create([row], ignore_conflicts=True)
    created = OutboundMessage.objects.filter(**lookup, created_at=row.created_at).exists()
    if created and row.status == St.PENDING and row.due_at <= timezone.now():
        transaction.on_commit(_kick_dispatcher)
    return created


def outbox_client_message_queue(
    *,
    practice_id: int,
    client: Client,
    kind: str,
    subject_type: str,
    subject_id: int | str,
    scheduled_for: datetime | None = None,
    now: datetime | None = None,
) -> bool:
    """Queue one email to a client about an object (an intake packet), due now, once per (client, kind,
    subject). A client who cannot get it (inactive, no address) gets a `skipped` row with the reason."""
    now = now or timezone.now()
    problem = subjects.client_problem(client)
    return _subject_row_insert(
        OutboundMessage(
            practice_id=practice_id,
            client=client,
            kind=kind,
            channel=Channel.EMAIL,
            subject_type=subject_type,
            subject_id=str(subject_id),
            scheduled_for=scheduled_for,
            due_at=now,
            status=St.SKIPPED if problem else St.PENDING,
            skip_reason=problem,
            created_at=now,
        )
    )


def outbox_client_message_queue_again(
    *,
    practice_id: int,
    client: Client,
    kind: str,
    subject_type: str,
    subject_id: int | str,
    now: datetime | None = None,
) -> OutboundMessage | None:
    """Queue one more email to a client about an object, due now, for a kind that may go more than once
    (an intake invitation sent again: each time its own row, so its own status and Message-ID). None when
    another one about the same subject is still on its way (`outbound_message_one_live_invitation`); the
    caller decides what that means. The caller checks the client can receive it (a resend is refused
    rather than queued as skipped)."""
    now = now or timezone.now()
    row = OutboundMessage(
        practice_id=practice_id,
        client=client,
        kind=kind,
        channel=Channel.EMAIL,
        subject_type=subject_type,
        subject_id=str(subject_id),
        due_at=now,
        status=St.PENDING,
        created_at=now,
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:
        if "outbound_message_one_live_invitation" not in str(exc):
            raise
        return None
    transaction.on_commit(_kick_dispatcher)
    return row


def outbox_staff_message_queue(
    *,
    practice_id: int,
    recipient: Membership,
    kind: str,
    subject_type: str,
    subject_id: int | str,
    now: datetime | None = None,
) -> bool:
    """Queue one email to a staff member (a clinician notice), due now, once per (member, kind, subject)."""
    now = now or timezone.now()
    problem = subjects.staff_problem(recipient)
    return _subject_row_insert(
        OutboundMessage(
            practice_id=practice_id,
            recipient=recipient,
            kind=kind,
            channel=Channel.EMAIL,
            subject_type=subject_type,
            subject_id=str(subject_id),
            due_at=now,
            status=St.SKIPPED if problem else St.PENDING,
            skip_reason=problem,
            created_at=now,
        )
    )


DEFAULT_INTAKE_NUDGE_HOURS = 48
# Appointment statuses that make an appointment a client's "first session" (it happened or will happen).
_FIRST_SESSION_STATUSES = ("scheduled", "confirmed", "checked_in", "completed", "no_show")


def intake_nudge_hours(practice_settings: dict | None) -> int:
    value = (practice_settings or {}).get("intake_nudge_hours")
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 30 * 24:
        return value
    return int(getattr(settings, "INTAKE_NUDGE_HOURS", DEFAULT_INTAKE_NUDGE_HOURS))


def intake_nudges_queue(*, now: datetime | None = None) -> int:
    """Queue one nudge per intake packet still incomplete `intake_nudge_hours` (practice setting, default 48)
    before the client's first session. Safe to run any number of times, concurrently too: a packet is nudged
    at most once (the subject constraint). A packet assigned after that moment gets no nudge (its invitation
    has just gone out), and the send task re-checks: a packet completed meanwhile is never nudged."""
    from django.db.models import Min

    from intake.models import Packet
    from scheduling.models import AppointmentClient

    now = now or timezone.now()
    queued = 0
    for practice_id, practice_settings in Practice.objects.values_list("id", "settings"):
        window = timedelta(hours=intake_nudge_hours(practice_settings))
        firsts = dict(
            AppointmentClient.objects.filter(practice_id=practice_id, appointment__status__in=_FIRST_SESSION_STATUSES)
            .values("client_id")
            .annotate(first=Min("appointment__starts_at"))
            .filter(first__gt=now, first__lte=now + window)
            .values_list("client_id", "first")
        )
        if not firsts:
            continue
        packets = (
            Packet.objects.filter(practice_id=practice_id, client_id__in=firsts.keys())
            .exclude(status=Packet.Status.COMPLETED)
            .select_related("client")
        )
        for packet in packets:
            first = firsts[packet.client_id]
            if packet.created_at >= first - window:
                continue
            with transaction.atomic():
                queued += outbox_client_message_queue(
                    practice_id=practice_id,
                    client=packet.client,
                    kind=Kind.INTAKE_NUDGE,
                    subject_type=subjects.PACKET,
                    subject_id=packet.pk,
                    scheduled_for=first,
                    now=now,
                )
    return queued


# --- dispatching --------------------------------------------------------------------------------------


def reminders_dispatch(*, now: datetime | None = None, batch_size: int = 500, enqueue: bool = True) -> list[int]:
    """Claim due rows (and rows claimed too long ago) and enqueue their send tasks after commit.

    Two dispatchers at once each claim different rows: SKIP LOCKED passes over the rows another
    transaction holds, and a row claimed and committed no longer matches the filter.
    """
    now = now or timezone.now()
    stale = now - claim_timeout()
    with transaction.atomic():
        ids = list(
            OutboundMessage.objects.select_for_update(skip_locked=True)
            .filter(Q(status=St.PENDING, due_at__lte=now) | Q(status=St.CLAIMED, claimed_at__lte=stale))
            .order_by("due_at", "id")
            .values_list("id", flat=True)[:batch_size]
        )
        if ids:
            OutboundMessage.objects.filter(pk__in=ids).update(status=St.CLAIMED, claimed_at=now, updated_at=now)
            if enqueue:
                transaction.on_commit(lambda: _enqueue_sends(ids))
    return ids


def _enqueue_sends(ids: Iterable[int]) -> None:
    from reminders.tasks import reminder_send_task

    for message_id in ids:
        reminder_send_task.delay(message_id)


# --- sending ------------------------------------------------------------------------------------------


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


# --- front desk ---------------------------------------------------------------------------------------


def _require_no_waiting_details_notice(message: OutboundMessage) -> None:
    """A newer change-of-place notice still waiting tells the client the latest place: resending an older
    one would repeat it. The appointment row is locked first, as the scheduling services lock it before
    they queue a notice, so the check and the resend cannot interleave with a change of place."""
    from scheduling.models import Appointment

    list(Appointment.objects.select_for_update().filter(pk=message.appointment_id).values_list("pk", flat=True))
    if OutboundMessage.objects.filter(
        appointment_id=message.appointment_id, client_id=message.client_id, kind=Kind.DETAILS_CHANGED, status=St.PENDING
    ).exists():
        raise Conflict(
            "A newer notice of this appointment's place is already on its way to the client.", code="notice_queued"
        )


@transaction.atomic
def outbound_message_resend(*, actor: Membership, message: OutboundMessage) -> OutboundMessage:
    """Put a failed row back in the queue (front desk). The send task re-checks everything again."""
    if not actor.has_role(roles.FRONT_DESK):
        raise NotAllowed("Only the front desk may resend a message.")
    message = OutboundMessage.objects.select_for_update().get(pk=message.pk)
    if message.status != St.FAILED:
        raise InvalidTransition(
            f"Only a failed message can be resent; this one is {message.status}.",
            extra={"current_status": message.status},
        )
    if message.kind == Kind.DETAILS_CHANGED:
        _require_no_waiting_details_notice(message)
    now = timezone.now()
    message.status, message.due_at, message.attempts, message.claimed_at = St.PENDING, now, 0, None
    try:
        with transaction.atomic():
            message.save(update_fields=["status", "due_at", "attempts", "claimed_at", "updated_at"])
    except IntegrityError as exc:
        if "outbound_message_one_live_invitation" not in str(exc):
            raise
        raise Conflict("Another invitation to this packet is already on its way.", code="invitation_queued") from exc
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=message, detail={"resend": True})
    transaction.on_commit(_kick_dispatcher)
    return message


# --- signed links -------------------------------------------------------------------------------------


def link_resolve(*, token: str, now: datetime | None = None, for_update: bool = False):
    """The (appointment, client, action) a link token names, or a 400 saying why it cannot be used.

    `for_update` locks the appointment row (inside a transaction), so a second click waits for the
    first and then sees what it did.
    """
    from scheduling.models import Appointment

    now = now or timezone.now()
    try:
        claim = link_read(token)
    except signing.SignatureExpired:
        raise DomainError("This link has expired.", code="link_expired") from None
    except signing.BadSignature:
        raise DomainError("This link is not valid.", code="link_invalid") from None
    rows = Appointment.objects.select_related("practice", "room__location")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    appointment = rows.filter(pk=claim.appointment_id, participants__client_id=claim.client_id).first()
    if appointment is None:
        raise DomainError("This link is not valid.", code="link_invalid")
    if int(appointment.starts_at.timestamp()) != claim.starts_at_ts:
        raise DomainError(
            "The appointment has moved since this link was sent; use the newest message.", code="link_outdated"
        )
    if appointment.starts_at <= now:
        raise DomainError("This appointment has already started.", code="link_expired")
    client = Client.objects.get(pk=claim.client_id)
    return appointment, client, claim.action


@transaction.atomic
def link_apply(*, token: str, now: datetime | None = None):
    """Confirm or cancel through a signed link, with no login. Cancelling applies the practice's policy
    (the client cut-off `settings.client_cancel_cutoff_hours` and the late-cancellation window) through
    scheduling's `appointment_cancel` for a client cancelling online."""
    from scheduling.models import Status
    from scheduling.services.appointments import appointment_cancel, appointment_confirm_by_client

    now = now or timezone.now()
    appointment, client, action = link_resolve(token=token, now=now, for_update=True)
    if action == "confirm":
        appointment = appointment_confirm_by_client(
            appointment=appointment, client=client, reason="confirmed by the client's link"
        )
    else:
        if appointment.status in (Status.CANCELLED, Status.LATE_CANCELLED):
            return appointment, client, action  # the same link clicked twice
        appointment = appointment_cancel(
            actor=None, appointment=appointment, by="client", reason="cancelled by the client's link", now=now
        )
    audit_record(
        actor=None,
        practice=appointment.practice,
        action=AuditEvent.Action.UPDATE,
        obj=appointment,
        detail={"via": "signed_link", "action": action, "client": client.pk, "status": appointment.status},
    )
    return appointment, client, action
