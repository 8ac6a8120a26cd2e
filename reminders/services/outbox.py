"""Writing outbox rows, inside the caller's transaction: the appointment hook (called by scheduling services)
and the other messages (intake, clinician notices)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from core.rows import insert_ignoring_conflicts
from practice.models import Client, Membership
from reminders import subjects
from reminders.models import Channel, OutboundMessage
from reminders.services.consent import _notice_channel, consent_problem
from reminders.services.dispatch import _kick_dispatcher
from reminders.services.policy import reminder_policy_for

Kind = OutboundMessage.Kind
St = OutboundMessage.Status
LIVE = (St.PENDING, St.CLAIMED)


class Status:
    """scheduling's appointment statuses the sync reads, by value: the outbox imports no domain app (the import
    contract in pyproject.toml; tests/reminders/test_registry.py checks they match scheduling.models.Status)."""

    SCHEDULED = "scheduled"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    LATE_CANCELLED = "late_cancelled"


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
    now = timezone.now()
    # A booking hands over its practice with the policy read alongside its clinician, and its clients (held as a
    # prefetch): neither is read again. Any other change reads (or creates) the policy and reads the clients here.
    practice = appointment.practice if type(appointment).practice.is_cached(appointment) else None
    held = practice is not None and type(practice).reminder_policy.is_cached(practice)
    policy = (getattr(practice, "reminder_policy", None) if held else None) or reminder_policy_for(
        practice=appointment.practice_id
    )
    clients = list(appointment.clients.all())
    new = reason == "booked"  # a new appointment has no outbox rows yet: none to close, nobody told of it
    # Built only for a change: a new booking has no live rows (and building the queryset is not free).
    live = None if new else OutboundMessage.objects.filter(appointment_id=appointment.pk, status__in=LIVE)
    rows: list[OutboundMessage] = []

    if reason == "deleted" or appointment.status not in (Status.SCHEDULED, Status.CONFIRMED):
        # A cancellation notice only for a client who was told of the appointment (a message sent, or a
        # confirmation on its way): cancelling a series' far occurrences does not flood the client.
        told = not new and (
            OutboundMessage.objects.filter(appointment_id=appointment.pk)
            .filter(
                Q(status=St.SENT, kind__in=(Kind.CONFIRMATION, Kind.REMINDER, Kind.RESCHEDULED, Kind.DETAILS_CHANGED))
                | Q(status__in=LIVE, kind=Kind.CONFIRMATION)
            )
            .exists()
        )
        if live is not None:
            _close_live(live, f"appointment_{reason}"[:60], now)
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
        if live is not None:
            _close_live(live.exclude(scheduled_for=appointment.starts_at), "appointment_moved", now)
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
        # bulk_create(rows, ignore_conflicts=True) as one statement composed once: the constraint drops duplicates
        insert_ignoring_conflicts(rows)
        if any(r.status == St.PENDING and r.due_at <= now for r in rows):
            transaction.on_commit(_kick_dispatcher)


def _close_live(rows, reason: str, now) -> None:
    """The appointment no longer wants these rows: `cancelled`, except a row whose hand-off to the provider
    has begun (a send under way, or one a dead worker left unrecorded), which may have reached the client:
    `handed_off` (a send still under way records `sent` over it if the provider takes the message)."""
    rows.filter(handed_off_at__isnull=False, status=St.CLAIMED).update(
        status=St.HANDED_OFF, skip_reason=reason, claimed_at=None, updated_at=now
    )
    rows.update(status=St.CANCELLED, skip_reason=reason, claimed_at=None, updated_at=now)


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


def _client_email_row(
    *,
    practice_id: int,
    client: Client,
    kind: str,
    subject_type: str,
    subject_id: int | str,
    now: datetime,
    scheduled_for: datetime | None = None,
    problem: str = "",
) -> OutboundMessage:
    """An unsaved email row to a client about an object, due now; `skipped` with the reason when `problem`."""
    return OutboundMessage(
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
        _client_email_row(
            practice_id=practice_id,
            client=client,
            kind=kind,
            subject_type=subject_type,
            subject_id=subject_id,
            scheduled_for=scheduled_for,
            now=now,
            problem=problem,
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
    row = _client_email_row(
        practice_id=practice_id, client=client, kind=kind, subject_type=subject_type, subject_id=subject_id, now=now
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


def outbox_account_message_queue(
    *, kind: str, subject_type: str, subject_id: int | str, practice_id: int | None = None, problem: str = ""
) -> OutboundMessage:
    """Queue a staff invitation or a password-reset email, due now (practice/messages.py sends it). With `problem` the
    row is written `skipped` with that reason, so the caller's request does the same work either way. The
    dispatcher is kicked after commit in both cases, for the same reason."""
    now = timezone.now()
    row = OutboundMessage.objects.create(
        practice_id=practice_id,
        kind=kind,
        channel=Channel.EMAIL,
        subject_type=subject_type,
        subject_id=str(subject_id),
        due_at=now,
        status=St.SKIPPED if problem else St.PENDING,
        skip_reason=problem,
        created_at=now,
    )
    transaction.on_commit(_kick_dispatcher)
    return row
